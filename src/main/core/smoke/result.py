"""The outcome of a smoke run: one result per check, and the JSON both sides agree on.

The checker prints this report as JSON inside a client container; the Dagger function
reads it back with :meth:`SmokeReport.from_json`, adds what only it knows (how long the
service took to start, its logs) and renders it. Standard library only.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

from main.core.readback import json_kind, json_object, reading, strings
from main.core.redact import scrub, scrub_values
from main.core.text import clip

Outcome = Literal["passed", "failed", "skipped"]
WHAT = "smoke report"  # what a text that cannot be read back is not
EXCERPT_LIMIT = 500
SUMMARY_LIMIT = 1000  # a verdict line: room for an error and its hint, not for a body


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """The start of a body, scrubbed, then bounded so a 2 MB error page cannot flood a report.

    Scrubbed before it is cut, so a cut never splits a credential and leaves its tail.
    """
    clean = scrub(text)
    if len(clean) <= limit:
        return clean
    return f"{clean[:limit]}... ({len(clean) - limit} more chars)"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check: its outcome, how long it took, and on failure what came back."""

    name: str
    outcome: Outcome
    latency_ms: float = 0.0
    detail: str = ""
    error: str | None = None
    http_status: int | None = None
    body_excerpt: str | None = None

    @property
    def failed(self) -> bool:
        """Whether this check failed (a skipped check is not a failure in itself)."""
        return self.outcome == "failed"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; absent facts are left out rather than written as null."""
        data: dict[str, Any] = {
            "name": self.name,
            "outcome": self.outcome,
            "latency_ms": round(self.latency_ms, 2),
        }
        if self.detail:
            data["detail"] = self.detail
        for key in ("error", "http_status", "body_excerpt"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    @classmethod
    def from_dict(cls, data: object) -> "CheckResult":
        """Read one check back from its JSON form.

        Raises:
            TypeError, ValueError, KeyError: when it is not a check (the report's reader
                turns them into one line).
        """
        if not isinstance(data, Mapping):
            msg = f"a check must be an object, got {json_kind(data)}"
            raise TypeError(msg)
        outcome = data.get("outcome")
        if outcome not in {"passed", "failed", "skipped"}:
            msg = f"a check has no valid outcome (passed, failed or skipped): {outcome!r}"
            raise ValueError(msg)
        status, error, body = (data.get(key) for key in ("http_status", "error", "body_excerpt"))
        return cls(
            name=str(data["name"]),
            outcome=outcome,
            latency_ms=float(data.get("latency_ms", 0.0)),
            detail=str(data.get("detail", "")),
            error=None if error is None else str(error),
            http_status=None if status is None else int(status),
            body_excerpt=None if body is None else str(body),
        )


def passed(name: str, latency_ms: float, detail: str = "") -> CheckResult:
    """A check that passed."""
    return CheckResult(name, "passed", latency_ms, detail)


def failed(
    name: str,
    latency_ms: float,
    error: str,
    *,
    http_status: int | None = None,
    body: str | None = None,
) -> CheckResult:
    """A check that failed, with what came back (status and the start of the body)."""
    return CheckResult(
        name,
        "failed",
        latency_ms,
        error=error,
        http_status=http_status,
        body_excerpt=None if body is None else excerpt(body),
    )


def skipped(name: str, reason: str) -> CheckResult:
    """A check that could not run because an earlier one failed."""
    return CheckResult(name, "skipped", detail=reason)


@dataclass(frozen=True, slots=True)
class SmokeReport:
    """Every check of one run against one target, in the order they ran."""

    target: str
    checks: tuple[CheckResult, ...]
    startup_seconds: float | None = None
    duration_seconds: float = 0.0
    timeout_seconds: float | None = None
    server: dict[str, str] = field(default_factory=dict)
    tools: tuple[str, ...] = ()
    logs: str = ""
    health: str = ""  # what told health: the health path, or MCP itself

    @property
    def passed(self) -> bool:
        """A run passes when it ran at least one check and none failed."""
        return bool(self.checks) and not any(check.failed for check in self.checks)

    @property
    def failed_checks(self) -> list[str]:
        """Names of the failed checks, in order: what a one-line summary names."""
        return [check.name for check in self.checks if check.failed]

    def summary(self) -> str:
        """One line: PASSED with the timing, or FAILED naming the checks and first error.

        It goes through the one text rule (scrubbed, one line, cut) like every string
        for people: it is the line CI logs keep, and an error may quote a URL's password.
        """
        return clip(self._verdict(), SUMMARY_LIMIT)

    def _verdict(self) -> str:
        if self.passed:
            startup = (
                ""
                if self.startup_seconds is None
                else f", ready after {self.startup_seconds:.2f} s"
            )
            return f"smoke test PASSED: {len(self.checks)} checks{startup}"
        first = next((c for c in self.checks if c.failed), None)
        if first is None:
            return "smoke test FAILED: no check ran"
        return f"smoke test FAILED: {', '.join(self.failed_checks)} ({first.name}: {first.error})"

    def with_start(self, seconds: float, check: CheckResult) -> "SmokeReport":
        """This report with the service start in front: start time counts as startup."""
        startup = seconds + (self.startup_seconds or 0.0) if not check.failed else None
        return replace(self, checks=(check, *self.checks), startup_seconds=startup)

    def with_logs(self, logs: str) -> "SmokeReport":
        """This report with the service's logs attached (kept for failures only)."""
        return replace(self, logs=logs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by the command line, every string scrubbed."""
        data: dict[str, Any] = {
            "target": self.target,
            "passed": self.passed,
            "summary": self.summary(),
            "failed_checks": self.failed_checks,
            "startup_seconds": None
            if self.startup_seconds is None
            else round(self.startup_seconds, 3),
            "duration_seconds": round(self.duration_seconds, 3),
            "timeout_seconds": self.timeout_seconds,
            "server": dict(self.server),
            "tools": list(self.tools),
            "health": self.health,
            "checks": [check.to_dict() for check in self.checks],
        }
        if self.logs:
            data["logs"] = self.logs
        return cast("dict[str, Any]", scrub_values(data))

    def to_json(self) -> str:
        """The report as indented JSON."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> "SmokeReport":
        """Read a report printed by the command line, or kept in a file.

        Whatever the text holds (a crash message, bytes that are not UTF-8, JSON of the
        wrong shape), a reader gets one bounded line, never a traceback.

        Raises:
            PipelineError: ``not a smoke report: ...`` when the text is not one.
        """
        return cls.from_dict(json_object(text, WHAT))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SmokeReport":
        """A report from its JSON form already parsed (e.g. inside a deploy result).

        Raises:
            PipelineError: ``not a smoke report: ...`` when it is not one.
        """
        with reading(WHAT):
            return cls._from_dict(data)

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> "SmokeReport":
        checks = data["checks"]
        if not isinstance(checks, list):
            msg = f"checks must be a list, got {json_kind(checks)}"
            raise TypeError(msg)
        server = data.get("server") or {}
        if not isinstance(server, Mapping):
            msg = f"server must be an object, got {json_kind(server)}"
            raise TypeError(msg)
        startup, timeout = data.get("startup_seconds"), data.get("timeout_seconds")
        return cls(
            target=str(data.get("target", "")),
            checks=tuple(CheckResult.from_dict(check) for check in checks),
            startup_seconds=None if startup is None else float(startup),
            duration_seconds=float(data.get("duration_seconds", 0.0)),
            timeout_seconds=None if timeout is None else float(timeout),
            server={str(k): str(v) for k, v in server.items()},
            tools=strings(data.get("tools") or [], "tools"),
            logs=str(data.get("logs", "")),
            health=str(data.get("health", "")),
        )
