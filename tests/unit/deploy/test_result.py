"""The deploy result: a line that says what runs now, JSON that keeps no secret."""

import json

import pytest

from main.core.deploy.errors import DeployError
from main.core.deploy.orchestrate import Release
from main.core.deploy.result import DeployReport, Step
from main.core.deploy.ssh import SshEndpoint, known_hosts_text
from main.core.errors import PipelineError
from main.core.smoke.result import CheckResult, SmokeReport

NEW = "127.0.0.1:5000/app@sha256:" + "b" * 64
OLD = "127.0.0.1:5000/app@sha256:" + "a" * 64


def result(**changes: object) -> DeployReport:
    base: dict[str, object] = {
        "outcome": "deployed",
        "target": "root@127.0.0.1:2222, compose project app",
        "url": "http://127.0.0.1:8080",
        "image": NEW,
        "previous": OLD,
        "running": NEW,
    }
    return DeployReport(**{**base, **changes})  # type: ignore[arg-type]


def test_summaries_say_what_runs_now() -> None:
    assert result().summary() == f"deploy PASSED: {NEW} is live at http://127.0.0.1:8080"
    back = result(outcome="rolled-back", running=OLD, error="live smoke test FAILED: health")
    assert back.summary() == (
        f"deploy FAILED and rolled back: live smoke test FAILED: health; {OLD} is running again"
    )
    down = result(outcome="failed", running=None, error="the container exited with code 1")
    assert down.summary().endswith("nothing of this service is running")
    refused = result(outcome="failed", running=None, error="cannot reach", host_changed=False)
    assert refused.summary() == "deploy FAILED: cannot reach; nothing on the target was changed"
    assert result(rollback=True).summary().startswith("rollback PASSED")


def test_json_shape_and_step_totals() -> None:
    steps = (Step("pull", 0.5, ok=True), Step("up", 1.25, ok=True), Step("pull", 0.25, ok=True))
    data = json.loads(result(steps=steps).to_json())
    assert data["passed"] is True
    assert data["rolled_back"] is False
    assert data["steps"][1] == {"name": "up", "seconds": 1.25, "ok": True, "detail": ""}
    assert result(steps=steps).seconds("pull") == 0.75


def test_credentials_in_an_error_never_reach_the_json() -> None:
    leaked = result(outcome="failed", error="pull https://user:s3cr3tpass@ghcr.io/v2/ failed")
    assert "s3cr3tpass" not in leaked.to_json()


@pytest.mark.parametrize(
    "image",
    [
        "127.0.0.1:5000/app:staging-latest",
        "127.0.0.1:5000/app@sha256:abc",
        "app@sha256:" + "A" * 64,
        NEW + " ; reboot",
        "",
    ],
)
def test_only_a_digest_reference_is_deployed(image: str) -> None:
    with pytest.raises(DeployError, match="needs an image by digest"):
        Release(image)


def test_a_bare_host_key_is_pinned_to_the_host_and_port() -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"
    on_22 = SshEndpoint("stg", "deploy", 22, f"{key}\n# comment\n")
    assert known_hosts_text(on_22) == f"stg {key}\n"
    on_2222 = SshEndpoint("127.0.0.1", "deploy", 2222, f"[other]:22 {key}\n{key}")
    assert known_hosts_text(on_2222) == f"[other]:22 {key}\n[127.0.0.1]:2222 {key}\n"


def test_the_private_key_is_not_in_repr() -> None:
    endpoint = SshEndpoint(
        "stg", "deploy", 22, "k", private_key="-----BEGIN OPENSSH PRIVATE KEY-----"
    )
    assert "PRIVATE" not in repr(endpoint)
    assert str(endpoint) == "deploy@stg:22"


def test_a_lost_host_is_never_reported_as_running_nothing() -> None:
    lost = result(
        outcome="failed", running=None, error="lost the SSH connection", running_unknown=True
    )
    assert "nothing of this service is running" not in lost.summary()
    assert "what runs on the target now is unknown" in lost.summary()
    assert DeployReport.from_json(lost.to_json()).running_unknown is True


def test_the_json_reads_back_with_its_smoke_reports() -> None:
    checks = (CheckResult("health", "failed", latency_ms=2.0, error="got 404", http_status=404),)
    smoke = SmokeReport(target="http://127.0.0.1:8080", checks=checks, health="GET /health")
    back = result(outcome="rolled-back", running=OLD, smoke=smoke, error="live smoke")
    again = DeployReport.from_json(back.to_json())
    assert again.smoke == smoke
    assert again.rollback_smoke is None
    assert again.summary() == back.summary()
    broken = {**json.loads(back.to_json()), "smoke": ["not", "a", "report"]}
    with pytest.raises(PipelineError, match=r"^not a deploy result: a smoke report must be"):
        DeployReport.from_json(json.dumps(broken))


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # deeper than the parser's recursion limit
        '{"a": 1' + "0" * 5000 + "}",  # more digits than int() converts
        b'{"a":"\xff"}',  # not UTF-8
        b"\xff\xfe{",
        "[1, 2]",
        '"outcome"',
        "null",
    ],
    ids=["nested", "long-number", "not-utf8", "bom-garbage", "a-list", "a-string", "null"],
)
def test_a_hostile_result_file_is_one_line_not_a_deploy_result(text: str | bytes) -> None:
    with pytest.raises(PipelineError) as caught:
        DeployReport.from_json(text)
    message = str(caught.value)
    assert message.startswith("not a deploy result: "), message
    assert "\n" not in message
    assert len(message) < 300, "a bounded line, whatever the file held"


@pytest.mark.parametrize(
    "change",
    [
        {"smoke": {"checks": [5]}},
        {"smoke": {"checks": [{"name": "x" * 10_000, "outcome": "\nmaybe"}]}},
        {"steps": [["connect", 1.0, True]]},
        {"steps": 5},
        {"notes": 7},
        {"duration_seconds": "soon"},
        {"steps": [{"name": "up", "seconds": None, "ok": True}]},
        {"outcome": "maybe"},
        {"notes": "a string reads as its characters"},
        {"target": ["a", "list"]},
        {"url": {"an": "object"}},
        {"image": None},
        {"previous": ["sha256:x"]},
    ],
    ids=[
        "check-not-an-object",
        "check-bad-outcome",
        "step-not-an-object",
        "steps-a-number",
        "notes-a-number",
        "duration-a-word",
        "step-seconds-null",
        "outcome-unknown",
        "notes-a-string",
        "target-a-list",
        "url-an-object",
        "image-null",
        "previous-a-list",
    ],
)
def test_a_result_with_wrong_shapes_is_one_line_not_a_deploy_result(
    change: dict[str, object],
) -> None:
    text = json.dumps({**json.loads(result().to_json()), **change})
    with pytest.raises(PipelineError) as caught:
        DeployReport.from_json(text)
    message = str(caught.value)
    assert message.startswith("not a deploy result: "), message
    assert "\n" not in message
    assert len(message) < 300
