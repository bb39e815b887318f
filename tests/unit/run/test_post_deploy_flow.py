"""Post-deploy tests: the service's own tests against the live URL, after the live smoke.

With ``post-deploy-on-failure = "rollback"`` (the default) they are the deploy's
verification: a failure rolls the new image back like a failed live smoke test. With
``"warn"`` they run after a healthy deploy and only report. Against fake stages; the
container they run in is in tests/plan/test_post_deploy_plan.py.
"""

from collections.abc import Callable

import pytest

from main.core.report.markdown import render
from main.core.report.model import Report
from main.core.run import Occasion, deploy_staging
from tests.support.fake_stages import DEPLOYS, STARTED, FakeStages, row, status, target

pytestmark = pytest.mark.anyio
URL = "https://stg.example"
TESTS = 'post-deploy-test = "pytest -q tests/staging"'
SPARED = "not run: the post-deploy tests failed and the deploy was rolled back"


async def run(stages: FakeStages, *, settings: str = TESTS, load: str = "") -> Report:
    """deploy-staging with ``settings`` as lines of ``[tool.pipeline.validate]``."""
    return await deploy_staging(
        stages,
        target(deploy=True, load=load, validate=settings),
        DEPLOYS,
        Occasion(started=STARTED),
    )


async def test_without_the_setting_there_is_no_post_deploy_stage() -> None:
    stages = FakeStages()
    report = await run(stages, settings="")
    assert "post-deploy-test" not in status(report)
    assert not any(call.startswith("post-deploy") for call in stages.calls)
    assert stages.deploys[0][2] is False  # nothing to verify after the live smoke


async def test_passing_tests_run_against_the_live_url_as_the_deploys_verification() -> None:
    stages = FakeStages()
    report = await run(stages)
    assert stages.deploys[0][2] is True
    assert f"post-deploy {URL}" in stages.calls
    post = row(report, "post-deploy-test")
    assert (post.status, post.blocking) == ("passed", True)
    assert post.detail == "1 command(s)"
    assert row(report, "deploy").status == "passed"
    assert [s.name for s in report.stages][-3:] == ["deploy", "post-deploy-test", "notify"]
    assert report.ok


async def test_failing_tests_roll_the_deploy_back() -> None:
    stages = FakeStages(post_deploy_fails=True)
    report = await run(stages)
    post = row(report, "post-deploy-test")
    assert (post.status, post.blocking) == ("failed", True)
    assert post.detail == "FAILED tests/staging/test_api.py::test_key - 401"
    assert report.deploy is not None
    assert report.deploy.outcome == "rolled-back"
    assert "post-deploy tests failed: FAILED tests/staging/test_api.py" in report.deploy.error
    assert row(report, "deploy").status == "failed"
    assert not report.ok
    assert any(s.title == "post-deploy-test" and "401" in s.markdown for s in report.sections)


async def test_with_warn_failing_tests_only_warn_after_a_healthy_deploy() -> None:
    stages = FakeStages(post_deploy_fails=True)
    report = await run(stages, settings=TESTS + '\npost-deploy-on-failure = "warn"')
    assert stages.deploys[0][2] is False  # not the deploy's verification
    assert stages.calls.index(f"post-deploy {URL}") > stages.calls.index(
        next(call for call in stages.calls if call.startswith("deploy "))
    )
    post = row(report, "post-deploy-test")
    assert (post.status, post.blocking) == ("warned", False)
    assert report.deploy is not None
    assert report.deploy.outcome == "deployed"
    assert report.ok


async def test_tests_that_cannot_run_roll_back_rather_than_pass() -> None:
    stages = FakeStages(post_deploy_error="the validation image did not build")
    report = await run(stages)
    assert report.deploy is not None
    assert report.deploy.outcome == "rolled-back"
    assert "post-deploy tests could not run: the validation image did not build" in (
        report.deploy.error
    )
    assert row(report, "post-deploy-test").status == "failed"


async def test_with_warn_tests_that_cannot_run_are_a_non_blocking_failure() -> None:
    stages = FakeStages(post_deploy_error="the validation image did not build")
    report = await run(stages, settings=TESTS + '\npost-deploy-on-failure = "warn"')
    post = row(report, "post-deploy-test")
    assert (post.status, post.blocking) == ("failed", False)
    assert "could not run" in post.detail
    assert report.ok


async def test_a_failed_live_smoke_skips_the_tests() -> None:
    stages = FakeStages(deploy_outcome="rolled-back")
    report = await run(stages)
    assert not any(call.startswith("post-deploy") for call in stages.calls)
    post = row(report, "post-deploy-test")
    assert post.status == "skipped"
    assert "the deploy did not pass" in post.detail


async def test_the_tests_run_before_a_gating_load_test_and_a_failure_spares_it() -> None:
    passing = FakeStages()
    await run(passing, load="fail")
    posted = passing.calls.index(f"post-deploy {URL}")
    assert posted < passing.calls.index(f"load {URL}")

    failing = FakeStages(post_deploy_fails=True)
    report = await run(failing, load="fail")
    assert not any(call.startswith("load") for call in failing.calls)
    assert report.deploy is not None
    assert report.deploy.outcome == "rolled-back"


@pytest.mark.parametrize("on_breach", ["fail", "warn"])
@pytest.mark.parametrize(
    "stages",
    [
        pytest.param(lambda: FakeStages(post_deploy_fails=True), id="tests-fail"),
        pytest.param(lambda: FakeStages(post_deploy_error="no image"), id="tests-cannot-run"),
    ],
)
async def test_a_load_test_spared_by_failing_tests_is_a_skipped_row_saying_why(
    stages: Callable[[], FakeStages], on_breach: str
) -> None:
    fake = stages()
    report = await run(fake, load=on_breach)
    assert not any(call.startswith("load") for call in fake.calls)
    load = row(report, "load-test")
    assert (load.status, load.blocking) == ("skipped", False)
    assert load.detail == SPARED
    assert [s.name for s in report.stages][-4:] == [
        "deploy",
        "post-deploy-test",
        "load-test",
        "notify",
    ]
    assert f"- **load-test**: {SPARED}" in render(report)
