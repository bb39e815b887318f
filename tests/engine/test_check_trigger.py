"""`dagger call check-trigger` replays a saved GitHub event, where an engine exists."""

import json
from pathlib import Path

from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import DaggerCall
from tests.support.github_events import HEAD_SHA, pull_request


def test_a_saved_pull_request_event_replays(dagger: DaggerCall, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(pull_request()), encoding="utf-8")
    result = dagger(
        "call", "--subpath", SAMPLE_SUBPATH, "check-trigger",
        "--event-name", "pull_request", "--event", str(event), "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["should_deploy"] is True
    assert decision["ref"] == HEAD_SHA


def test_a_fork_pull_request_does_not_deploy(dagger: DaggerCall, tmp_path: Path) -> None:
    event = tmp_path / "fork.json"
    event.write_text(json.dumps(pull_request(head_repo="mallory/fork")), encoding="utf-8")
    result = dagger(
        "call", "--subpath", SAMPLE_SUBPATH, "check-trigger",
        "--event-name", "pull_request", "--event", str(event), "reason",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "forks never deploy" in result.stdout
