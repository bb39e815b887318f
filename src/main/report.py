"""The result of ``deploy-staging`` and ``ci``: the verdict plus the report, as files.

A workflow step needs three things from a run, whatever happened: the Markdown for the
job summary, the JSON for machines, and the one-line failure to fail the job with.
``report`` gives them as one directory (``report.md``, ``report.json``, ``failure.txt``,
empty when the run passed) so the step exports it once:
``... --fail=false report export --path pipeline-report``.
"""

from typing import TYPE_CHECKING, Annotated, Self

import dagger
from dagger import Doc, dag, field, object_type

from main._sdk import FunctionError, function
from main.core.lazy import lazy_import

if TYPE_CHECKING:
    from main.core.report import markdown as core_markdown
    from main.core.report import model as core_report
    from main.core.report import notify as core_notify
else:
    # pydantic-free but large: loaded when a run reports, not when the module loads.
    core_report = lazy_import("main.core.report.model")
    core_notify = lazy_import("main.core.report.notify")
    core_markdown = lazy_import("main.core.report.markdown")

NO_WEBHOOK = "no --notify-webhook given"


async def notify(
    report: "core_report.Report",
    webhook: dagger.Secret | None,
    kind: str,
    *,
    link: str = "",
) -> "core_report.StageResult":
    """Post ``report`` to ``webhook`` as a ``kind`` message; the ``notify`` stage result.

    ``link`` is the run's page (e.g. the GitHub Actions run URL) for the message's
    button; the module cannot see the runner's environment, so the caller passes it.
    Call :func:`~main.core.report.notify.check_kind` before the run to refuse a bad kind early.
    """
    if webhook is None:
        return core_report.StageResult("notify", "skipped", 0.0, NO_WEBHOOK, blocking=False)
    clock = core_report.Stopwatch()
    try:
        url = (await webhook.plaintext()).strip()
    except dagger.DaggerError as exc:
        why = f"{kind}: could not read the webhook secret ({type(exc).__name__})"
        return clock.stage("notify", "failed", why, blocking=False)
    return (await core_notify.send(kind, url, report, link=link)).stage()


MARKDOWN_FILE = "report.md"
JSON_FILE = "report.json"
FAILURE_FILE = "failure.txt"
SBOM_FILE = "sbom.cdx.json"


@object_type
class RunReport:
    """How a deploy-staging or ci run went: verdict, job summary and JSON record."""

    ok: Annotated[bool, Doc("Whether the run passed: no blocking stage failed")] = field()
    failed_stage: Annotated[
        str, Doc("The first blocking stage that failed; empty when the run passed")
    ] = field()
    failure_message: Annotated[
        str, Doc("One line: '<workflow> failed at <stage>: <why>'; empty when the run passed")
    ] = field()
    report_json: Annotated[str, Doc("The whole report as JSON (what report.json holds)")] = field()
    # State for report(), not exposed as a field: the SBOM attached to the pushed digest.
    sbom: dagger.File | None = None

    @classmethod
    def of(cls, report: "core_report.Report", *, sbom: dagger.File | None = None) -> Self:
        """Wrap a finished core report (and the SBOM it attached) for the Dagger API."""
        return cls(  # type: ignore[call-arg]
            ok=report.ok,
            failed_stage=report.failed_stage,
            failure_message=report.failure_message,
            report_json=report.to_json(),
            sbom=sbom,
        )

    def core(self) -> "core_report.Report":
        """The core report this object carries."""
        return core_report.Report.from_json(self.report_json)

    @function
    def markdown(self) -> str:
        """The job summary: stage table with status marks and durations, then sections."""
        return core_markdown.render(self.core())

    @function
    def report(self) -> dagger.Directory:
        """report.md, report.json, failure.txt (empty when the run passed) in one folder.

        sbom.cdx.json beside them when the run attached an SBOM to its digest.
        """
        failure = f"{self.failure_message}\n" if self.failure_message else ""
        folder = (
            dag.directory()
            .with_new_file(MARKDOWN_FILE, self.markdown())
            .with_new_file(JSON_FILE, self.report_json)
            .with_new_file(FAILURE_FILE, failure)
        )
        if self.sbom is not None:
            folder = folder.with_file(SBOM_FILE, self.sbom)
        return folder


def finished(
    report: "core_report.Report", *, fail: bool, sbom: dagger.File | None = None
) -> RunReport:
    """The run's result; with ``fail``, a failed run raises once its report exists.

    The error's first line says which stage failed and why; the whole Markdown report
    follows, so a local run loses nothing. CI passes ``fail=False``, exports the
    report directory, and lets the summary step fail the job from ``failure.txt``.
    """
    if fail and not report.ok:
        message = f"{report.failure_message}\n\n{core_markdown.render(report)}"
        raise FunctionError(message)
    return RunReport.of(report, sbom=sbom)
