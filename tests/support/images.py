"""Build real images and push them over the OCI API: layer tarballs, config, manifest.

Nothing can be pulled here, so tests and the re-tag benchmark make their own images:
each layer is a tar archive holding one file of seeded random bytes (so two images
never share a layer by accident), the config carries OCI labels and the layers'
diff ids, and the manifest is OCI or Docker v2. Indexes list child images by platform.
"""

import io
import json
import random
import tarfile
from collections.abc import Mapping, Sequence
from http import HTTPStatus

from main.core.registry.client import Registry, RegistryError
from main.core.registry.manifests import (
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    Manifest,
    sha256_digest,
)

LAYER_TYPES = {
    OCI_MANIFEST: "application/vnd.oci.image.layer.v1.tar",
    DOCKER_MANIFEST: "application/vnd.docker.image.rootfs.diff.tar",
}
CONFIG_TYPES = {
    OCI_MANIFEST: "application/vnd.oci.image.config.v1+json",
    DOCKER_MANIFEST: "application/vnd.docker.container.image.v1+json",
}


def layer(size: int, seed: str) -> bytes:
    """An uncompressed tar layer with one file of ``size`` seeded random bytes."""
    payload = random.Random(seed).randbytes(size)  # noqa: S311 - test data, not secrets
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(f"data/{seed}.bin")
        info.size = size
        info.mtime = 0
        archive.addfile(info, io.BytesIO(payload))
    return buffer.getvalue()


def _json(document: object) -> bytes:
    return json.dumps(document, indent=2, sort_keys=True).encode()


async def push_image(  # noqa: PLR0913 - an image's parts, keyword-only
    registry: Registry,
    repo: str,
    tag: str | None,
    *,
    layers: Sequence[bytes],
    labels: Mapping[str, str] | None = None,
    media_type: str = OCI_MANIFEST,
    architecture: str = "amd64",
) -> Manifest:
    """Push layers, config and manifest; tag it when ``tag`` is given (else by digest)."""
    config = _json(
        {
            "architecture": architecture,
            "os": "linux",
            "config": {"Labels": dict(labels or {})},
            "rootfs": {"type": "layers", "diff_ids": [sha256_digest(blob) for blob in layers]},
        }
    )
    for blob in [config, *layers]:
        await registry.push_blob(repo, blob)
    manifest = Manifest.of(
        _json(
            {
                "schemaVersion": 2,
                "mediaType": media_type,
                "config": {
                    "mediaType": CONFIG_TYPES[media_type],
                    "digest": sha256_digest(config),
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": LAYER_TYPES[media_type],
                        "digest": sha256_digest(blob),
                        "size": len(blob),
                    }
                    for blob in layers
                ],
            }
        ),
        media_type,
    )
    await registry.put_manifest(repo, tag or manifest.digest, manifest)
    return manifest


async def push_index(
    registry: Registry,
    repo: str,
    tag: str,
    children: Mapping[str, Manifest],
) -> Manifest:
    """Push an OCI index of already pushed images, keyed by architecture."""
    index = Manifest.of(
        _json(
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [
                    {
                        "mediaType": child.media_type,
                        "digest": child.digest,
                        "size": len(child.content),
                        "platform": {"architecture": architecture, "os": "linux"},
                    }
                    for architecture, child in children.items()
                ],
            }
        ),
        OCI_INDEX,
    )
    await registry.put_manifest(repo, tag, index)
    return index


async def snapshot(registry: Registry, repo: str) -> dict[str, str]:
    """Every tag of ``repo`` and its digest: compared before and after to prove no change."""
    return await registry.digests(repo, await registry.tags(repo))


async def exists(registry: Registry, repo: str, digest: str) -> bool:
    """Whether the manifest ``repo@digest`` is still stored."""
    try:
        await registry.manifest(repo, digest)
    except RegistryError as exc:
        if exc.status == HTTPStatus.NOT_FOUND:
            return False
        raise
    return True
