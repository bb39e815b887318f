"""The run's result object: the verdict, and the report as the files a workflow exports."""

import json

from main.core.report.markdown import render as render_markdown
from main.core.report.model import Report
from main.report import FAILURE_FILE, JSON_FILE, MARKDOWN_FILE, RunReport
from tests.support.lazy import find
from tests.support.registration import ModuleDef
from tests.support.reports import failing_report, passing_report


def files(run: RunReport) -> dict[str, str]:
    """What ``report`` writes, read from its lazy plan: path -> contents."""
    return {c.args["path"]: c.args["contents"] for c in find(run.report(), "withNewFile")}


def test_a_failed_run_exports_the_summary_the_record_and_the_one_line_failure() -> None:
    run = RunReport.of(failing_report())
    assert (run.ok, run.failed_stage) == (False, "smoke-test")
    written = files(run)
    assert set(written) == {MARKDOWN_FILE, JSON_FILE, FAILURE_FILE}
    assert written[FAILURE_FILE] == "deploy-staging failed at smoke-test: /health answered 500\n"
    assert written[MARKDOWN_FILE] == render_markdown(failing_report())
    assert Report.from_json(written[JSON_FILE]) == failing_report()
    assert json.loads(written[JSON_FILE])["ok"] is False


def test_a_passed_run_leaves_failure_txt_empty() -> None:
    run = RunReport.of(passing_report())
    assert run.ok
    assert run.failure_message == ""
    assert files(run)[FAILURE_FILE] == ""
    assert run.markdown().startswith("## ✅ deploy-staging passed")
    assert run.core() == passing_report()


def test_the_result_type_registers_with_every_part_described(module_def: ModuleDef) -> None:
    run = module_def.objects["RunReport"]
    assert run.description
    assert set(run.fields) == {"ok", "failed_stage", "failure_message", "report_json"}
    assert all(run.fields.values())
    assert {"markdown", "report"} <= set(run.functions)
    assert all(fn.description for fn in run.functions.values())
