"""deploy-staging's deploy and load-test branches against fake stages.

Whether a run deploys at all, what it deploys (the digest it published), what a failed
or rolled-back deployment writes into the report, and how a load test gates or only
warns. The real host is in tests/integration/test_deploy_stage.py.
"""

import pytest

from main.core.report.model import Report
from main.core.run import Occasion, Reach, deploy_staging
from main.core.run.deploying import LOCAL_REGISTRY, NO_KEY, NOT_PUBLISHED
from tests.support.fake_stages import (
    CAN_PUSH,
    DEPLOYS,
    DIGEST,
    PREVIOUS,
    STARTED,
    FakeStages,
    row,
    status,
    target,
)

pytestmark = pytest.mark.anyio
URL = "https://stg.example"


async def run(stages: FakeStages, reach: Reach = DEPLOYS, *, load: str = "") -> Report:
    return await deploy_staging(
        stages, target(deploy=True, load=load), reach, Occasion(started=STARTED)
    )


async def test_without_a_host_there_is_no_deploy_stage() -> None:
    stages = FakeStages()
    report = await deploy_staging(stages, target(), DEPLOYS, Occasion(started=STARTED))
    assert "deploy" not in status(report)
    assert not any(call.startswith("deploy") for call in stages.calls)


async def test_the_published_digest_goes_to_the_host() -> None:
    stages = FakeStages()
    report = await run(stages)
    image = f"ghcr.io/example/sample-service@{DIGEST}"
    assert stages.deploys == [(image, "deploy-staging (develop at abc123def456)", False)]
    assert row(report, "deploy").status == "passed"
    assert report.deploy is not None
    assert (report.deploy.outcome, report.deploy.running) == ("deployed", image)
    assert stages.calls.index("push the-image staging-latest") < stages.calls.index(
        f"deploy {image}"
    )
    assert report.ok


@pytest.mark.parametrize(
    ("stages", "reach", "why"),
    [
        (FakeStages(smoke_passes=False), DEPLOYS, NOT_PUBLISHED),
        (FakeStages(), Reach(can_deploy=True), NOT_PUBLISHED),
        (FakeStages(push_errors={"staging-latest": "denied"}), DEPLOYS, NOT_PUBLISHED),
        (FakeStages(), Reach(can_push=True, local_registry=True, can_deploy=True), LOCAL_REGISTRY),
        (FakeStages(), CAN_PUSH, NO_KEY),
    ],
    ids=["smoke-failed", "no-credentials", "latest-refused", "local-registry", "no-ssh-key"],
)
async def test_a_run_that_cannot_deploy_says_why_and_never_blocks(
    stages: FakeStages, reach: Reach, why: str
) -> None:
    report = await run(stages, reach)
    deploy = row(report, "deploy")
    assert (deploy.status, deploy.blocking, deploy.detail) == ("skipped", False, why)
    assert stages.deploys == []


async def test_a_refused_deploy_changed_nothing_and_fails_the_run() -> None:
    report = await run(FakeStages(deploy_error="the host key of stg.example does not match"))
    deploy = row(report, "deploy")
    assert (deploy.status, deploy.blocking) == ("failed", True)
    assert deploy.detail == "the host key of stg.example does not match; nothing was changed"
    assert report.deploy is None
    assert report.failed_stage == "deploy"


async def test_a_rollback_fails_the_run_and_notes_where_staging_latest_went() -> None:
    moved = f"staging-latest moved to {PREVIOUS.split('@')[1]}"
    report = await run(FakeStages(deploy_outcome="rolled-back", staging_latest=moved))
    assert row(report, "deploy").status == "failed"
    assert report.deploy is not None
    assert (report.deploy.outcome, report.deploy.running) == ("rolled-back", PREVIOUS)
    assert report.notes == (moved,)
    assert report.failed_stage == "deploy"


async def test_a_gating_load_test_verifies_the_deploy_and_its_breach_rolls_back() -> None:
    stages = FakeStages(load_breach="health p95 812 ms > 500 ms")
    report = await run(stages, load="fail")
    assert stages.deploys[0][2], "on-breach = fail: the load test is the deploy's verify"
    deploy, load = row(report, "deploy"), row(report, "load-test")
    assert deploy.status == "failed"
    assert report.deploy is not None
    assert report.deploy.outcome == "rolled-back"
    assert report.deploy.error.startswith("load test: load test failed: health p95")
    assert (load.status, load.blocking) == ("failed", True)
    assert report.sections[0].title == "load-test"
    assert "### Load test" in report.sections[0].markdown


async def test_a_passing_gated_load_test_is_reported_once() -> None:
    stages = FakeStages()
    report = await run(stages, load="fail")
    assert [c for c in stages.calls if c.startswith("load")] == [f"load {URL}"]
    assert (row(report, "load-test").status, row(report, "load-test").blocking) == ("passed", True)
    assert report.ok


async def test_a_warning_load_test_runs_after_a_healthy_deploy_and_only_warns() -> None:
    stages = FakeStages(load_breach="health p95 812 ms > 500 ms")
    report = await run(stages, load="warn")
    assert not stages.deploys[0][2], "on-breach = warn: the deploy does not wait for it"
    assert stages.calls.index(f"load {URL}") > stages.calls.index(
        f"deploy ghcr.io/example/sample-service@{DIGEST}"
    )
    load = row(report, "load-test")
    assert (load.status, load.blocking) == ("warned", False)
    assert report.ok


async def test_a_warning_load_test_that_cannot_run_is_reported_never_fatal() -> None:
    report = await run(FakeStages(load_error="the generator printed nothing"), load="warn")
    load = row(report, "load-test")
    assert (load.status, load.blocking) == ("failed", False)
    assert load.detail == "load test could not run: the generator printed nothing"
    assert report.ok


async def test_a_gating_load_test_that_cannot_run_rolls_back_and_says_so_in_its_row() -> None:
    report = await run(FakeStages(load_error="the generator printed nothing"), load="fail")
    assert report.deploy is not None
    assert report.deploy.outcome == "rolled-back"
    load = row(report, "load-test")
    assert (load.status, load.blocking) == ("failed", True)
    assert load.detail == "load test could not run: the generator printed nothing"


@pytest.mark.parametrize("on_breach", ["warn", "fail"])
async def test_no_load_test_after_a_failed_warn_deploy(on_breach: str) -> None:
    # The live smoke test rolled the deploy back before any load test: the load test
    # did not run, and its row says why, as the post-deploy tests' row does.
    stages = FakeStages(deploy_outcome="rolled-back")
    report = await run(stages, load=on_breach)
    assert not any(call.startswith("load") for call in stages.calls)
    load = row(report, "load-test")
    assert (load.status, load.blocking) == ("skipped", False)
    assert load.detail == "not run: the deploy did not pass"
    names = [stage.name for stage in report.stages]
    assert names.index("load-test") == names.index("deploy") + 1
    assert report.sections == (), "no load-test section for a load test that never ran"
    assert report.failed_stage == "deploy", "the deploy is what failed, not the load test"
