"""The deployment history a staging host keeps about itself.

It lives on the host (one JSON object per line), not on the machine that deploys, so
that rollback works from any laptop or runner: whoever connects next reads what is
running and what ran before. A line that cannot be read is skipped rather than fatal,
because a half-written line after a crash must not block the next deployment.
"""

import json
import re
from dataclasses import asdict, dataclass
from typing import Literal

Action = Literal["deploy", "rollback", "auto-rollback"]
# What a deploy runs: an image by digest. A history line naming anything else was edited
# by hand and is skipped like an unreadable one: it can never be a rollback's target.
DIGEST_REFERENCE = re.compile(r"^[a-z0-9][a-z0-9._:/-]*@sha256:[0-9a-f]{64}$")
KEEP = 50  # lines kept on the host: enough to go back by hand, small enough to read at once


@dataclass(frozen=True, slots=True)
class Deployment:
    """One attempt to run an image on the host, and whether it ended healthy."""

    at: str  # UTC, ISO 8601
    image: str  # repository@sha256:... : what ran, exactly
    tag: str  # the tag it was asked for by, for people ("staging-latest", "sha-...")
    ref: str  # the git ref or revision behind it, when known
    action: Action
    healthy: bool
    by: str = ""  # who deployed: a runner, a laptop user
    config: str = ""  # the service description it ran with (the Compose file's revision)

    def to_line(self) -> str:
        """One JSON line, keys sorted so that the file diffs well."""
        return json.dumps(asdict(self), sort_keys=True)


def _entry(line: str) -> Deployment | None:
    try:
        line.encode("utf-8")  # undecodable bytes arrive as surrogates: not our writing
        data = json.loads(line)
    except (UnicodeEncodeError, json.JSONDecodeError, RecursionError):
        # RecursionError: a deeply nested line (json recurses per level); one bad line
        # must never block the host, so it is skipped like any unreadable one.
        return None
    if not isinstance(data, dict) or not DIGEST_REFERENCE.match(str(data.get("image", ""))):
        return None
    try:
        return Deployment(
            at=str(data["at"]),
            image=str(data["image"]),
            tag=str(data.get("tag", "")),
            ref=str(data.get("ref", "")),
            action=data["action"] if data.get("action") in _ACTIONS else "deploy",
            healthy=data["healthy"] is True,
            by=str(data.get("by", "")),
            config=_revision(data.get("config")),
        )
    except KeyError:
        return None


_ACTIONS = ("deploy", "rollback", "auto-rollback")
_REVISION = re.compile(r"^[0-9a-f]{12}$")


def _revision(value: object) -> str:
    """A Compose revision as the deploy writes it (12 hex digits), else none."""
    return value if isinstance(value, str) and _REVISION.match(value) else ""


@dataclass(frozen=True, slots=True)
class HistoryRead:
    """A history file as read: its readable entries, and how many lines were skipped."""

    entries: list[Deployment]
    skipped: int

    def note(self, where: str) -> str | None:
        """The note a deployment's result carries when lines were skipped, or None."""
        if not self.skipped:
            return None
        lines = "line" if self.skipped == 1 else "lines"
        return (
            f"{self.skipped} unreadable {lines} of {where} skipped (not UTF-8, not JSON, too "
            "deeply nested, or not a deployment): the next write of the history drops them"
        )


def read_history(text: str) -> HistoryRead:
    """The readable entries of a history file, oldest first, and the count of the others."""
    lines = [line for line in text.splitlines() if line.strip()]
    entries = [entry for entry in map(_entry, lines) if entry is not None]
    return HistoryRead(entries, len(lines) - len(entries))


def parse_history(text: str) -> list[Deployment]:
    """The readable entries of a history file, oldest first."""
    return read_history(text).entries


def render_history(entries: list[Deployment], keep: int = KEEP) -> str:
    """The history file's text: the newest ``keep`` entries, oldest first."""
    return "".join(entry.to_line() + "\n" for entry in entries[-keep:])


def current(entries: list[Deployment]) -> Deployment | None:
    """The last deployment that ended healthy: what should be running now."""
    return next((entry for entry in reversed(entries) if entry.healthy), None)


def before_current(entries: list[Deployment]) -> Deployment | None:
    """Where ``--rollback`` goes: one step back from what runs now, never a flip.

    The step starts at the deployment that first brought the current image (its last
    healthy ``deploy``; for an image only ever rolled back to, its last healthy entry)
    and takes the newest healthy entry of another image before it. So repeated
    rollbacks walk back through history (C, B, A) instead of flipping between the two
    newest images. An image once healthy stays a candidate after a failed attempt: that
    failure may have been its Compose file's, and a rollback runs it with its own.
    """
    now = current(entries)
    if now is None:
        return None
    deploys = [n for n, e in enumerate(entries) if e.image == now.image and e.healthy]
    firsts = [n for n in deploys if entries[n].action == "deploy"]
    anchor = (firsts or deploys)[-1]
    return next(
        (e for e in reversed(entries[:anchor]) if e.healthy and e.image != now.image),
        None,
    )


def chosen(entries: list[Deployment], to: str) -> Deployment:
    """The newest healthy deployment ``to`` names: a digest reference, a digest or a tag.

    Raises:
        ValueError: one line, when ``to`` runs now, is not in the history, or never
            ended healthy there.
    """
    named = [e for e in entries if to in (e.image, e.tag) or e.image.endswith("@" + to)]
    if not named:
        msg = f"no deployment of {to!r} in the host's history: give a digest or tag it lists"
        raise ValueError(msg)
    healthy = [e for e in named if e.healthy]
    if not healthy:
        msg = f"{to!r} never ended healthy on this host: it cannot be a rollback's target"
        raise ValueError(msg)
    now = current(entries)
    if now is not None and healthy[-1].image == now.image:
        msg = f"{to!r} is what runs now: nothing to roll back"
        raise ValueError(msg)
    return healthy[-1]
