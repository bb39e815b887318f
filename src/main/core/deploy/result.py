"""What one deployment did: the outcome, every step with its time, and the live smoke tests.

A failed deployment is still a result, not only an exception: the caller must learn
what is running now (the old image after a rollback, or nothing), which is what a
person paged at night asks first. The JSON form is what ``python -m main.core.deploy``
prints and what the pipeline's report keeps.
"""

import json
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

from main.core.readback import (
    json_kind,
    json_object,
    optional_string_of,
    reading,
    string_of,
    strings,
)
from main.core.redact import scrub_values
from main.core.smoke.result import SmokeReport

Outcome = Literal["deployed", "rolled-back", "failed"]
WHAT = "deploy result"  # what a text that cannot be read back is not


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the deployment, timed: connect, lock, upload, pull, up, ready, smoke, ..."""

    name: str
    seconds: float
    ok: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The step as JSON."""
        return {
            "name": self.name,
            "seconds": round(self.seconds, 3),
            "ok": self.ok,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: object) -> "Step":
        """One step from its JSON form; a wrong shape raises for the reader's one line."""
        if not isinstance(data, dict):
            msg = f"a step must be an object, got {json_kind(data)}"
            raise TypeError(msg)
        return cls(
            name=str(data["name"]),
            seconds=float(data["seconds"]),
            ok=bool(data["ok"]),
            detail=str(data.get("detail", "")),
        )


@dataclass(frozen=True, slots=True)
class DeployReport:
    """The outcome of deploying (or rolling back) one image to one target.

    Named as ``SmokeReport`` is: the core's report, whose JSON the shell's Dagger
    object (``DeployResult``) carries.
    """

    outcome: Outcome
    target: str  # e.g. "deploy@stg.example:22, compose project mcp"
    url: str
    image: str  # what was asked for, by digest
    tag: str = ""
    previous: str | None = None  # what was running (healthy) before, by digest
    running: str | None = None  # what runs now, by digest; None: nothing
    error: str = ""  # one line: what failed; empty when deployed
    steps: tuple[Step, ...] = ()
    smoke: SmokeReport | None = None  # the live smoke test of ``image``
    rollback_smoke: SmokeReport | None = None  # the live smoke test after a rollback
    logs: str = ""  # the failed container's last lines
    rollback: bool = False  # a rollback asked for by hand (deploy --rollback)
    duration_seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    host_changed: bool = True  # False: refused before anything on the target changed
    running_unknown: bool = False  # lost connection, failed rollback: what runs is not known

    @property
    def passed(self) -> bool:
        """Deployed and healthy."""
        return self.outcome == "deployed"

    def seconds(self, step: str) -> float:
        """Total seconds of the steps with this name (0 when none ran)."""
        return sum(s.seconds for s in self.steps if s.name == step)

    def summary(self) -> str:
        """One line: what happened and what runs now."""
        what = "rollback" if self.rollback else "deploy"
        if not self.host_changed:
            return f"{what} FAILED: {self.error}; nothing on the target was changed"
        if self.outcome == "deployed":
            return f"{what} PASSED: {self.image} is live at {self.url}"
        if self.running_unknown:
            now = "what runs on the target now is unknown: look at the host before deploying again"
        elif self.running:
            now = f"{self.running} is running again"
        else:
            now = "nothing of this service is running"
        if self.outcome == "rolled-back":
            return f"{what} FAILED and rolled back: {self.error}; {now}"
        return f"{what} FAILED: {self.error}; {now}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, every string scrubbed of credentials."""
        data: dict[str, Any] = {
            "passed": self.passed,
            "outcome": self.outcome,
            "summary": self.summary(),
            "target": self.target,
            "url": self.url,
            "image": self.image,
            "tag": self.tag,
            "previous": self.previous,
            "running": self.running,
            "rolled_back": self.outcome == "rolled-back",
            "rollback": self.rollback,
            "error": self.error,
            "host_changed": self.host_changed,
            "running_unknown": self.running_unknown,
            "duration_seconds": round(self.duration_seconds, 3),
            "steps": [step.to_dict() for step in self.steps],
            "smoke": None if self.smoke is None else self.smoke.to_dict(),
            "rollback_smoke": None
            if self.rollback_smoke is None
            else self.rollback_smoke.to_dict(),
            "notes": list(self.notes),
        }
        if self.logs:
            data["logs"] = self.logs
        return cast("dict[str, Any]", scrub_values(data))

    def to_json(self) -> str:
        """The result as indented JSON."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> "DeployReport":
        """Read back what :meth:`to_json` wrote (scrubbed, so no secret comes back).

        A result file is data from wherever it was written: whatever it holds, a reader
        gets one bounded line, never a traceback.

        Raises:
            PipelineError: when the text is not a deploy result.
        """
        data = json_object(text, WHAT)
        with reading(WHAT):
            if data["outcome"] not in get_args(Outcome):
                msg = f"unknown outcome {data['outcome']!r}"
                raise ValueError(msg)
            return cls(
                outcome=data["outcome"],
                target=string_of(data["target"], "target"),
                url=string_of(data["url"], "url"),
                image=string_of(data["image"], "image"),
                tag=string_of(data.get("tag", ""), "tag"),
                previous=optional_string_of(data.get("previous"), "previous"),
                running=optional_string_of(data.get("running"), "running"),
                error=string_of(data.get("error", ""), "error"),
                steps=tuple(Step.from_dict(step) for step in data.get("steps", ())),
                smoke=_smoke(data.get("smoke")),
                rollback_smoke=_smoke(data.get("rollback_smoke")),
                logs=string_of(data.get("logs", ""), "logs"),
                rollback=bool(data.get("rollback", False)),
                duration_seconds=float(data.get("duration_seconds", 0.0)),
                notes=strings(data.get("notes", []), "notes"),
                host_changed=bool(data.get("host_changed", True)),
                running_unknown=bool(data.get("running_unknown", False)),
            )


def _smoke(data: object) -> SmokeReport | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        msg = f"a smoke report must be an object, got {type(data).__name__}"
        raise TypeError(msg)
    return SmokeReport.from_dict(data)
