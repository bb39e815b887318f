import json

import pytest

from main.core.errors import PipelineError
from main.core.mcp.client import sse_messages
from main.core.smoke.markdown import render_markdown
from main.core.smoke.result import (
    EXCERPT_LIMIT,
    SmokeReport,
    excerpt,
    failed,
    passed,
    skipped,
)

PASSING = SmokeReport(
    target="http://app:8000",
    checks=(passed("ready", 12.5, "answered after 0.013 s"), passed("health", 1.2)),
    startup_seconds=0.012,
    duration_seconds=0.05,
    timeout_seconds=30.0,
    server={"name": "svc", "version": "1.0", "protocol_version": "2025-11-25"},
    tools=("add",),
)
FAILING = SmokeReport(
    target="http://app:8000",
    checks=(
        passed("ready", 3.0),
        failed(
            "health",
            2.0,
            "expected HTTP 200 from /health, got 500",
            http_status=500,
            body="db | down\n",
        ),
        skipped("mcp.tools_list", "mcp.initialize failed"),
    ),
    duration_seconds=0.01,
    logs="line 1\nTraceback: boom\n",
)


def test_a_report_reads_back_from_its_json() -> None:
    for report in (PASSING, FAILING):
        assert SmokeReport.from_json(report.to_json()) == report


def test_json_names_the_verdict_and_failed_checks() -> None:
    data = json.loads(FAILING.to_json())
    assert data["passed"] is False
    assert data["failed_checks"] == ["health"]
    assert data["checks"][1] == {
        "name": "health",
        "outcome": "failed",
        "latency_ms": 2.0,
        "error": "expected HTTP 200 from /health, got 500",
        "http_status": 500,
        "body_excerpt": "db | down\n",
    }


def test_summary_is_one_line() -> None:
    assert PASSING.summary() == "smoke test PASSED: 2 checks, ready after 0.01 s"
    assert FAILING.summary() == (
        "smoke test FAILED: health (health: expected HTTP 200 from /health, got 500)"
    )
    assert not SmokeReport(target="x", checks=()).passed


def test_the_service_start_counts_into_startup() -> None:
    started = PASSING.with_start(1.5, passed("start", 1500.0, "port 8000 open"))
    assert started.checks[0].name == "start"
    assert started.startup_seconds == pytest.approx(1.512)
    never = PASSING.with_start(30.0, failed("start", 30000.0, "did not open port"))
    assert never.startup_seconds is None
    assert never.failed_checks == ["start"]


def test_body_excerpts_are_bounded() -> None:
    body = "x" * (EXCERPT_LIMIT + 1000)
    assert excerpt(body) == "x" * EXCERPT_LIMIT + "... (1000 more chars)"
    assert failed("health", 1.0, "bad", body=body).body_excerpt == excerpt(body)


@pytest.mark.parametrize(
    "text", ["Traceback (most recent call last):", "[]", '{"checks": "none"}', ""]
)
def test_output_that_is_not_a_report_is_refused_clearly(text: str) -> None:
    with pytest.raises(PipelineError, match=r"^not a smoke report: "):
        SmokeReport.from_json(text)


def test_markdown_of_a_pass_has_the_facts() -> None:
    markdown = render_markdown(PASSING)
    assert markdown.startswith("### Smoke test ✅ passed\n")
    assert "- startup: 0.01 s" in markdown
    assert "- server: svc 1.0, MCP protocol 2025-11-25" in markdown
    assert "| `ready` | ✅ passed | 12.5 ms |  | answered after 0.013 s |" in markdown
    assert "Service logs" not in markdown


def test_markdown_of_a_failure_shows_the_evidence() -> None:
    markdown = render_markdown(FAILING)
    assert markdown.startswith("### Smoke test ❌ failed\n")
    row = "| `health` | ❌ failed | 2.0 ms | 500 | expected HTTP 200 from /health, got 500 |"
    assert row in markdown
    assert "| `mcp.tools_list` | ⏭️ skipped |  |  | mcp.initialize failed |" in markdown
    assert "Body returned to `health`:\n\n```text\ndb | down\n```" in markdown
    assert "Service logs (last 2 lines):\n\n```text\nline 1\nTraceback: boom\n```" in markdown


def test_markdown_table_cells_cannot_break_rows() -> None:
    report = SmokeReport(target="t", checks=(failed("x", 1.0, "a | b\nc"),))
    assert "| a \\| b c |" in render_markdown(report)


def test_sse_events_follow_the_line_format() -> None:
    lines = [
        ": keep-alive comment",
        "event: message",
        'data: {"a":',
        "data: 1}",
        "",
        "id: 7",
        "data:no-space",
        "",
        "event: ping",
        "",
        "data: tail without blank line",
    ]
    # The living standard: an event the stream ends in the middle of is not dispatched.
    assert list(sse_messages(iter(lines))) == [
        ("message", '{"a":\n1}'),
        ("message", "no-space"),
    ]


def test_the_verdict_line_goes_through_the_text_rule() -> None:
    # summary() was the one string of the report not scrubbed; CI logs keep it.
    leaking = SmokeReport(
        target="http://app:8000",
        checks=(
            failed(
                "ready",
                5.0,
                "http://deploy-bot:s3cr3t-P%40ss@app:8000/health was not ready\nwithin 1 s",
            ),
        ),
    )
    line = leaking.summary()
    assert "s3cr3t" not in line
    assert "deploy-bot" not in line
    assert "\n" not in line
    assert line == (
        "smoke test FAILED: ready (ready: http://***@app:8000/health was not ready within 1 s)"
    )
    assert leaking.to_dict()["summary"] == line


def test_a_deploy_verdict_quoting_the_live_smoke_carries_no_password() -> None:
    from main.core.deploy.result import DeployReport  # noqa: PLC0415

    report = SmokeReport(
        target="http://app:8000",
        checks=(failed("health", 1.0, "GET https://bot:pw-1234567@app/health answered 500"),),
    )
    result = DeployReport(
        outcome="rolled-back",
        target="deploy@127.0.0.1:22",
        url="http://app:8000",
        image="registry/app@sha256:" + "a" * 64,
        error=f"live {report.summary()}",
    )
    assert "pw-1234567" not in result.summary()
    assert "https://***@app/health" in result.summary()
