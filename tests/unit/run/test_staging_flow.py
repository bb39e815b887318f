"""deploy-staging's decisions, run against fake stages: order, publishing, holding back.

Every branch of the staging flow up to publishing: what runs side by side, what a
failure skips, what is pushed, what is held back and why, and what the report says.
The deploy and load-test branches are in test_deploy_decisions.py.
"""

import pytest

from main.core.errors import PipelineError
from main.core.report.model import Report
from main.core.run import Occasion, Reach, deploy_staging
from main.core.run.sections import SKIP_TESTS_REASON
from tests.support.fake_stages import (
    CAN_PUSH,
    DIGEST,
    IMAGE,
    STARTED,
    TIMESTAMPED,
    FakeStages,
    row,
    status,
    target,
)

pytestmark = pytest.mark.anyio
NOW = Occasion(started=STARTED)
REPO = "ghcr.io/example/sample-service"


async def staging(stages: FakeStages, reach: Reach = CAN_PUSH, **occasion: bool) -> Report:
    skip = occasion.get("skip_tests", False)
    return await deploy_staging(stages, target(), reach, Occasion(started=STARTED, skip_tests=skip))


async def test_a_clean_run_publishes_the_timestamped_tag_then_staging_latest() -> None:
    stages = FakeStages(
        together=frozenset({"validate", "build", "scan", "smoke"})
    )  # validate/build and scan/smoke meet: side by side
    report = await staging(stages)
    assert stages.calls[-3:] == [
        f"push {IMAGE} {TIMESTAMPED}",
        f"push {IMAGE} staging-latest",
        "notify deploy-staging",
    ]
    assert stages.pushed == [[TIMESTAMPED], ["staging-latest"]]
    assert report.ok
    assert [s.name for s in report.stages] == [
        "lint", "typecheck", "test", "lint-containerfile", "build",
        "scan", "smoke-test", "publish", "staging-latest", "attest", "notify",
    ]  # fmt: skip
    assert report.digest == DIGEST
    assert report.publication is not None
    assert report.publication.pushed == (
        f"{REPO}:{TIMESTAMPED}@{DIGEST}",
        f"{REPO}:staging-latest@{DIGEST}",
    )
    assert report.tags == (TIMESTAMPED, "staging-latest")
    assert row(report, "build").detail == "Containerfile"
    assert report.smoke is not None
    assert report.smoke.startup_seconds == 1.5


async def test_the_image_checks_run_only_after_the_build() -> None:
    stages = FakeStages()
    await staging(stages)
    assert stages.calls.index("build") < stages.calls.index(f"scan warn {IMAGE}")
    assert stages.calls.index("build") < stages.calls.index(f"smoke {IMAGE}")


async def test_a_failed_smoke_test_publishes_no_staging_tag() -> None:
    # Every staging-v... tag is a deployment that passed: rollback can never pick a broken one.
    stages = FakeStages(smoke_passes=False)
    report = await staging(stages)
    assert stages.pushed == []
    assert status(report)["publish"] == status(report)["staging-latest"] == "skipped"
    assert report.failed_stage == "smoke-test"
    assert report.failure_message.startswith("deploy-staging failed at smoke-test")
    assert row(report, "smoke-test").detail == "failed: health"
    assert report.publication is not None
    assert report.publication.not_pushed == (f"{REPO}:{TIMESTAMPED}", f"{REPO}:staging-latest")
    assert report.publication.reason.startswith("smoke tests failed")
    assert report.smoke is not None
    assert report.smoke.checks[0].error == "/health answered 500"


async def test_a_smoke_test_that_cannot_run_is_a_failed_stage_and_holds_back() -> None:
    stages = FakeStages(smoke_error="the engine lost the service\nsecond line")
    report = await staging(stages)
    assert row(report, "smoke-test").detail == "the engine lost the service"
    assert report.smoke is None
    assert stages.pushed == []


async def test_findings_warn_in_staging_and_never_block() -> None:
    report = await staging(FakeStages(findings=3))
    assert (row(report, "scan").status, row(report, "scan").blocking) == ("warned", False)
    assert report.ok
    assert report.scan is not None
    assert not report.scan.blocked


async def test_a_scanner_crash_in_staging_fails_its_row_without_blocking() -> None:
    stages = FakeStages(scan_error="trivy: the DB could not be downloaded")
    report = await staging(stages)
    scan = row(report, "scan")
    assert (scan.status, scan.blocking) == ("failed", False)
    assert report.ok
    assert stages.pushed == [[TIMESTAMPED], ["staging-latest"]]


async def test_failed_validation_publishes_nothing() -> None:
    report = await staging(FakeStages(failing_checks={"lint"}))
    assert status(report)["publish"] == "skipped"
    assert report.failed_stage == "lint"
    assert row(report, "lint").detail == "E501 line too long"
    assert report.publication is not None
    assert report.publication.reason == "lint failed"


async def test_a_failed_build_skips_the_image_stages() -> None:
    stages = FakeStages(build_error="no Containerfile at 'Containerfile' in the service folder")
    report = await staging(stages)
    assert not any(call.startswith(("scan", "smoke", "push")) for call in stages.calls)
    assert (row(report, "scan").status, row(report, "scan").blocking) == ("skipped", False)
    assert status(report)["smoke-test"] == "skipped"
    assert report.failed_stage == "build"
    assert row(report, "build").detail.startswith("no Containerfile")


async def test_without_credentials_everything_but_the_push_runs() -> None:
    stages = FakeStages()
    report = await staging(stages, Reach())
    assert f"smoke {IMAGE}" in stages.calls
    assert stages.pushed == []
    assert report.ok
    assert report.publication is not None
    assert report.publication.not_pushed == (f"{REPO}:{TIMESTAMPED}", f"{REPO}:staging-latest")
    assert "--registry-token" in report.publication.reason


async def test_a_refused_timestamped_push_holds_staging_latest_back() -> None:
    stages = FakeStages(push_errors={TIMESTAMPED: "denied: permission_denied: write_package"})
    report = await staging(stages)
    assert row(report, "publish").status == "failed"
    detail = row(report, "publish").detail
    assert detail.startswith("denied: permission_denied: write_package; ")
    assert "packages: write" in detail, "the seed's troubleshooting: what to check"
    assert row(report, "staging-latest").status == "skipped"
    assert stages.pushed == []
    assert report.publication is not None
    assert report.publication.not_pushed == (f"{REPO}:staging-latest",)
    assert report.digest == ""
    assert report.failed_stage == "publish"


async def test_a_refused_staging_latest_keeps_the_timestamped_tag() -> None:
    stages = FakeStages(push_errors={"staging-latest": "manifest invalid"})
    report = await staging(stages)
    assert row(report, "staging-latest").status == "failed"
    assert report.publication is not None
    assert report.publication.pushed == (f"{REPO}:{TIMESTAMPED}@{DIGEST}",)
    assert report.digest == DIGEST
    assert report.failed_stage == "staging-latest"


async def test_skipped_tests_are_said_in_the_report() -> None:
    report = await staging(FakeStages(), skip_tests=True)
    assert (row(report, "test").status, row(report, "test").detail) == (
        "skipped",
        SKIP_TESTS_REASON,
    )
    assert ("test", SKIP_TESTS_REASON) in report.skipped


async def test_the_staging_tag_is_the_deployment_time_not_the_commit_time() -> None:
    later = await deploy_staging(
        FakeStages(), target(), CAN_PUSH, Occasion(started=STARTED.replace(hour=9))
    )
    assert later.tags[0] == "staging-v0.1.0-20260102-090405-abc123d"  # one tag per deployment


async def test_a_notification_that_fails_never_fails_the_run() -> None:
    report = await staging(FakeStages(notify_error="slack answered 404\nbody"))
    notify = row(report, "notify")
    assert (notify.status, notify.blocking, notify.detail) == (
        "failed",
        False,
        "slack answered 404",
    )
    assert report.ok


async def test_the_occasion_is_written_into_the_report() -> None:
    occasion = Occasion(started=STARTED, trigger="push: develop", reproduce="dagger call ...")
    report = await deploy_staging(FakeStages(), target(), CAN_PUSH, occasion)
    assert (report.trigger, report.reproduce) == ("push: develop", "dagger call ...")


async def test_a_version_without_a_tag_form_stops_before_any_stage() -> None:
    stages = FakeStages()
    bad = target()
    epoch = type(bad)(
        service=type(bad.service)(bad.service.name, "1!2.0", bad.service.config),
        ref=bad.ref,
        revision=bad.revision,
        repository=bad.repository,
    )
    with pytest.raises(PipelineError, match="epoch"):
        await deploy_staging(stages, epoch, CAN_PUSH, NOW)
    assert stages.calls == []


SCANNING = Reach(can_push=True, code_scanning=True)


async def test_staging_uploads_its_scan_to_code_scanning_without_blocking() -> None:
    stages = FakeStages()
    report = await staging(stages, SCANNING)
    assert f"upload scan-of-{IMAGE}" in stages.calls
    upload = row(report, "code-scanning")
    assert (upload.status, upload.blocking) == ("passed", False)
    assert report.ok


async def test_a_refused_staging_upload_never_holds_back_the_tags() -> None:
    stages = FakeStages(upload_error="GitHub refused the SARIF upload (403)")
    report = await staging(stages, SCANNING)
    assert (row(report, "code-scanning").status, report.ok) == ("failed", True)
    assert any(call.startswith("push") and "staging-latest" in call for call in stages.calls)


async def test_staging_without_code_scanning_has_no_upload_row() -> None:
    report = await staging(FakeStages())
    assert "code-scanning" not in status(report)


async def test_the_actor_of_the_occasion_is_in_the_report() -> None:
    occasion = Occasion(started=STARTED, actor="octocat")
    report = await deploy_staging(FakeStages(), target(), CAN_PUSH, occasion)
    assert report.actor == "octocat"
