"""A stage's own result, cut down to the section the run report keeps of it.

It lives in the shell because it joins core packages that stay independent of
each other (the report does not know the smoke checker or the deploy).

The smoke checker and the deploy produce rich results (every check's body excerpt,
every step's timing, the container's logs); the run report keeps what a reader of the
job summary needs, each text cut to a table cell's size.
"""

from main.core.deploy.result import DeployResult
from main.core.report.model import DeploySummary, SmokeCheck, SmokeSummary
from main.core.report.rules import short
from main.core.smoke.result import SmokeReport


def smoke_summary(report: SmokeReport) -> SmokeSummary:
    """The report's smoke section from the checker's own report."""
    checks = tuple(
        SmokeCheck(
            name=check.name,
            passed=not check.failed,
            latency_ms=round(check.latency_ms, 1),
            error=short(check.error or ""),
        )
        for check in report.checks
    )
    return SmokeSummary(checks=checks, startup_seconds=report.startup_seconds)


def deploy_summary(result: DeployResult) -> DeploySummary:
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
