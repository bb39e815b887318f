"""ci's decisions against fake stages: the full suite, a blocking scan, release-only pushes."""

from dataclasses import replace

import pytest

from main.core.branch_settings import BranchSettings
from main.core.report.model import Report
from main.core.run import Occasion, Reach, Target, ci, deploy_staging
from tests.support.constants import SHA
from tests.support.fake_stages import (
    CAN_PUSH,
    DIGEST,
    IMAGE,
    STARTED,
    FakeStages,
    row,
    status,
    target,
)

pytestmark = pytest.mark.anyio
RELEASE = "refs/heads/release/1.0"
SCANNING = Reach(can_push=True, code_scanning=True)


async def run_ci(stages: FakeStages, ref: str = RELEASE, reach: Reach = CAN_PUSH) -> Report:
    return await ci(stages, target(ref), reach, Occasion(reproduce="dagger call ci --ref x"))


async def test_a_release_branch_publishes_latest_version_and_sha_at_once() -> None:
    stages = FakeStages(together=frozenset({"validate", "build"}))
    report = await run_ci(stages)
    assert stages.pushed == [["latest", "0.1.0", SHA]]
    assert report.ok
    assert report.digest == DIGEST
    assert not any(call.startswith("smoke") for call in stages.calls)
    assert f"scan block {IMAGE}" in stages.calls
    assert [s.name for s in report.stages] == [
        "lint", "typecheck", "test", "lint-containerfile", "build", "scan", "publish", "attest",
        "notify",
    ]  # fmt: skip


async def test_other_branches_build_and_check_without_pushing() -> None:
    stages = FakeStages()
    report = await run_ci(stages, "feature/login")
    assert stages.pushed == []
    assert row(report, "publish").status == "skipped"
    assert row(report, "publish").detail.startswith("only release/** branches publish")
    assert report.ok


async def test_findings_block_the_scan_and_the_push() -> None:
    stages = FakeStages(findings=2)
    report = await run_ci(stages)
    assert (row(report, "scan").status, row(report, "scan").blocking) == ("failed", True)
    assert report.failed_stage == "scan"
    assert report.scan is not None
    assert report.scan.blocked
    assert stages.pushed == []


async def test_a_scanner_crash_blocks_in_ci() -> None:
    report = await run_ci(FakeStages(scan_error="trivy exited 2"))
    assert (row(report, "scan").status, row(report, "scan").blocking) == ("failed", True)
    assert report.scan is None
    assert status(report)["publish"] == "skipped"


async def test_a_failed_build_skips_a_blocking_scan() -> None:
    report = await run_ci(FakeStages(build_error="exit code 1"))
    assert (row(report, "scan").status, row(report, "scan").blocking) == ("skipped", True)
    assert report.failed_stage == "build"


async def test_without_credentials_a_release_holds_its_tags_back() -> None:
    stages = FakeStages()
    report = await run_ci(stages, reach=Reach())
    assert stages.pushed == []
    assert report.publication is not None
    assert "--registry-token" in report.publication.reason
    assert len(report.publication.not_pushed) == 3


async def test_ci_runs_the_full_suite_and_staging_the_fast_subset() -> None:
    stages = FakeStages()
    await deploy_staging(stages, target(), Reach(), Occasion(started=STARTED))
    await run_ci(stages, "feature/x")
    staging_tests, ci_tests = stages.test_commands
    assert staging_tests == target().service.config.validation.test  # the fast subset: not slow
    assert ci_tests == target().service.config.validation.ci_test
    assert staging_tests != ci_tests


async def test_the_scan_goes_to_code_scanning_without_blocking() -> None:
    stages = FakeStages()
    report = await run_ci(stages, "feature/x", SCANNING)
    assert f"upload scan-of-{IMAGE}" in stages.calls
    upload = row(report, "code-scanning")
    assert (upload.status, upload.blocking, upload.detail) == (
        "passed",
        False,
        "SARIF upload upload-7",
    )


async def test_a_refused_upload_never_fails_the_run() -> None:
    report = await run_ci(
        FakeStages(upload_error="GitHub refused the SARIF upload (403)"), reach=SCANNING
    )
    upload = row(report, "code-scanning")
    assert (upload.status, upload.blocking) == ("failed", False)
    assert report.ok, "the Security tab is a view: its upload never fails the run"


async def test_no_scan_means_nothing_to_upload() -> None:
    stages = FakeStages(scan_error="trivy exited 2")
    report = await run_ci(stages, reach=SCANNING)
    assert row(report, "code-scanning").detail == "no scan result to upload"
    assert not any(call.startswith("upload") for call in stages.calls)


async def test_without_code_scanning_there_is_no_upload_row() -> None:
    report = await run_ci(FakeStages())
    assert "code-scanning" not in status(report)


def with_settings(ref: str, **settings: object) -> Target:
    """The sample service with ``settings`` changed as [tool.pipeline] would change them."""
    base = target(ref)
    config = base.service.config.model_copy(update=settings)
    return replace(base, service=replace(base.service, config=config))


async def test_tag_aliases_add_the_minor_alias_to_a_release() -> None:
    stages = FakeStages()
    await ci(stages, with_settings(RELEASE, tag_aliases=True), CAN_PUSH, Occasion())
    assert stages.pushed == [["latest", "0.1.0", SHA, "0.1"]], "0.x gets 0.x only"


async def test_the_configured_release_pattern_decides_what_publishes() -> None:
    branches = BranchSettings(release="rel/*", ci=["rel/*"])
    stages = FakeStages()
    await ci(stages, with_settings("refs/heads/rel/2", branches=branches), CAN_PUSH, Occasion())
    assert stages.pushed == [["latest", "0.1.0", SHA]]
    held = FakeStages()
    report = await ci(held, with_settings(RELEASE, branches=branches), CAN_PUSH, Occasion())
    assert held.pushed == []
    assert "only rel/* branches publish" in row(report, "publish").detail
