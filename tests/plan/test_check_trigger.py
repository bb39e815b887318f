"""`check-trigger` replays a saved GitHub event through the module's own rules."""

import json
from pathlib import Path

import pytest
from dagger import dag

from main._sdk import FunctionError
from main.pipeline import Pipeline
from tests.support.events import event_file
from tests.support.github_events import HEAD_SHA, SHA, dispatch, pull_request, push

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("offline_reads")]


async def test_a_labeled_pr_replays_to_a_deploy_of_its_head(
    sample_pipeline: Pipeline, tmp_path: Path
) -> None:
    decision = await sample_pipeline.check_trigger(
        "pull_request", event_file(tmp_path, pull_request())
    )
    assert decision.should_deploy
    assert decision.ref == HEAD_SHA
    assert decision.event_name == "pull_request"
    assert json.loads(decision.json()) == {
        "event_name": "pull_request",
        "should_deploy": True,
        "ref": HEAD_SHA,
        "reason": decision.reason,
        "skip_tests": False,
        "rule": "label",
    }
    assert decision.rule == "label"


async def test_the_label_comes_from_the_service_settings_unless_given(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1.0.0"\n[tool.pipeline]\nstaging-label = "ship-it"\n',
        encoding="utf-8",
    )
    pipeline = Pipeline.create(source=dag.host().directory(str(tmp_path)), subpath="svc")
    shipped = event_file(tmp_path, pull_request(label="ship-it"))
    assert (await pipeline.check_trigger("pull_request", shipped)).should_deploy
    default = event_file(tmp_path, pull_request(), "default.json")
    refused = await pipeline.check_trigger("pull_request", default)
    assert not refused.should_deploy
    assert "not 'ship-it'" in refused.reason
    assert (
        await pipeline.check_trigger("pull_request", default, label="deploy-to-staging")
    ).should_deploy


async def test_a_dispatch_passes_skip_tests_on(sample_pipeline: Pipeline, tmp_path: Path) -> None:
    payload = dispatch({"ref": "feature/x", "skip_tests": "true"})
    decision = await sample_pipeline.check_trigger(
        "workflow_dispatch", event_file(tmp_path, payload)
    )
    assert (decision.should_deploy, decision.ref, decision.skip_tests) == (True, "feature/x", True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("{oops", "--event is not JSON"), ("[]", "--event holds a JSON list"),
     (json.dumps({"action": "labeled"}), "malformed pull_request payload")],
)  # fmt: skip
async def test_a_bad_event_file_is_one_line_without_traceback(
    sample_pipeline: Pipeline, tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(FunctionError) as caught:
        await sample_pipeline.check_trigger("pull_request", event_file(tmp_path, text))
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert caught.value.__cause__ is None


async def test_a_run_held_back_names_the_rule_that_decided(
    sample_pipeline: Pipeline, tmp_path: Path
) -> None:
    decision = await sample_pipeline.check_trigger(
        "pull_request", event_file(tmp_path, pull_request(head_repo="someone/fork"))
    )
    assert not decision.should_deploy
    assert decision.rule == "fork"
    assert json.loads(decision.json())["rule"] == "fork"


async def test_the_branches_come_from_the_service_settings(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1.0.0"\n'
        '[tool.pipeline.branches]\nstaging = "dev"\nproduction = "trunk"\n',
        encoding="utf-8",
    )
    pipeline = Pipeline.create(source=dag.host().directory(str(tmp_path)), subpath="svc")
    to_dev = event_file(tmp_path, push("refs/heads/dev"), "dev.json")
    assert (await pipeline.check_trigger("push", to_dev)).ref == SHA
    to_develop = event_file(tmp_path, push("refs/heads/develop"), "develop.json")
    refused = await pipeline.check_trigger("push", to_develop)
    assert (refused.should_deploy, refused.rule) == (False, "branch")
    to_trunk = event_file(tmp_path, pull_request(base_ref="trunk"), "trunk.json")
    assert (await pipeline.check_trigger("pull_request", to_trunk)).should_deploy
