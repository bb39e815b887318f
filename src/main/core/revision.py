"""Which commit an image is built from, and when that commit was made.

Labels and staging tags both need the commit sha and its time. The time is the
*commit* time, never "now": the same commit then gives the same labels and tags, so
the engine rebuilds an unchanged commit from its cache and a re-run of a deployment
points at the same image.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from main.core.errors import PipelineError

# `git log -1 --format=...` prints the full sha and the committer time in Unix seconds.
GIT_LOG_FORMAT = "%H %ct"
_LOG_LINE = re.compile(r"(?P<sha>[0-9a-f]{40}|[0-9a-f]{64}) (?P<seconds>-?\d+)")

# Why there is no history, and what to do: the end of every such refusal.
NO_HISTORY = (
    "the source has no .git folder (a plain folder, an archive, a worktree or a submodule): "
    "pass --repo with the repository's path or URL"
)


# What `git check-ref-format` refuses anywhere in a name: control characters, space,
# ~ ^ : ? * [ \, a "..", an "@{" or a "//". (Unicode and shell characters are fine.)
_REF_REFUSED = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")


def git_ref_problem(ref: str) -> str | None:
    """Why git would not take ``ref`` as a branch, tag or sha; None when it would.

    git's own ``check-ref-format`` rules (one-level names allowed, as ``--ref main``
    is), plus no leading ``-``: such a "ref" would reach git in the engine as an option.
    """
    if not ref or ref.startswith("-"):
        return "a ref is a branch, tag or commit name, never empty or starting with -"
    if _REF_REFUSED.search(ref) or ref == "@":
        return "git refuses control characters, space, ~ ^ : ? * [ \\, '..', '@{' and '//'"
    if ref.startswith("/") or ref.endswith(("/", ".")):
        return "git refuses a leading or trailing '/' and a trailing '.'"
    if any(part.startswith(".") or part.endswith(".lock") for part in ref.split("/")):
        return "git refuses a part starting with '.' or ending in '.lock'"
    return None


@dataclass(frozen=True, slots=True)
class Revision:
    """A commit: its full sha and its committer time in UTC."""

    sha: str
    committed_at: datetime


def parse_git_log(output: str) -> Revision:
    """Read the line that ``git log -1 --format='%H %ct'`` printed.

    Raises:
        PipelineError: when the output is not one such line (no commit, or not git).
    """
    line = output.strip()
    match = _LOG_LINE.fullmatch(line)
    if match is None:
        msg = f"cannot read the commit from git's output {line[:200]!r}: is the ref a commit?"
        raise PipelineError(msg)
    try:
        committed_at = datetime.fromtimestamp(int(match["seconds"]), tz=UTC)
    except (ValueError, OverflowError, OSError):  # past year 9999, or past time_t
        msg = (
            f"commit {match['sha'][:12]} has a commit time of {match['seconds'][:24]} s, "
            "outside the years 1-9999 an image label can state: rewrite that commit's date"
        )
        raise PipelineError(msg) from None
    return Revision(sha=match["sha"], committed_at=committed_at)


def rfc3339(when: datetime) -> str:
    """``2025-10-15T14:30:52Z``: the form OCI's ``created`` label asks for, in UTC."""
    aware = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return f"{aware.year:04d}-" + aware.strftime("%m-%dT%H:%M:%SZ")  # %Y is unpadded < 1000
