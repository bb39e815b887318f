"""deploy-staging with --signing-key on a local registry: attached, verifiable, scannable.

Only the engine runs Trivy and pushes: the run attests its pushed digest, the report
names both artifacts and exports the SBOM; the core verifier (from this process, over
the registry's API) finds the provenance signed by the key; and the pinned Trivy scans
the attached SBOM (`trivy sbom`) and finds the vulnerabilities the image scan found.
"""

import json
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import pytest

from main.core.attest.dsse import load_public_key, read_envelope
from main.core.attest.statement import CYCLONEDX, canonical, read_statement
from main.core.attest.verify import MAX_ARTIFACT_BYTES, Policy, candidates, verify
from main.core.registry.artifacts import read_artifact
from main.core.registry.client import Registry
from main.core.registry.referrers import find_referrers
from main.scan import TRIVY_IMAGE
from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import DaggerCall, exported_report, git, statuses
from tests.support.signing_keys import ecdsa_pair

KEY = ecdsa_pair("engine-signer")
REPO = "example/sample-service"


async def attached_sbom(registry: str, digest: str) -> bytes:
    """The CycloneDX document attached to ``digest``, out of its signed statement."""
    async with Registry(registry) as client:
        referrers = await find_referrers(client, REPO, digest)
        newest = candidates(referrers.entries, CYCLONEDX)[0]
        stored = await read_artifact(client, REPO, newest.digest, max_bytes=MAX_ARTIFACT_BYTES)
    return canonical(read_statement(read_envelope(stored.content).payload).predicate)


async def verified(registry: str, digest: str) -> dict[str, object]:
    policy = Policy(key=load_public_key(KEY.public))
    async with Registry(registry) as client:
        return (await verify(client, REPO, digest, policy)).to_dict()


def test_a_signed_run_attaches_what_trivy_sbom_reads(
    dagger: DaggerCall, registry: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_TEST_SIGNING_KEY", KEY.private.decode())
    port = urlsplit(registry).port
    report = exported_report(
        dagger, tmp_path / "out", "call", "--subpath", SAMPLE_SUBPATH, "deploy-staging",
        "--ref", git("rev-parse", "HEAD"), "--local-registry", f"tcp://localhost:{port}",
        "--signing-key", "env://PIPELINE_TEST_SIGNING_KEY",
    )  # fmt: skip
    assert statuses(report)["attest"] == "passed", report
    attestation = report["attestation"]
    assert isinstance(attestation, dict)
    assert attestation["signed"] is True
    assert attestation["packages"] > 0
    digest = str(report["digest"])
    verdict = anyio.run(verified, registry, digest)
    assert verdict["verified"] is True, verdict
    exported = json.loads((tmp_path / "out" / "sbom.cdx.json").read_text(encoding="utf-8"))
    assert exported["bomFormat"] == "CycloneDX"

    sbom = tmp_path / "attached.cdx.json"
    sbom.write_bytes(anyio.run(attached_sbom, registry, digest))
    scanned = dagger(
        "core", "container", "from", "--address", TRIVY_IMAGE,
        "with-mounted-file", "--path", "/sbom.cdx.json", "--source", str(sbom),
        "with-exec", "--args", "trivy,sbom,--quiet,--format,json,/sbom.cdx.json", "stdout",
    )  # fmt: skip
    assert scanned.returncode == 0, scanned.stderr
    found = [
        vuln["VulnerabilityID"]
        for result in json.loads(scanned.stdout).get("Results", [])
        for vuln in result.get("Vulnerabilities") or []
    ]
    scan = report["scan"]
    assert isinstance(scan, dict)
    assert len(found) == sum(scan["found"].values()), (found, scan)
