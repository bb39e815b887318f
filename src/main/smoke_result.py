"""The result of ``smoke-test``: verdict, timings, every check, and a Markdown rendering.

Fields are plain values so that the deployment report (and ``dagger call ... passed``)
can read them without parsing; ``report`` keeps the checker's full JSON for tools.
"""

from typing import TYPE_CHECKING, Annotated

from dagger import Doc, field, object_type

from main.decorators import function
from main.lazy import lazy_import

if TYPE_CHECKING:
    from main.core.smoke import markdown as smoke_markdown
    from main.core.smoke import result as smoke_report
else:
    smoke_markdown = lazy_import("main.core.smoke.markdown")
    smoke_report = lazy_import("main.core.smoke.result")


@object_type
class SmokeCheck:
    """One smoke check: what it tried, whether it passed, and what came back."""

    name: Annotated[str, Doc("Check name, e.g. health or mcp.tools_list")] = field()
    outcome: Annotated[str, Doc("passed, failed or skipped")] = field()
    latency_ms: Annotated[float, Doc("How long the check took, in milliseconds")] = field()
    detail: Annotated[str, Doc("What a passing check saw, or why it was skipped")] = field(
        default=""
    )
    error: Annotated[str, Doc("Why the check failed; empty when it did not")] = field(default="")
    http_status: Annotated[int, Doc("HTTP status behind a failure; 0 when none")] = field(default=0)
    body_excerpt: Annotated[str, Doc("Start of the body behind a failure")] = field(default="")


@object_type
class SmokeResult:
    """Whether the service started, answered its health check and spoke MCP."""

    passed: Annotated[bool, Doc("True when every check passed")] = field()
    summary: Annotated[str, Doc("One line: the verdict and the first failure")] = field()
    target: Annotated[str, Doc("The URL the checks ran against")] = field()
    startup_seconds: Annotated[
        float | None, Doc("Seconds from starting the service until it answered; none if never")
    ] = field(default=None)
    duration_seconds: Annotated[float, Doc("Seconds the checks took, waiting included")] = field(
        default=0.0
    )
    checks: Annotated[list[SmokeCheck], Doc("Every check, in the order it ran")] = field(
        default=list
    )
    logs: Annotated[str, Doc("The service's output, kept when the test failed")] = field(default="")
    report: Annotated[str, Doc("The full report as JSON")] = field(default="")

    @function
    def markdown(self) -> str:
        """The result as Markdown, ready for $GITHUB_STEP_SUMMARY or a PR comment."""
        return smoke_markdown.render_markdown(smoke_report.SmokeReport.from_json(self.report))


def _check(result: "smoke_report.CheckResult") -> SmokeCheck:
    # mypy does not see through @object_type's dataclass transform in 0.21's stubs.
    return SmokeCheck(  # type: ignore[call-arg]
        name=result.name,
        outcome=result.outcome,
        latency_ms=round(result.latency_ms, 2),
        detail=result.detail,
        error=result.error or "",
        http_status=result.http_status or 0,
        body_excerpt=result.body_excerpt or "",
    )


def smoke_result(report: "smoke_report.SmokeReport") -> SmokeResult:
    """The Dagger object for a finished report."""
    return SmokeResult(  # type: ignore[call-arg]
        passed=report.passed,
        summary=report.summary(),
        target=report.target,
        startup_seconds=None
        if report.startup_seconds is None
        else round(report.startup_seconds, 3),
        duration_seconds=round(report.duration_seconds, 3),
        checks=[_check(check) for check in report.checks],
        logs=report.logs,
        report=report.to_json(),
    )
