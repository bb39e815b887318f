import json

import pytest

from main.core.errors import PipelineError
from main.core.report.markdown import render as render_markdown
from main.core.report.model import NO_CREDENTIALS, Publication, Report, StageResult, Stopwatch
from tests.support.reports import failing_report, passing_report


def test_a_run_without_failures_is_ok_and_has_no_failure_message() -> None:
    report = passing_report()
    assert report.ok
    assert report.failed_stage == ""
    assert report.failure_message == ""


def test_a_failed_stage_names_itself_and_why_in_one_line() -> None:
    report = failing_report()
    assert not report.ok
    assert report.failed_stage == "smoke-test"
    assert report.failure_message == "deploy-staging failed at smoke-test: /health answered 500"


def test_the_first_failure_is_named_and_the_others_counted() -> None:
    report = passing_report().with_stage(StageResult("validate", "failed", 1.0, "ruff: 3 errors"))
    report = report.with_stage(StageResult("smoke-test", "failed", 1.0, "timeout"))
    assert report.failed_stage == "validate"
    assert report.failure_message.endswith("ruff: 3 errors (and 1 more failed stage)")


def test_a_failure_that_does_not_block_keeps_the_run_ok() -> None:
    report = passing_report().with_stage(
        StageResult("notify", "failed", 0.1, "slack answered 500", blocking=False)
    )
    assert report.ok
    assert "notify" in render_markdown(report)
    assert "failed (non-blocking)" in render_markdown(report)


def test_multi_line_details_make_a_one_line_message() -> None:
    report = passing_report().with_stage(StageResult("validate", "failed", 1.0, "a\n  b\n\nc"))
    assert report.failure_message == "deploy-staging failed at validate: a b c"
    empty = passing_report().with_stage(StageResult("build", "failed"))
    assert empty.failure_message == "deploy-staging failed at build: failed"


def test_with_stage_replaces_a_stage_of_the_same_name_in_place() -> None:
    report = passing_report()
    names = [s.name for s in report.stages]
    updated = report.with_stage(StageResult("build", "failed", 2.0, "no Containerfile"))
    assert [s.name for s in updated.stages] == names
    assert updated.stages[names.index("build")].status == "failed"
    assert report.ok, "reports are immutable: the original is unchanged"


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(PipelineError, match="has status 'ok'"):
        StageResult("build", "ok")  # type: ignore[arg-type]


def test_skipped_stages_say_why() -> None:
    assert failing_report().skipped == (("notify", "no --notify-webhook given"),)
    assert passing_report().skipped == ()


def test_the_stopwatch_times_a_stage_and_flattens_its_detail() -> None:
    clock = Stopwatch()
    stage = clock.stage("scan", "warned", "3 findings\nHIGH 1", blocking=False)
    assert 0 <= stage.duration_seconds < 5
    assert stage.detail == "3 findings HIGH 1"
    assert not stage.blocking


# --- JSON -----------------------------------------------------------------------------


@pytest.mark.parametrize("report", [passing_report(), failing_report()], ids=["passed", "failed"])
def test_json_round_trips(report: Report) -> None:
    assert Report.from_json(report.to_json()) == report


def test_a_minimal_report_round_trips() -> None:
    report = Report(workflow="ci", service="svc", version="1.0", ref="main")
    assert Report.from_json(report.to_json()) == report


def test_json_carries_the_verdict_for_machines() -> None:
    data = json.loads(failing_report().to_json())
    assert data["schema"] == "pipeline-report/1"
    assert data["ok"] is False
    assert data["failed_stage"] == "smoke-test"
    assert data["failure_message"].startswith("deploy-staging failed at smoke-test")
    assert data["stages"][0] == {
        "name": "check-trigger",
        "status": "passed",
        "duration_seconds": 0.02,
        "detail": "push to develop",
        "blocking": True,
    }
    assert data["scan"]["found"]["HIGH"] == 2
    assert data["smoke"]["checks"][0]["error"] == "/health answered 500"
    assert data["publication"]["not_pushed"] == ["ghcr.io/example/sample-service:staging-latest"]


@pytest.mark.parametrize(
    "text", ["", "[]", '{"schema": "other/1"}', '{"schema": "pipeline-report/1"}',
             ('{"schema": "pipeline-report/1", "workflow": "ci", "service": "s", "version": "1",'
             ' "ref": "r", "stages": [{"name": "x"}]}')],
)  # fmt: skip
def test_anything_else_is_not_a_report(text: str) -> None:
    with pytest.raises(PipelineError, match="not a pipeline report"):
        Report.from_json(text)


def test_a_run_without_credentials_lists_what_it_would_have_pushed() -> None:
    publication = Publication.without_credentials("ghcr.io/acme/app", ["v1-x", "staging-latest"])
    assert publication.pushed == ()
    assert publication.not_pushed == ("ghcr.io/acme/app:v1-x", "ghcr.io/acme/app:staging-latest")
    markdown = render_markdown(passing_report().with_values(publication=publication))
    assert f"**not pushed** ({NO_CREDENTIALS}):" in markdown
    assert "- `ghcr.io/acme/app:staging-latest`" in markdown


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"schema": 1' + "0" * 5000 + "}", b'{"a": "\xff"}'],
    ids=["deep", "huge number", "not utf-8"],
)
def test_a_report_file_that_is_no_report_is_one_line(text: str | bytes) -> None:
    with pytest.raises(PipelineError, match="not a pipeline report"):
        Report.from_json(text)
