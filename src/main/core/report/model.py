"""One report for both workflows: what ran, how it went, and what was published.

``deploy-staging`` and ``ci`` build the same :class:`Report` as their stages finish,
whatever fails, so a run always ends with something to read: the job summary
(``report.markdown.render``), a machine-readable record (:meth:`Report.to_json`), a
one-line failure message, and the notifications. The model is plain frozen dataclasses
(no pydantic, no dagger) because it is built on every run and must import fast.
"""

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, Self, cast, get_args

from main.core.errors import PipelineError
from main.core.redact import scrub, scrub_values
from main.core.text import clip, printable

StageStatus = Literal["passed", "failed", "warned", "skipped"]
STATUSES: tuple[StageStatus, ...] = get_args(StageStatus)
ScanMode = Literal["warn", "block"]
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
SCHEMA = "pipeline-report/1"
DETAIL_CAP = 1000  # a stage detail is one line; the report keeps at most this much
NO_CREDENTIALS = "no registry credentials: pass --registry-token to push"


@dataclass(frozen=True, slots=True)
class StageResult:
    """How one stage went.

    ``blocking`` says whether a failure of this stage fails the run (a failed
    notification, for instance, does not).
    """

    name: str
    status: StageStatus
    duration_seconds: float = 0.0
    detail: str = ""
    blocking: bool = True

    def __post_init__(self) -> None:
        """Refuse a status the renderers do not know (a typo would hide a failure)."""
        if self.status not in STATUSES:
            msg = f"stage {self.name!r} has status {self.status!r}; use one of {STATUSES}"
            raise PipelineError(msg)


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """Trivy findings by severity, before and after filtering, and the verdict."""

    mode: ScanMode
    found: Mapping[str, int]
    counted: Mapping[str, int]
    blocked: bool
    reason: str

    @property
    def total(self) -> int:
        """Findings left after filtering (what the verdict is about)."""
        return sum(self.counted.values())


@dataclass(frozen=True, slots=True)
class SmokeCheckSummary:
    """One smoke check as the run report keeps it: name, verdict, time, and why not."""

    name: str
    passed: bool
    latency_ms: float
    error: str = ""


@dataclass(frozen=True, slots=True)
class SmokeSummary:
    """All smoke checks and the measured startup time (None when it never started)."""

    checks: tuple[SmokeCheckSummary, ...]
    startup_seconds: float | None = None

    @property
    def passed(self) -> bool:
        """Whether every check passed (and there was at least one)."""
        return bool(self.checks) and all(check.passed for check in self.checks)


@dataclass(frozen=True, slots=True)
class DeploySummary:
    """The staging deployment: where, what, how it ended, and what runs there now."""

    target: str
    url: str
    image: str  # the digest reference that was deployed
    outcome: str  # deployed, rolled-back or failed
    running: str = ""  # what serves now; empty: nothing (or unknown, below)
    running_unknown: bool = False  # the connection was lost, or the rollback failed
    previous: str = ""
    error: str = ""
    seconds: float = 0.0
    live_smoke: SmokeSummary | None = None
    rollback_smoke: SmokeSummary | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AttestationSummary:
    """What was attached to the pushed digest: the SBOM and the provenance, by reference.

    ``sbom`` and ``provenance`` are ``repository@sha256:...`` of the attached artifacts
    (what ``oras`` or ``python -m main.core.attest verify`` reads); ``commit`` and
    ``builder`` are what the provenance says about the source and who built it.
    """

    packages: int
    sbom: str
    provenance: str
    commit: str
    builder: str
    signed: bool
    via: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A stage's own Markdown section (e.g. the load test's charts), rendered as it is.

    Its producer already escaped every text it took from outside; the report only adds
    the heading and keeps the whole summary under its size cap.
    """

    title: str
    markdown: str


@dataclass(frozen=True, slots=True)
class Publication:
    """What reached the registry, and what did not and why.

    ``pushed`` holds ``repo:tag@sha256:...`` references; ``not_pushed`` the
    ``repo:tag`` references that would have been pushed (no credentials, or
    ``staging-latest`` held back by a failed smoke test), with ``reason``.
    """

    pushed: tuple[str, ...] = ()
    not_pushed: tuple[str, ...] = ()
    reason: str = ""

    @classmethod
    def without_credentials(cls, image: str, tags: Sequence[str]) -> Self:
        """What a run without a registry token reports: every tag it would have pushed."""
        return cls(
            not_pushed=tuple(f"{image}:{tag}" for tag in tags),
            reason=NO_CREDENTIALS,
        )


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one run of ``deploy-staging`` or ``ci`` has to tell."""

    workflow: str
    service: str
    version: str
    ref: str
    sha: str = ""
    trigger: str = ""
    actor: str = ""
    """Who started the run (the event's sender or ``$GITHUB_ACTOR``); empty when unknown."""
    stages: tuple[StageResult, ...] = ()
    tags: tuple[str, ...] = ()
    digest: str = ""
    publication: Publication | None = None
    scan: ScanSummary | None = None
    smoke: SmokeSummary | None = None
    deploy: DeploySummary | None = None
    attestation: AttestationSummary | None = None
    sections: tuple[Section, ...] = ()
    notes: tuple[str, ...] = ()
    reproduce: str = ""
    """The command that runs this exactly again on a laptop (the summary ends with it)."""

    # --- building ---

    def with_stage(self, stage: StageResult) -> Self:
        """This report with ``stage`` added, or replacing the stage of the same name."""
        if any(s.name == stage.name for s in self.stages):
            stages = tuple(stage if s.name == stage.name else s for s in self.stages)
        else:
            stages = (*self.stages, stage)
        return replace(self, stages=stages)

    def with_values(self, **changes: Any) -> Self:  # noqa: ANN401 - dataclasses.replace's own shape
        """This report with other fields changed (tags, digest, scan, smoke, ...)."""
        return replace(self, **changes)

    # --- reading ---

    @property
    def failed(self) -> tuple[StageResult, ...]:
        """Stages that failed and fail the run, in the order they were recorded."""
        return tuple(s for s in self.stages if s.status == "failed" and s.blocking)

    @property
    def ok(self) -> bool:
        """Whether the run passed: no blocking stage failed."""
        return not self.failed

    @property
    def failed_stage(self) -> str:
        """Name of the first blocking stage that failed; empty when the run passed."""
        return self.failed[0].name if self.failed else ""

    @property
    def failure_message(self) -> str:
        """``deploy-staging failed at smoke-test: /health answered 500``; empty when ok."""
        if self.ok:
            return ""
        first = self.failed[0]
        why = clip(first.detail, DETAIL_CAP) or "failed"
        more = len(self.failed) - 1
        also = f" (and {more} more failed stage{'s' * (more > 1)})" if more else ""
        return scrub(f"{self.workflow} failed at {clip(first.name, 80)}: {why}{also}")

    @property
    def skipped(self) -> tuple[tuple[str, str], ...]:
        """``(stage, why)`` for every skipped stage."""
        return tuple((s.name, s.detail) for s in self.stages if s.status == "skipped")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, credentials scrubbed, with the schema name first."""
        data = {"schema": SCHEMA, **asdict(self)}
        data.update(ok=self.ok, failed_stage=self.failed_stage)
        data["failure_message"] = self.failure_message
        return cast("dict[str, Any]", scrub_values(data))

    def to_json(self) -> str:
        """The report as JSON (``report.json``): every field, plus ``ok`` and the failure."""
        # json escapes control characters itself; bidi controls and half a surrogate
        # pair it leaves raw, and the latter cannot be written as UTF-8.
        return printable(json.dumps(self.to_dict(), indent=2, ensure_ascii=False))

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """Read back what :meth:`to_json` wrote.

        Raises:
            PipelineError: when the text is not a report of this schema.
        """
        try:
            data = json.loads(text)
        except ValueError as exc:  # not JSON, not UTF-8, or a number of 4300+ digits
            msg = f"not a pipeline report: {clip(str(exc), 200)}"
            raise PipelineError(msg) from None
        except RecursionError:
            msg = "not a pipeline report: nested deeper than any report"
            raise PipelineError(msg) from None
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            msg = f"not a pipeline report: expected an object with schema {SCHEMA!r}"
            raise PipelineError(msg)
        return cls._from_dict(data)

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> Self:
        try:
            scan, smoke, publication = data.get("scan"), data.get("smoke"), data.get("publication")
            return cls(
                workflow=data["workflow"],
                service=data["service"],
                version=data["version"],
                ref=data["ref"],
                sha=data.get("sha", ""),
                trigger=data.get("trigger", ""),
                actor=data.get("actor", ""),
                stages=tuple(StageResult(**stage) for stage in data.get("stages", ())),
                tags=tuple(data.get("tags", ())),
                digest=data.get("digest", ""),
                publication=_publication(publication) if publication else None,
                scan=ScanSummary(**scan) if scan else None,
                smoke=_smoke(smoke) if smoke else None,
                deploy=_deploy(data["deploy"]) if data.get("deploy") else None,
                attestation=AttestationSummary(**data["attestation"])
                if data.get("attestation")
                else None,
                sections=tuple(Section(**section) for section in data.get("sections", ())),
                notes=tuple(data.get("notes", ())),
                reproduce=data.get("reproduce", ""),
            )
        except (KeyError, TypeError) as exc:
            msg = f"not a pipeline report: {exc}"
            raise PipelineError(msg) from None


def _publication(data: Mapping[str, Any]) -> Publication:
    return Publication(
        pushed=tuple(data.get("pushed", ())),
        not_pushed=tuple(data.get("not_pushed", ())),
        reason=data.get("reason", ""),
    )


def _smoke(data: Mapping[str, Any]) -> SmokeSummary:
    checks = tuple(SmokeCheckSummary(**check) for check in data.get("checks", ()))
    return SmokeSummary(checks=checks, startup_seconds=data.get("startup_seconds"))


class Stopwatch:
    """Seconds since creation, on the monotonic clock: how stage durations are taken."""

    def __init__(self) -> None:
        """Start counting now."""
        self._started = time.monotonic()

    def seconds(self) -> float:
        """Seconds elapsed, rounded to milliseconds."""
        return round(time.monotonic() - self._started, 3)

    def stage(
        self, name: str, status: StageStatus, detail: str = "", *, blocking: bool = True
    ) -> StageResult:
        """A stage result whose duration is the time elapsed so far."""
        return StageResult(name, status, self.seconds(), clip(detail, DETAIL_CAP), blocking)


def _deploy(data: Mapping[str, Any]) -> DeploySummary:
    live, back = data.get("live_smoke"), data.get("rollback_smoke")
    fields = {k: v for k, v in data.items() if k not in {"live_smoke", "rollback_smoke", "notes"}}
    return DeploySummary(
        **fields,
        live_smoke=_smoke(live) if live else None,
        rollback_smoke=_smoke(back) if back else None,
        notes=tuple(data.get("notes", ())),
    )
