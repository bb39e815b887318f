"""The rules that turn stage outcomes into report entries for deploy-staging and ci.

They decide, without an engine: how a validation check reads in the report, when a
stage is skipped and why, and what may be published. The Dagger shell
(``main.workflows``) only runs the stages and hands their outcomes here.
"""

from collections.abc import Collection, Mapping, Sequence

from main.core.report.model import ScanMode, ScanSummary, StageResult, StageStatus
from main.core.text import clip
from main.core.validate import CheckResult

DETAIL_LIMIT = 200
SKIP_TESTS_REASON = "skipped on request (--skip-tests / skip_tests input)"
STAGING = "deploy-staging"
CI = "ci"
SMOKE_TEST = "smoke-test"
DEPLOY = "deploy"


def short(text: str, limit: int = DETAIL_LIMIT) -> str:
    """Scrubbed, one line, cut to ``limit`` characters: a report cell (``text.clip``)."""
    return clip(text, limit)


def last_line(text: str) -> str:
    """The last non-empty line of an output: usually what went wrong."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


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


def scan_stage(summary: ScanSummary, seconds: float) -> StageResult:
    """The scan as a stage: staging warns and never blocks; ci blocks on findings."""
    blocking = summary.mode == "block"
    if summary.blocked:
        status: StageStatus = "failed"
    elif summary.total:
        status = "warned"
    else:
        status = "passed"
    return StageResult("scan", status, seconds, short(summary.reason), blocking)


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


def publish_blocker(stages: Sequence[StageResult], *, ignoring: Collection[str] = ()) -> str:
    """Why nothing may be published: the first blocking failure, or empty.

    Staging ignores the smoke test here: its timestamped tag is published either way
    (a failed deployment stays inspectable); only ``staging-latest`` waits for it.
    """
    for stage in stages:
        if stage.blocking and stage.status == "failed" and stage.name not in ignoring:
            return f"{stage.name} failed"
    return ""


def failed(stages: Sequence[StageResult], name: str) -> bool:
    """Whether the stage called ``name`` ran and failed."""
    return any(stage.name == name and stage.status == "failed" for stage in stages)


def reproduction(  # noqa: PLR0913 - what makes a run, each said once
    workflow: str,
    *,
    sha: str,
    ref: str,
    subpath: str = ".",
    skip_tests: bool = False,
    event_name: str = "",
) -> str:
    """The ``dagger call`` that runs this workflow again, exactly, on a laptop.

    A commit by its full sha (a branch may have moved since), the same flags, and for a
    run decided by a GitHub event, the event replayed from its saved payload.
    """
    call = "dagger call" + ("" if subpath in {"", "."} else f" --subpath {subpath}")
    if event_name:
        return (
            f"# save the run's $GITHUB_EVENT_PATH as event.json, then:\n"
            f"{call} {workflow} --event-name {event_name} --event ./event.json"
        )
    note = f"  # {ref}" if ref and ref != sha else ""
    flags = " --skip-tests" if skip_tests else ""
    return f"{call} {workflow} --ref {sha}{flags}{note}"
