"""The service's ``.trivyignore``: findings the team has looked at and accepted.

The plain-text format Trivy documents, read here because the policy is applied here:

- one vulnerability ID per line (``CVE-2024-12345``, ``GHSA-xxxx-xxxx-xxxx``...);
- ``#`` starts a comment, on its own line or after an ID; blank lines are skipped;
- ``exp:YYYY-MM-DD`` after the ID makes the entry expire: from that day (UTC) on the
  finding counts again, so an accepted risk is looked at again instead of forgotten.

Anything else after the ID (Trivy accepts nothing else) is refused, as is a malformed
date: a typo in an ignore file must not silently ignore or un-ignore a finding.
The YAML form (``.trivyignore.yaml``) is not read.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from main.core.errors import PipelineError

_EXPIRY: Final = re.compile(r"exp:(?P<day>\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True, slots=True)
class IgnoreRules:
    """The IDs to leave out, and the entries that have expired (for the report)."""

    ids: frozenset[str] = field(default_factory=frozenset)
    expired: tuple[str, ...] = ()

    def ignores(self, vulnerability_id: str) -> bool:
        """Whether a finding with this ID is left out."""
        return vulnerability_id in self.ids


def _expiry(token: str, where: str) -> date:
    match = _EXPIRY.fullmatch(token)
    if match is None:
        msg = (
            f"{where}: cannot read {token!r}; after the ID only 'exp:YYYY-MM-DD' "
            "or a '#' comment may follow"
        )
        raise PipelineError(msg)
    try:
        return date.fromisoformat(match["day"])
    except ValueError:
        msg = f"{where}: {match['day']!r} is not a calendar date (use exp:YYYY-MM-DD)"
        raise PipelineError(msg) from None


def parse_ignore_file(text: str, *, today: date, name: str = ".trivyignore") -> IgnoreRules:
    """Read a ``.trivyignore`` as of ``today`` (UTC): expired entries do not ignore.

    Raises:
        PipelineError: naming the line that cannot be read.
    """
    ids: set[str] = set()
    expired: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        identifier, *rest = line.split()
        where = f"{name} line {number}"
        if len(rest) > 1:
            msg = f"{where}: expected 'ID' or 'ID exp:YYYY-MM-DD', got {line!r}"
            raise PipelineError(msg)
        if rest and _expiry(rest[0], where) <= today:
            expired.append(identifier)
            continue
        ids.add(identifier)
    return IgnoreRules(ids=frozenset(ids), expired=tuple(expired))
