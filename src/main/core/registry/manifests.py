"""Image manifests as a registry stores them: exact bytes, media type, digest.

Promotion and rollback must not change a digest, so a manifest is never parsed and
re-serialized on its way back to the registry: what travels is the bytes exactly as
received, under the media type the registry reported. Parsing is only for reading
(children of an index, the config blob of an image).
"""

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from main.core.errors import PipelineError

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"

IMAGE_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)
INDEX_TYPES = (OCI_INDEX, DOCKER_MANIFEST_LIST)
MANIFEST_TYPES = (*INDEX_TYPES, *IMAGE_TYPES)
# Every type we can carry, so that a registry never converts a manifest for us (a
# conversion would change the digest).
ACCEPT = ", ".join(MANIFEST_TYPES)
# The digests a registry may name: algorithm and its hex encoding (OCI image spec).
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")


def is_digest(text: str) -> bool:
    """Whether ``text`` is a digest and nothing else (never a path or a tag)."""
    return _DIGEST.fullmatch(text) is not None


def sha256_digest(content: bytes) -> str:
    """The OCI digest of ``content``: ``sha256:`` and the hex hash."""
    return f"sha256:{hashlib.sha256(content).hexdigest()}"


@dataclass(frozen=True, slots=True)
class Manifest:
    """One manifest: the exact bytes, their media type and their digest."""

    media_type: str
    content: bytes
    digest: str

    @classmethod
    def of(cls, content: bytes, media_type: str | None = None) -> "Manifest":
        """Wrap bytes under the given media type, or the document's own ``mediaType``.

        The document's wins when the given one is no manifest type: some registries
        answer ``Content-Type: application/json``.
        """
        declared = _document(content).get("mediaType")
        fallback = declared if isinstance(declared, str) else media_type or ""
        kind = media_type if media_type in MANIFEST_TYPES else fallback
        if kind not in MANIFEST_TYPES:
            msg = f"unsupported manifest media type {kind!r}; expected one of: {ACCEPT}"
            raise PipelineError(msg)
        return cls(media_type=kind, content=content, digest=sha256_digest(content))

    @property
    def is_index(self) -> bool:
        """Whether this is an index (multi-platform image) rather than a single image."""
        return self.media_type in INDEX_TYPES

    def children(self) -> list[str]:
        """Digests of the manifests an index lists (empty for a single image)."""
        if not self.is_index:
            return []
        return [str(entry["digest"]) for entry in self._entries("manifests")]

    def possible_index_children(self) -> list[str]:
        """Children that may be indexes themselves: declared so, or of no declared type.

        Reading the rest is not needed to know what an index needs.
        """
        return [
            str(entry["digest"])
            for entry in self._entries("manifests")
            if entry.get("mediaType") not in IMAGE_TYPES
        ]

    def image_children(self) -> list[str]:
        """Children that are runnable images, leaving out attestations (``unknown`` os)."""
        return [
            str(entry["digest"])
            for entry in self._entries("manifests")
            if _platform_os(entry) != "unknown"
        ]

    def config_digest(self) -> str:
        """Digest of the image's config blob (its labels live there)."""
        config = _document(self.content).get("config")
        if self.is_index or not isinstance(config, dict) or "digest" not in config:
            msg = f"manifest {self.digest} is not a single image with a config"
            raise PipelineError(msg)
        return str(config["digest"])

    def layer_digests(self) -> list[str]:
        """Digests of the image's layers, in order."""
        return [str(entry["digest"]) for entry in self._entries("layers")]

    def _entries(self, key: str) -> list[dict[str, Any]]:
        """The descriptors under ``key``, each naming its digest as a string.

        (What a digest names is checked where it is read: the bytes fetched for it
        are hashed and compared.)

        Raises:
            PipelineError: for a descriptor without a digest string: no image can be
                found from it, so the manifest is broken, and saying so beats a guess.
        """
        entries = _document(self.content).get(key, [])
        if not isinstance(entries, list):
            return []
        found = [e for e in entries if isinstance(e, dict)]
        for entry in found:
            if not isinstance(entry.get("digest"), str):
                shown = repr(entry.get("digest"))[:80]
                msg = f"manifest {self.digest} lists a {key} entry whose digest is {shown}"
                raise PipelineError(msg)
        return found


def _platform_os(entry: dict[str, Any]) -> object:
    platform = entry.get("platform")
    return platform.get("os") if isinstance(platform, dict) else None


def _document(content: bytes) -> dict[str, Any]:
    try:
        document = json.loads(content)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        msg = "the registry sent a manifest that is not a JSON object"
        raise PipelineError(msg)
    return document


def config_labels(config_blob: bytes) -> dict[str, str]:
    """The ``Labels`` of an image config blob (``config.Labels``), empty when none."""
    document = _document(config_blob)
    config = document.get("config")
    labels = config.get("Labels") if isinstance(config, dict) else None
    if not isinstance(labels, dict):
        return {}
    return {str(k): str(v) for k, v in labels.items()}
