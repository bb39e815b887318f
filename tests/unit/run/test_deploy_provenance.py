"""deploy-staging checks the published digest's provenance before its deploy (verify-on-deploy).

The check itself is the shell's (tests/integration/test_deploy_verify.py runs it for
real); here the flow: it runs after the push and before anything on the host, its
refusal fails the deploy stage with nothing changed, and its line is in the report.
"""

import pytest

from main.core.attest.gate import SKIPPED
from main.core.report.model import Report
from main.core.run import Occasion, deploy_staging
from tests.support.fake_stages import DEPLOYS, DIGEST, STARTED, FakeStages, row, target

pytestmark = pytest.mark.anyio
IMAGE = f"ghcr.io/example/sample-service@{DIGEST}"


async def run(stages: FakeStages) -> Report:
    return await deploy_staging(stages, target(deploy=True), DEPLOYS, Occasion(started=STARTED))


async def test_the_digest_is_checked_before_the_host_and_the_check_is_in_the_report() -> None:
    line = "provenance verified (signed, via the fallback tag): built from X at Y by Z"
    stages = FakeStages(provenance_line=line)
    report = await run(stages)
    assert stages.calls.index(f"provenance {IMAGE}") < stages.calls.index(f"deploy {IMAGE}")
    assert line in report.notes
    assert row(report, "deploy").status == "passed"
    assert report.ok


async def test_a_refused_provenance_deploys_nothing_and_fails_the_run() -> None:
    refusal = f"deploy refused: the attestations of {IMAGE} fail signature: bad signature"
    stages = FakeStages(provenance_error=refusal)
    report = await run(stages)
    deploy = row(report, "deploy")
    assert (deploy.status, deploy.blocking) == ("failed", True)
    assert deploy.detail == f"{refusal}; nothing was changed"
    assert stages.deploys == []
    assert report.deploy is None
    assert report.failed_stage == "deploy"


async def test_skip_verify_is_said_in_the_report() -> None:
    report = await run(FakeStages(provenance_line=SKIPPED))
    assert SKIPPED in report.notes
    assert report.ok


async def test_no_check_asked_for_leaves_no_note() -> None:
    report = await run(FakeStages())
    assert report.notes == ()
    assert report.ok
