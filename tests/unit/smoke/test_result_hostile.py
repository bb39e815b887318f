"""A smoke report read back from a file or a container's output never ends in a traceback.

The shell's ``markdown()`` reads its own JSON back, and the smoke checker's output is
whatever the container printed: every text that is not a report is one bounded,
scrubbed line, ``not a smoke report: ...``; a report with odd values either reads back
as one that renders, or is refused the same way.
"""

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from main.core.errors import PipelineError
from main.core.smoke.markdown import render_markdown
from main.core.smoke.result import SmokeReport, failed, passed
from tests.support.json_places import JSON_VALUES, places, replaced

REPORT = SmokeReport(
    target="http://app:8000",
    checks=(passed("ready", 3.0), failed("health", 2.0, "got 500", http_status=500, body="x")),
    timeout_seconds=30.0,
    server={"name": "svc"},
    tools=("add",),
)


def refused(text: str | bytes) -> str:
    with pytest.raises(PipelineError) as caught:
        SmokeReport.from_json(text)
    message = str(caught.value)
    assert message.startswith("not a smoke report: "), message
    assert "\n" not in message
    assert len(message) <= len("not a smoke report: ") + 200, message
    return message


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # deeper than the parser's recursion limit
        '{"a": 1' + "0" * 5000 + "}",  # more digits than int() converts
        b'{"a":"\xff"}',  # not UTF-8
        b"\xff\xfe{",
        "",
        "Traceback (most recent call last):\n  File x\nBoom" + "!" * 10_000,
        "[1, 2]",
        '"checks"',
        "null",
        '{"checks": "none"}',
    ],
    ids=[
        "nested",
        "long-number",
        "not-utf8",
        "bom-garbage",
        "empty",
        "a-traceback",
        "a-list",
        "a-string",
        "null",
        "checks-a-string",
    ],
)
def test_a_hostile_text_is_one_line_not_a_smoke_report(text: str | bytes) -> None:
    refused(text)


def test_what_the_checker_printed_instead_is_quoted_scrubbed() -> None:
    message = refused("Traceback: cannot reach https://deploy:hunter22@app:8000/health\n")
    assert "Traceback: cannot reach" in message
    assert "hunter22" not in message


def shaped(**change: object) -> str:
    return json.dumps({**json.loads(REPORT.to_json()), **change})


def check(**change: object) -> str:
    entry = {"name": "health", "outcome": "failed", "error": "got 500", **change}
    return shaped(checks=[entry])


@pytest.mark.parametrize(
    "text",
    [
        shaped(checks=[5]),
        shaped(checks=[["health", "failed"]]),
        shaped(checks=[{"outcome": "passed"}]),
        shaped(checks=[{"name": "x", "outcome": "\nmaybe" + "y" * 10_000}]),
        check(latency_ms="soon"),
        check(latency_ms=[1]),
        check(http_status="five hundred"),
        check(http_status=1e400),
        shaped(startup_seconds="soon"),
        shaped(duration_seconds={"s": 1}),
        shaped(timeout_seconds="thirty"),
        shaped(server=["name", "svc"]),
        shaped(server=5),
        shaped(tools=5),
    ],
    ids=[
        "check-a-number",
        "check-a-list",
        "check-without-name",
        "check-bad-outcome",
        "latency-a-word",
        "latency-a-list",
        "status-a-word",
        "status-infinite",
        "startup-a-word",
        "duration-an-object",
        "timeout-a-word",
        "server-a-list",
        "server-a-number",
        "tools-a-number",
    ],
)
def test_a_report_with_wrong_shapes_is_one_line_not_a_smoke_report(text: str) -> None:
    refused(text)


@pytest.mark.parametrize(
    "text",
    [
        check(error=["a", "list"]),
        check(body_excerpt={"an": "object"}),
        check(http_status="500"),
        check(detail=7),
        shaped(tools=["add", 5]),
        shaped(logs=["line"]),
    ],
    ids=[
        "error-a-list",
        "body-an-object",
        "status-a-numeral",
        "detail-a-number",
        "tool-a-number",
        "logs-a-list",
    ],
)
def test_odd_values_read_back_as_a_report_that_renders(text: str) -> None:
    report = SmokeReport.from_json(text)
    assert report.summary()
    assert render_markdown(report)
    assert SmokeReport.from_json(report.to_json()) == report


GOOD = json.loads(REPORT.to_json())


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(places(GOOD)), JSON_VALUES)
def test_any_value_anywhere_is_one_line_or_a_report_that_renders(
    at: tuple[Any, ...], value: object
) -> None:
    text = json.dumps(replaced(GOOD, at, value))
    try:
        read = SmokeReport.from_json(text)
    except PipelineError as exc:
        refusal = str(exc)
    else:
        assert render_markdown(read)
        assert read.summary()
        return
    assert "\n" not in refusal
    assert len(refusal) <= len("not a smoke report: ") + 200
