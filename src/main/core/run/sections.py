"""How each stage's outcome reads in the run report: its row, and its section.

A stage produces a rich core result (every check's output, every smoke check's body
excerpt, every deploy step's timing); the report keeps what a reader of the job
summary needs: one row per stage and a section per image check, each text cut to a
table cell's size. This is the one place that joins the families (validate, scan,
smoke, deploy, load) to the report model, so the report package stays a model and
its renderers, and the families never import each other.
"""

from collections.abc import Mapping

from main.core.deploy.result import DeployReport
from main.core.load.markdown import render_markdown
from main.core.load.result import LoadResult
from main.core.report.model import (
    DeploySummary,
    ScanMode,
    ScanSummary,
    Section,
    SmokeCheckSummary,
    SmokeSummary,
    StageResult,
    StageStatus,
)
from main.core.run.names import LOAD_TEST, SCAN
from main.core.smoke.result import SmokeReport
from main.core.text import clip
from main.core.validate import CheckResult

DETAIL_LIMIT = 200
SKIP_TESTS_REASON = "skipped on request (--skip-tests / skip_tests input)"


def short(text: str, limit: int = DETAIL_LIMIT) -> str:
    """Scrubbed, one line, cut to ``limit`` characters: a report cell (``text.clip``)."""
    return clip(text, limit)


def last_line(text: str) -> str:
    """The last non-empty line of an output: usually what went wrong."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def first_line(exc: BaseException) -> str:
    """The line of an exception worth a report cell: its message's first line."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def check_stage(result: CheckResult, *, skip_tests: bool) -> StageResult:
    """A validation check as a report stage; ``error`` (could not run) counts as failed."""
    status: StageStatus = "failed" if result.status == "error" else result.status
    if result.status == "skipped" and skip_tests and result.name == "test":
        detail = SKIP_TESTS_REASON
    elif result.ok:
        detail = f"{len(result.commands)} command(s)" if result.commands else ""
    else:
        detail = last_line(result.output) or f"{result.name} {result.status}"
    return StageResult(result.name, status, round(result.duration, 3), short(detail))


def skipped(name: str, why: str, *, blocking: bool = True) -> StageResult:
    """A stage that did not run, and why (the report lists it under skipped stages)."""
    return StageResult(name, "skipped", 0.0, short(why), blocking)


def scan_summary(
    mode: ScanMode,
    found: Mapping[str, int],
    counted: Mapping[str, int],
    *,
    blocked: bool,
    reason: str,
) -> ScanSummary:
    """The report's scan section; staging never reports a scan as blocking."""
    return ScanSummary(
        mode=mode,
        found=dict(found),
        counted=dict(counted),
        blocked=blocked and mode == "block",
        reason=reason,
    )


def scan_stage(summary: ScanSummary, seconds: float) -> StageResult:
    """The scan as a stage: staging warns and never blocks; ci blocks on findings."""
    blocking = summary.mode == "block"
    if summary.blocked:
        status: StageStatus = "failed"
    elif summary.total:
        status = "warned"
    else:
        status = "passed"
    return StageResult(SCAN, status, round(seconds, 3), short(summary.reason), blocking)


def smoke_summary(report: SmokeReport) -> SmokeSummary:
    """The report's smoke section from the checker's own report."""
    checks = tuple(
        SmokeCheckSummary(
            name=check.name,
            passed=not check.failed,
            latency_ms=round(check.latency_ms, 1),
            error=short(check.error or ""),
        )
        for check in report.checks
    )
    return SmokeSummary(checks=checks, startup_seconds=report.startup_seconds)


def smoke_detail(report: SmokeReport) -> str:
    """The smoke stage's cell: the checker's summary, or the checks that failed."""
    if report.passed:
        return report.summary()
    return f"failed: {', '.join(report.failed_checks) or 'no check ran'}"


def deploy_summary(result: DeployReport) -> DeploySummary:
    """The report's staging-deployment section from the deploy's result."""
    return DeploySummary(
        target=result.target,
        url=result.url,
        image=result.image,
        outcome=result.outcome,
        running=result.running or "",
        running_unknown=result.running_unknown,
        previous=result.previous or "",
        error=short(result.error),
        seconds=round(result.duration_seconds, 3),
        live_smoke=None if result.smoke is None else smoke_summary(result.smoke),
        rollback_smoke=None
        if result.rollback_smoke is None
        else smoke_summary(result.rollback_smoke),
        notes=tuple(short(note) for note in result.notes),
    )


def load_stage(result: LoadResult, seconds: float, *, blocking: bool) -> StageResult:
    """The load test's row: a breach fails it when it gates the deploy, else warns."""
    status: StageStatus = "passed" if result.passed else ("failed" if blocking else "warned")
    return StageResult(LOAD_TEST, status, round(seconds, 3), short(result.summary()), blocking)


def load_section(result: LoadResult) -> Section:
    """The load test's section: verdict, table and charts for the job summary."""
    return Section(LOAD_TEST, render_markdown(result))
