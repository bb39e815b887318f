"""A check whose service exited under it: the failed result that says so.

Dagger 0.21 cancels a running exec as soon as any service bound to it exits, even with
status 0. When the app under a smoke or load test dies mid-run, the checker's output
therefore never arrives: reading it raises the engine's error instead. The shell
catches that error where it reads the output and asks here for a failed result that
names what happened, so the caller gets a report (and the app's logs, which the shell
adds) instead of a raw engine error.
"""

from main.core.load.result import KindStats, LoadResult
from main.core.smoke.result import SmokeReport, failed
from main.core.text import clip

ERROR_LIMIT = 300
CHECK_NAME = "service"  # the smoke check that fails: the service did not stay up


def exited_line(what: str, engine_error: str) -> str:
    """One line: the service stopped while ``what`` ran, and the engine's own words."""
    said = clip(engine_error, ERROR_LIMIT) or "no detail"
    return (
        f"the service stopped while the {what} ran, so the engine cancelled it "
        f"(its logs follow): {said}"
    )


def smoke_cut_short(
    target: str, engine_error: str, *, timeout_seconds: float | None = None
) -> SmokeReport:
    """The smoke report when the checks were cancelled because the service exited."""
    check = failed(CHECK_NAME, 0.0, exited_line("smoke checks", engine_error))
    return SmokeReport(target=target, checks=(check,), timeout_seconds=timeout_seconds)


def load_cut_short(target: str, users: int, engine_error: str) -> LoadResult:
    """The load result when the run was cancelled because the service exited: failed."""
    return LoadResult(
        target=target,
        users=users,
        duration_s=0.0,
        requests={},
        total=KindStats(),
        breaches=(exited_line("load test", engine_error),),
        judged=True,
    )
