"""The job summary's structure, checked by parsing it, not by comparing to a golden file."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from main.core.report.markdown import MAX_BYTES, MAX_ROWS, TRUNCATED, cap, duration
from main.core.report.markdown import render as render_markdown
from main.core.report.model import Report, StageResult
from main.core.run.reproduce import reproduction
from tests.support.constants import REPO_ROOT
from tests.support.reports import failing_report, passing_report, readme_sample_report

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def table_after(markdown: str, header: str) -> list[list[str]]:
    """The rows (cells stripped) of the table whose header line starts with ``header``."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    assert re.fullmatch(r"\|(-+:?|-*-:)(\|-*-?:?)*\|", lines[start + 1].replace("--:", "-:"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in UNESCAPED_PIPE.split(line)[1:-1]])
    return rows


def headings(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("#")]


def test_a_passing_run_reads_title_facts_table_then_sections() -> None:
    markdown = render_markdown(passing_report())
    assert headings(markdown) == [
        "## ✅ deploy-staging passed: sample-service 0.1.0",
        "### Image",
        "### Security scan",
        "### Smoke tests",
    ]
    assert "**ref**: `develop`" in markdown
    assert "**commit**: `4f2d8c1e9b7a`" in markdown
    assert "> " not in markdown, "no failure line when the run passed"
    rows = table_after(markdown, "| stage | status | duration | detail |")
    assert [row[0] for row in rows] == [s.name for s in passing_report().stages]
    assert all(row[1] == "✅ passed" for row in rows)
    assert rows[2][2] == "1 min 14 s"
    assert all(len(row) == 4 for row in rows)


def test_a_failing_run_leads_with_the_failure() -> None:
    markdown = render_markdown(failing_report())
    lines = markdown.splitlines()
    assert lines[0] == "## ❌ deploy-staging failed at smoke-test: sample-service 0.1.0"
    assert lines[2] == "> deploy-staging failed at smoke-test: /health answered 500"
    rows = {row[0]: row for row in table_after(markdown, "| stage |")}
    assert rows["smoke-test"][1] == "❌ failed"
    assert rows["notify"][1:3] == ["⏭️ skipped", "-"]
    assert headings(markdown)[-1] == "### Skipped"
    assert "- **notify**: no --notify-webhook given" in markdown
    assert "**not pushed** (smoke tests failed: staging-latest stays where it was):" in markdown
    smoke = table_after(markdown, "| check | result | latency | error |")
    assert smoke[0] == ["health", "❌ failed", "3 ms", "/health answered 500"]
    assert "**startup**: 2.40 s" in markdown


def test_scan_counts_are_listed_by_severity_before_and_after_filtering() -> None:
    markdown = render_markdown(passing_report())
    rows = table_after(markdown, "| severity | found | after filtering |")
    assert rows == [
        ["CRITICAL", "0", "0"],
        ["HIGH", "2", "0"],
        ["MEDIUM", "1", "0"],
        ["LOW", "4", "0"],
    ]
    assert "✅ **clean** (warn mode)" in markdown


def test_a_warned_stage_is_marked() -> None:
    report = passing_report().with_stage(StageResult("scan", "warned", 1.0, "2 findings"))
    rows = {row[0]: row for row in table_after(render_markdown(report), "| stage |")}
    assert rows["scan"][1] == "⚠️ warned"


def test_pipes_and_newlines_in_details_cannot_break_the_table() -> None:
    report = passing_report().with_stage(
        StageResult("validate", "failed", 1.0, "a | b\n| c |\n<script>x</script>")
    )
    rows = {row[0]: row for row in table_after(render_markdown(report), "| stage |")}
    assert len(rows["validate"]) == 4
    assert rows["validate"][3] == r"a \| b \| c \| &lt;script&gt;x&lt;/script&gt;"


def test_long_lists_are_cut_with_a_note() -> None:
    tags = tuple(f"tag-{i}" for i in range(MAX_ROWS + 25))
    markdown = render_markdown(passing_report().with_values(tags=tags))
    assert f"- `tag-{MAX_ROWS - 1}`" in markdown
    assert f"- `tag-{MAX_ROWS}`" not in markdown
    assert "_…and 25 more entries (see report.json)_" in markdown


def test_a_huge_report_stays_bounded_and_says_what_was_left_out() -> None:
    report = passing_report()
    for i in range(MAX_ROWS * 3):
        report = report.with_stage(StageResult(f"stage-{i}", "passed", 1.0, "x" * 5000))
    report = report.with_values(notes=tuple("n" * 5000 for _ in range(MAX_ROWS)))
    markdown = render_markdown(report)
    assert len(markdown.encode()) <= MAX_BYTES
    assert len(markdown.encode()) < 1024 * 1024 // 8
    hidden = len(report.stages) - MAX_ROWS
    assert f"_…and {hidden} more stages (see report.json)_" in markdown


def test_cap_cuts_at_a_line_and_appends_the_note() -> None:
    text = "".join(f"line {i}\n" for i in range(1000))
    capped = cap(text, 200)
    assert len(capped.encode()) <= 200
    assert capped.endswith(TRUNCATED + "\n")
    assert all(line.startswith("line ") for line in capped.splitlines()[:-2])
    assert cap("short\n", 200) == "short\n"


def test_durations_read_naturally() -> None:
    assert [duration(s) for s in (0.04, 12.34, 59.9, 60, 125.4)] == [
        "0.0 s", "12.3 s", "59.9 s", "1 min 00 s", "2 min 05 s",
    ]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=8),
    detail=st.text(max_size=400),
    status=st.sampled_from(["passed", "failed", "warned", "skipped"]),
)
def test_any_stage_text_gives_a_four_column_table(
    names: list[str], detail: str, status: str
) -> None:
    report = Report(workflow="ci", service="svc", version="1", ref="main")
    for name in names:
        report = report.with_stage(StageResult(name, status, 1.5, detail))  # type: ignore[arg-type]
    markdown = render_markdown(report)
    rows = table_after(markdown, "| stage | status | duration | detail |")
    assert len(rows) == len(report.stages)
    assert all(len(row) == 4 for row in rows)


def test_the_docs_show_what_the_code_renders() -> None:
    page = (REPO_ROOT / "docs" / "github-actions.md").read_text(encoding="utf-8")
    assert f"````markdown\n{render_markdown(readme_sample_report())}````" in page


def test_the_summary_ends_with_the_exact_command_to_reproduce_the_run() -> None:
    sha = "4f2d8c1e9b7a6d5c3e2f1a0b9c8d7e6f5a4b3c2d"
    command = reproduction("deploy-staging", sha=sha, ref="develop", skip_tests=True)
    assert command == f"dagger call deploy-staging --ref {sha} --skip-tests  # develop"
    report = failing_report().with_values(reproduce=command)
    markdown = render_markdown(report)
    assert markdown.rstrip().endswith(f"{command}\n```")
    assert "### Reproduce locally" in markdown
    # even a report cut to fit GitHub's limit keeps its last section
    huge = report.with_values(notes=tuple("n" * 400 for _ in range(400)))
    assert render_markdown(huge).rstrip().endswith(f"{command}\n```")
