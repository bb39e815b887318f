"""Notifications against a real HTTP receiver on 127.0.0.1 that records every request."""

import json
import time
from collections.abc import Iterator

import pytest

from main.core.report.model import Publication, StageResult
from main.core.report.notify import KINDS, NotifyResult, build_payload, send
from tests.support.hostile_server import hostile
from tests.support.processes import free_port
from tests.support.reports import failing_report, passing_report
from tests.support.webhook_receiver import Answer, Receiver, receiving
from tests.support.webhook_shapes import CHECKS, SUCCESS

pytestmark = pytest.mark.anyio
RUN = "https://github.com/acme/mcp-server/actions/runs/42"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("build", [passing_report, failing_report], ids=["passed", "failed"])
async def test_each_service_gets_its_documented_payload(
    receiver: Receiver, kind: str, build: object
) -> None:
    assert callable(build)
    report = build()
    status, body = SUCCESS[kind]
    receiver.answer = Answer(status=status, body=body)
    result = await send(kind, f"{receiver.url}/hook/{kind}", report, link=RUN)
    assert result == NotifyResult(
        kind, delivered=True, status_code=status, duration_seconds=result.duration_seconds
    )
    [request] = receiver.requests
    assert request.method == "POST"
    assert request.path == f"/hook/{kind}"
    assert request.headers["content-type"] == "application/json"
    payload = request.json()
    CHECKS[kind](payload)
    assert payload == build_payload(kind, report, link=RUN)
    text = json.dumps(payload, ensure_ascii=False)
    assert report.service in text
    if report.ok:
        assert "passed" in text
    else:
        assert "deploy-staging failed at smoke-test: /health answered 500" in text


async def test_slack_carries_a_fallback_text_and_a_link(receiver: Receiver) -> None:
    await send("slack", receiver.url, failing_report(), link=RUN)
    payload = receiver.requests[0].json()
    assert payload["text"].startswith("❌ deploy-staging failed at smoke-test")
    assert payload["blocks"][-1]["elements"][0]["text"] == f"<{RUN}|View the run>"


async def test_discord_mentions_nobody_and_colours_the_verdict(receiver: Receiver) -> None:
    receiver.answer = Answer(status=204, body=b"")
    await send("discord", receiver.url, failing_report())
    await send("discord", receiver.url, passing_report())
    failed, passed = (r.json() for r in receiver.requests)
    assert failed["allowed_mentions"] == {"parse": []}
    assert failed["embeds"][0]["color"] != passed["embeds"][0]["color"]
    assert "url" not in failed["embeds"][0], "no link given, none sent"


async def test_teams_card_states_the_verdict(receiver: Receiver) -> None:
    receiver.answer = Answer(status=202, body=b"")
    await send("teams", receiver.url, failing_report(), link=RUN)
    card = receiver.requests[0].json()["attachments"][0]["content"]
    assert card["body"][0]["color"] == "Attention"
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert facts["Ref"] == "develop"
    assert facts["Smoke tests"].startswith("1/2 passed")
    assert card["actions"][0]["url"] == RUN


@pytest.mark.parametrize("kind", KINDS)
async def test_huge_reports_still_fit_the_documented_limits(receiver: Receiver, kind: str) -> None:
    report = failing_report()
    for i in range(60):
        report = report.with_stage(StageResult(f"stage-{i}", "failed", 1.0, "y" * 3000))
    refs = tuple(f"ghcr.io/acme/app:staging-v1.0.0-{i:04d}@sha256:{'a' * 64}" for i in range(300))
    report = report.with_values(
        tags=tuple(f"t{i}" for i in range(500)),
        publication=Publication(pushed=refs, not_pushed=refs, reason="r" * 3000),
    )
    await send(kind, receiver.url, report)
    CHECKS[kind](receiver.requests[0].json())
    assert len(receiver.requests[0].body) < 28 * 1024, "Teams' message limit, the smallest"


async def test_a_500_is_reported_with_the_answer_not_raised(receiver: Receiver) -> None:
    receiver.answer = Answer(status=500, body=b"internal error\nretry later")
    result = await send("slack", f"{receiver.url}/services/T0/B0/secret-part", passing_report())
    assert not result.delivered
    assert result.status_code == 500
    assert result.error == "webhook answered 500: internal error retry later"
    assert "secret-part" not in result.error
    stage = result.stage()
    assert (stage.name, stage.status, stage.blocking) == ("notify", "failed", False)
    assert passing_report().with_stage(stage).ok, "a failed notification never fails the run"


async def test_slack_rejecting_the_payload_is_reported(receiver: Receiver) -> None:
    receiver.answer = Answer(status=400, body=b"invalid_payload")
    result = await send("slack", receiver.url, passing_report())
    assert result.error == "webhook answered 400: invalid_payload"


async def test_a_refused_connection_is_reported_not_raised() -> None:
    url = f"http://127.0.0.1:{free_port()}/hook/secret-token"
    result = await send("discord", url, passing_report(), wait_seconds=2)
    assert not result.delivered
    assert result.status_code is None
    assert result.error == "could not connect to the webhook host (refused or unreachable)"


async def test_a_slow_webhook_times_out_once_without_retrying(receiver: Receiver) -> None:
    receiver.answer = Answer(delay=5.0)
    result = await send("teams", receiver.url, passing_report(), wait_seconds=0.3)
    assert not result.delivered
    assert result.error == "webhook did not answer within 0.3 s"
    assert result.duration_seconds < 3
    assert len(receiver.requests) == 1, "one attempt, no retry storm"


@pytest.mark.parametrize(
    ("kind", "url", "expected"),
    [("pager", "https://x", "unknown notification kind 'pager'"),
     ("slack", "ftp://hooks.example/x", "must start with https://"),
     ("slack", "http://[::1", "webhook request failed")],
)  # fmt: skip
async def test_bad_settings_are_reported_not_raised(kind: str, url: str, expected: str) -> None:
    result = await send(kind, url, passing_report(), wait_seconds=1)
    assert not result.delivered
    assert expected in result.error
    assert url not in result.error or url == "https://x"


async def test_the_webhook_url_never_appears_in_an_error(receiver: Receiver) -> None:
    receiver.answer = Answer(status=403, body=f"bad token for {receiver.url}/abc".encode())
    url = f"{receiver.url}/abc"
    result = await send("slack", url, passing_report())
    assert url not in result.error
    assert "***" in result.error


async def test_a_trickling_webhook_is_cut_at_its_deadline() -> None:
    with hostile() as (base, _):
        started = time.monotonic()
        result = await send("slack", f"{base}/trickle", failing_report(), wait_seconds=1.0)
        took = time.monotonic() - started
    assert not result.delivered
    assert "did not answer within 1 s" in result.error
    assert took < 3.0  # one deadline for the whole exchange, not one per byte


async def test_a_host_that_does_not_encode_is_a_recorded_failure() -> None:
    # Fails while the URL is parsed: no lookup, no traffic leaves the machine.
    result = await send("discord", "https://xn--.example/api/webhooks/1/x", failing_report())
    assert not result.delivered
    assert "webhook request failed" in result.error
    assert result.stage().status == "failed"
    assert not result.stage().blocking
