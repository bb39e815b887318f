"""Staging deployments as the pipeline leaves them, pushed to a real registry for tests."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from main.core.registry.client import Registry
from main.core.tags import STAGING_LATEST, staging_tags
from tests.support.images import layer, push_image, push_index

if TYPE_CHECKING:
    from main.core.registry.manifests import Manifest

START = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Deployment:
    """One staging deployment: its timestamped tag and the image's digest."""

    tag: str
    digest: str
    sha: str


def new_repo(kind: str) -> str:
    """A repository no other test uses."""
    return f"acme/{kind}-{uuid.uuid4().hex[:10]}"


async def deploy(  # noqa: PLR0913 - a deployment's facts, keyword-only
    client: Registry,
    repo: str,
    *,
    day: int,
    version: str = "0.1.0",
    labels: bool = True,
    index: bool = False,
) -> Deployment:
    """Push a fresh image as the pipeline would: timestamped tag, then ``staging-latest``."""
    sha = uuid.uuid4().hex[:8] * 5
    when = START + timedelta(days=day)
    tag, latest = staging_tags(version, sha, when)
    oci = {"org.opencontainers.image.version": version, "org.opencontainers.image.revision": sha}
    layers = [layer(512, f"{repo}-{sha}-{n}") for n in range(2)]
    image: Manifest
    if index:
        children = {
            arch: await push_image(
                client,
                repo,
                None,
                layers=[*layers, layer(64, arch + sha)],
                labels=oci if labels else None,
                architecture=arch,
            )
            for arch in ("amd64", "arm64")
        }
        image = await push_index(client, repo, tag, children)
    else:
        image = await push_image(client, repo, tag, layers=layers, labels=oci if labels else None)
    await client.retag(repo, tag, latest)
    assert latest == STAGING_LATEST
    return Deployment(tag=tag, digest=image.digest, sha=sha)
