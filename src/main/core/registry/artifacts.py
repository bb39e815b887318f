"""OCI artifacts that refer to an image: one blob, an empty config, a ``subject``.

The form is the OCI image spec 1.1's artifact guidance, the one ORAS and cosign write:
an image manifest whose ``artifactType`` says what the artifact is, whose config is the
empty descriptor (``application/vnd.oci.empty.v1+json``, the two bytes ``{}``), whose
one layer is the content, and whose ``subject`` is the manifest it is about. The layer
carries an ``org.opencontainers.image.title`` so ``oras pull`` names the file.
Registries without OCI 1.1 (distribution 2.8) store such a manifest as any other; the
``referrers`` module makes it discoverable there.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from main.core.errors import PipelineError
from main.core.registry.client import Registry
from main.core.registry.manifests import OCI_MANIFEST, Manifest, sha256_digest

EMPTY_TYPE = "application/vnd.oci.empty.v1+json"
EMPTY = b"{}"
TITLE = "org.opencontainers.image.title"
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
MAX_ANNOTATIONS = 64


@dataclass(frozen=True, slots=True)
class Descriptor:
    """An OCI content descriptor: what a manifest, index or referrers list points with."""

    media_type: str
    digest: str
    size: int
    artifact_type: str = ""
    annotations: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The descriptor's JSON object (empty fields left out, as the spec allows)."""
        document: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": self.size,
        }
        if self.artifact_type:
            document["artifactType"] = self.artifact_type
        if self.annotations:
            document["annotations"] = dict(self.annotations)
        return document

    @classmethod
    def from_dict(cls, entry: object, where: str) -> "Descriptor":
        """Read a descriptor; one that is not one is a clear line naming ``where``."""
        data = entry if isinstance(entry, dict) else {}
        media_type, digest, size = data.get("mediaType"), data.get("digest"), data.get("size")
        annotations = data.get("annotations") or {}
        artifact_type = data.get("artifactType") or ""
        if (
            not isinstance(media_type, str)
            or not isinstance(digest, str)
            or not _DIGEST.fullmatch(digest)
            or not isinstance(size, int)
            or isinstance(size, bool)
            or size < 0
            or not isinstance(artifact_type, str)
            or not isinstance(annotations, dict)
            or len(annotations) > MAX_ANNOTATIONS
            or not all(isinstance(v, str) for v in annotations.values())
        ):
            msg = f"{where} holds an entry that is not an OCI descriptor: {str(entry)[:120]}"
            raise PipelineError(msg)
        return cls(media_type, digest, size, artifact_type, dict(annotations))


def describe(
    manifest: Manifest, *, artifact_type: str = "", annotations: Mapping[str, str] | None = None
) -> Descriptor:
    """The descriptor of a manifest as its bytes are."""
    return Descriptor(
        manifest.media_type,
        manifest.digest,
        len(manifest.content),
        artifact_type,
        dict(annotations or {}),
    )


def artifact_manifest(
    artifact_type: str,
    layer: Descriptor,
    subject: Descriptor,
    annotations: Mapping[str, str],
) -> Manifest:
    """The manifest of an artifact holding ``layer`` and referring to ``subject``."""
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": EMPTY_TYPE, "digest": sha256_digest(EMPTY), "size": len(EMPTY)},
        "layers": [layer.to_dict()],
        "subject": subject.to_dict(),
        "annotations": dict(annotations),
    }
    return Manifest.of(json.dumps(document, sort_keys=True, separators=(",", ":")).encode())


@dataclass(frozen=True, slots=True)
class Artifact:
    """What to attach: its type, its content and the content's media type and file name."""

    artifact_type: str
    media_type: str
    content: bytes
    title: str
    annotations: Mapping[str, str] = field(default_factory=dict)


async def push_artifact(
    registry: Registry, repo: str, subject: Descriptor, artifact: Artifact
) -> Descriptor:
    """Push the content, the empty config and the manifest (by digest, no tag).

    Returns the manifest's descriptor as a referrers list carries it: with the
    artifact type and the manifest's annotations.
    """
    await registry.push_blob(repo, EMPTY)
    digest = await registry.push_blob(repo, artifact.content)
    layer = Descriptor(
        artifact.media_type, digest, len(artifact.content), annotations={TITLE: artifact.title}
    )
    manifest = artifact_manifest(artifact.artifact_type, layer, subject, artifact.annotations)
    await registry.put_manifest(repo, manifest.digest, manifest)
    return describe(
        manifest, artifact_type=artifact.artifact_type, annotations=artifact.annotations
    )


@dataclass(frozen=True, slots=True)
class Stored:
    """An artifact read back: the subject it names and its one layer's bytes."""

    subject: str
    artifact_type: str
    content: bytes


async def read_artifact(registry: Registry, repo: str, digest: str, *, max_bytes: int) -> Stored:
    """The artifact ``repo@digest``: its subject digest and its first layer's content.

    The layer is fetched only when its descriptor says it is at most ``max_bytes``.
    """
    manifest = await registry.manifest(repo, digest)
    document = json.loads(manifest.content)
    where = f"artifact {repo}@{digest}"
    subject = document.get("subject")
    layers = document.get("layers")
    if manifest.is_index or not isinstance(layers, list) or not layers:
        msg = f"{where} is not an artifact with content (no layers)"
        raise PipelineError(msg)
    if subject is None:
        msg = f"{where} names no subject"
        raise PipelineError(msg)
    layer = Descriptor.from_dict(layers[0], where)
    if layer.size > max_bytes:
        msg = f"{where} holds {layer.size} bytes, more than {max_bytes}"
        raise PipelineError(msg)
    artifact_type = document.get("artifactType") or document.get("config", {}).get("mediaType")
    return Stored(
        Descriptor.from_dict(subject, where).digest,
        artifact_type if isinstance(artifact_type, str) else "",
        await registry.blob(repo, layer.digest),
    )
