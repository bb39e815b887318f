"""Inputs for the attestation tests: an image pushed for real, its provenance and SBOM."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from main.core.attest.attach import attach, prepare
from main.core.attest.dsse import load_private_key
from main.core.attest.statement import Build, Builder, provenance
from main.core.registry.client import Registry
from tests.support.images import layer, push_image

SOURCE = "https://github.com/acme/svc"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
BUILDER = Builder(module="https://github.com/acme/pipeline", version="0.4.0", engine="v0.21.11")


@dataclass(frozen=True)
class Pushed:
    """An image in the registry and the attestation inputs about it."""

    repo: str
    digest: str
    provenance: bytes
    sbom: bytes


def cyclonedx(packages: int = 3) -> bytes:
    """A CycloneDX BOM shaped like Trivy's: an OS, OS packages, a lock file's packages."""
    libraries = [
        {"type": "library", "name": f"pkg{n}", "purl": f"pkg:pypi/pkg{n}@1.{n}"}
        for n in range(packages)
    ]
    return json.dumps(
        {
            "bomFormat": "CycloneDX",
            "specVersion": "1.6",
            "version": 1,
            "metadata": {"tools": {"components": [{"name": "trivy", "version": "0.58.1"}]}},
            "components": [
                {"type": "operating-system", "name": "debian", "version": "12.8"},
                {"type": "application", "name": "uv.lock", "components": libraries},
            ],
        }
    ).encode()


def provenance_for(
    image: str, digest: str, *, commit: str = COMMIT, repository: str = SOURCE
) -> bytes:
    """The pipeline's provenance of ``image@digest``."""
    build = Build(
        image=image,
        digest=digest,
        repository=repository,
        commit=commit,
        ref="refs/heads/develop",
        containerfile="Containerfile",
        build_args={"PYTHON": "3.12"},
        started=datetime(2026, 12, 7, 5, 0, tzinfo=UTC),
        finished=datetime(2026, 12, 7, 5, 2, tzinfo=UTC),
    )
    return provenance(build, BUILDER)


async def pushed_image(registry: Registry, repo: str, *, seed: str = "") -> Pushed:
    """Push a small real image to ``repo`` (tag ``v1``) and make its attestation inputs."""
    manifest = await push_image(registry, repo, "v1", layers=[layer(256, f"{repo}{seed}")])
    image = f"{registry.host}/{repo}"
    return Pushed(repo, manifest.digest, provenance_for(image, manifest.digest), cyclonedx())


async def attested(registry: Registry, repo: str, key: bytes | None) -> str:
    """The digest of an image pushed to ``repo`` with its provenance and SBOM attached.

    Signed by ``key`` (a PKCS#8 PEM); None attaches nothing.
    """
    pushed = await pushed_image(registry, repo)
    if key is not None:
        image = f"{registry.host}/{repo}"
        attachment = prepare(image, pushed.digest, provenance=pushed.provenance, sbom=pushed.sbom)
        await attach(registry, repo, attachment, load_private_key(key))
    return pushed.digest
