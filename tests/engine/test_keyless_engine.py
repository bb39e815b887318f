"""Keyless signing for real: the GitHub job's OIDC token, Fulcio, Rekor, and our verifier.

Nothing here can run without a GitHub Actions job granted ``id-token: write``: the
token comes from GitHub, the certificate from Sigstore's Fulcio, the log entry from
Rekor. .github/workflows/keyless.yml runs this file in such a job. Elsewhere every test
skips and says why.

The first test needs no engine: it signs statements about an image pushed to the real
local registry with our code (``oidc`` then ``keyless``), attaches the bundles, and
verifies them with our verifier and the promote gate against the job's own workflow
identity; another identity is refused in one line. The second runs ``dagger call
deploy-staging --keyless`` with the job's OIDC request as secrets (needs the engine too).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import pytest

from main.core.attest.attach import attach, prepare
from main.core.attest.gate import Gate, verify_before_promote
from main.core.attest.keyless import BUNDLE_TYPE, GITHUB_ISSUER, KeylessIdentity, sign_keyless
from main.core.attest.oidc import fetch_id_token
from main.core.attest.verify import Policy, verify
from main.core.errors import PipelineError
from main.core.registry.client import Registry
from main.core.registry.referrers import find_referrers
from tests.support.attestations import SOURCE, pushed_image
from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import DaggerCall, exported_report, git, statuses
from tests.support.staging import new_repo

URL_VARIABLE = "ACTIONS_ID_TOKEN_REQUEST_URL"
TOKEN_VARIABLE = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable's name
NO_OIDC = (
    f"no GitHub Actions OIDC token here ({URL_VARIABLE} unset): keyless signing needs a "
    "job with permissions: id-token: write; .github/workflows/keyless.yml runs this"
)
needs_oidc = pytest.mark.skipif(
    not (os.environ.get(URL_VARIABLE) and os.environ.get(TOKEN_VARIABLE)), reason=NO_OIDC
)


def workflow_identity() -> str:
    """The SAN Fulcio writes for this job: the workflow file at the ref it ran from."""
    ref = os.environ.get("GITHUB_WORKFLOW_REF", "")
    if not ref:
        pytest.fail("GITHUB_WORKFLOW_REF is unset in a job that has an OIDC token")
    return f"https://github.com/{ref}"


async def _sign_attach_verify(registry: str) -> tuple[dict[str, object], str, str]:
    token = await fetch_id_token(os.environ[URL_VARIABLE], os.environ[TOKEN_VARIABLE])
    repo = new_repo("keyless-real")
    async with Registry(registry) as client:
        pushed = await pushed_image(client, repo)
        image = f"{client.host}/{repo}"
        attachment = prepare(image, pushed.digest, provenance=pushed.provenance, sbom=pushed.sbom)
        statements = [attachment.provenance, attachment.sbom]
        signed = await anyio.to_thread.run_sync(sign_keyless, statements, token)
        await attach(client, repo, attachment, signed)
        referrers = await find_referrers(client, repo, pushed.digest)
        assert {e.artifact_type for e in referrers.entries} == {BUNDLE_TYPE}
        ours = KeylessIdentity(workflow_identity(), GITHUB_ISSUER)
        verdict = await verify(client, repo, pushed.digest, Policy(repository=SOURCE, keyless=ours))
        gate = Gate(public_key=None, source_repository=SOURCE, keyless=ours)
        line = await verify_before_promote(client, repo, pushed.digest, gate)
        other = KeylessIdentity(
            "https://github.com/mallory/svc/.github/workflows/x.yml@refs/heads/main"
        )
        refused = await verify(client, repo, pushed.digest, Policy(keyless=other))
    return verdict.to_dict(), line, refused.error


@needs_oidc
def test_the_jobs_identity_signs_and_our_verifier_checks_it(registry: str) -> None:
    verdict, line, refused = anyio.run(_sign_attach_verify, registry)
    assert verdict["verified"] is True, verdict
    assert verdict["notes"] == []
    provenance = verdict["provenance"]
    assert isinstance(provenance, dict)
    assert provenance["signed"] is True
    assert line.startswith("provenance verified (signed")
    assert refused.startswith("provenance sha256:")
    assert "identity: signed by another identity" in refused
    assert "\n" not in refused


@needs_oidc
def test_a_job_token_for_another_audience_is_refused_by_fulcio_not_us() -> None:
    # The token GitHub gives for another audience is a real JWT: sigstore refuses it
    # before anything leaves (its audience is not sigstore), in one line.
    async def other_audience() -> str:
        return await fetch_id_token(
            os.environ[URL_VARIABLE], os.environ[TOKEN_VARIABLE], audience="not-sigstore"
        )

    token = anyio.run(other_audience)
    with pytest.raises(PipelineError, match="unusable for Sigstore") as caught:
        sign_keyless([b"{}"], token)
    assert token not in str(caught.value)


@needs_oidc
def test_deploy_staging_keyless_attaches_bundles_our_verifier_accepts(
    dagger: DaggerCall, registry: str, tmp_path: Path
) -> None:
    port = urlsplit(registry).port
    report = exported_report(
        dagger, tmp_path / "out", "call", "--subpath", SAMPLE_SUBPATH, "deploy-staging",
        "--ref", git("rev-parse", "HEAD"), "--local-registry", f"tcp://localhost:{port}",
        "--keyless", "--oidc-request-url", f"env://{URL_VARIABLE}",
        "--oidc-request-token", f"env://{TOKEN_VARIABLE}",
    )  # fmt: skip
    assert statuses(report)["attest"] == "passed", report
    digest = str(report["digest"])

    async def verified() -> dict[str, object]:
        ours = KeylessIdentity(workflow_identity(), GITHUB_ISSUER)
        async with Registry(registry) as client:
            policy = Policy(keyless=ours)
            return (await verify(client, "example/sample-service", digest, policy)).to_dict()

    verdict = anyio.run(verified)
    assert verdict["verified"] is True, verdict
