"""ci publishing a release/** branch never moves latest or an alias back to an older release."""

import pytest

from main.core.run import Occasion, ci
from tests.support.constants import SHA
from tests.support.fake_stages import CAN_PUSH, FakeStages, row
from tests.unit.run.test_ci_flow import RELEASE, run_ci, with_settings

pytestmark = pytest.mark.anyio
REPOSITORY = "ghcr.io/example/sample-service"


async def test_an_older_release_keeps_latest_on_the_newest() -> None:
    stages = FakeStages(in_registry=["latest", "0.2.0", "0.1.0", SHA, "staging-latest"])
    report = await run_ci(stages)
    assert stages.pushed == [["0.1.0", SHA]]
    assert report.ok
    assert report.publication is not None
    assert report.publication.not_pushed == (f"{REPOSITORY}:latest",)
    assert report.publication.reason == "latest stays on 0.2.0: 0.1.0 is older"
    assert "latest stays on 0.2.0: 0.1.0 is older" in row(report, "publish").detail


async def test_a_hotfix_moves_only_the_aliases_it_is_newest_of() -> None:
    stages = FakeStages(in_registry=["0.2.0", "0.1.7", "0.1", "latest"])
    report = await ci(stages, with_settings(RELEASE, tag_aliases=True), CAN_PUSH, Occasion())
    assert stages.pushed == [["0.1.0", SHA]]
    assert report.publication is not None
    assert report.publication.not_pushed == (f"{REPOSITORY}:latest", f"{REPOSITORY}:0.1")
    assert report.publication.reason == (
        "latest stays on 0.2.0: 0.1.0 is older; 0.1 stays on 0.1.7: 0.1.0 is older"
    )


async def test_the_newest_release_and_a_re_release_move_everything() -> None:
    for existing in (["0.0.9", "latest"], ["0.1.0", "latest"], []):
        stages = FakeStages(in_registry=existing)
        await run_ci(stages)
        assert stages.pushed == [["latest", "0.1.0", SHA]], existing


async def test_an_unreadable_tag_list_pushes_nothing() -> None:
    stages = FakeStages(in_registry_error="registry answered 500")
    report = await run_ci(stages)
    assert stages.pushed == []
    assert not report.ok
    publish = row(report, "publish")
    assert publish.status == "failed"
    assert "could not read the repository's tags" in publish.detail
    assert "registry answered 500" in publish.detail


async def test_the_tag_list_is_read_once_and_only_when_publishing() -> None:
    stages = FakeStages()
    await run_ci(stages)
    assert stages.calls.count("repository tags") == 1
    other = FakeStages()
    await run_ci(other, ref="refs/heads/feature/x")
    assert "repository tags" not in other.calls
