"""Which staging image to roll back to, and which ones retention may delete.

Pure decisions over a snapshot of the repository (every tag and the digest it points
to), so they are tested exhaustively without a registry. Two facts of registries shape
them: deleting is by digest and removes every tag on that digest, and several tags can
share a digest. So a digest is deleted only when every tag on it is up for deletion,
and nothing that ``staging-latest`` or any production tag points to is ever touched.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from main.core.errors import PipelineError
from main.core.tags import STAGING_LATEST, StagingTag, parse_staging_tag

_AGE_PART = re.compile(r"([0-9]+)([smhdw])")  # ASCII digits: \d takes any script's
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


MAX_AGE = timedelta(days=3650)  # ten years: anything longer is a typo


def parse_age(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m``, ``2w``, ``90s`` or combinations such as ``1d12h``.

    Raises:
        PipelineError: for anything else.
    """
    compact = text.strip().lower().replace(" ", "")
    if not compact or _AGE_PART.sub("", compact):
        msg = f"{text!r} is not an age: write it like 7d, 12h, 30m, 2w or 1d12h"
        raise PipelineError(msg)
    age = timedelta()
    try:
        for number, unit in _AGE_PART.findall(compact):
            age += timedelta(**{_UNITS[unit]: int(number)})
    except (OverflowError, ValueError):  # ValueError: int() refuses 4300 digits and more
        age = timedelta.max
    if age > MAX_AGE:
        msg = f"{text!r} is longer than {MAX_AGE.days // 365} years: write a shorter age"
        raise PipelineError(msg)
    return age


def staging_history(tags: Iterable[str]) -> list[StagingTag]:
    """The timestamped staging tags among ``tags`` (names, or a tag mapping), oldest first."""
    return sorted(parsed for tag in tags if (parsed := parse_staging_tag(tag)) is not None)


def _newest(history: list[StagingTag], count: int = 5) -> str:
    names = [staged.tag for staged in reversed(history[-count:])]
    return ", ".join(names) if names else "none"


@dataclass(frozen=True, slots=True)
class RollbackChoice:
    """Where ``staging-latest`` points now, and where rollback will point it."""

    current_digest: str
    current_tag: str | None
    target_tag: str
    target_digest: str

    @property
    def moves(self) -> bool:
        """Whether the rollback changes anything at all."""
        return self.current_digest != self.target_digest


def rollback_target(tags: Mapping[str, str], to: str | None = None) -> RollbackChoice:
    """Pick the staging tag ``staging-latest`` should point to after a rollback.

    ``tags`` maps every tag of the repository to its digest. With ``to``, that
    timestamped staging tag. Without, the deployment before the current one: the
    newest staging tag older than the newest one carrying ``staging-latest``'s digest
    and pointing to a different image (a rebuild of the same image is no rollback).

    Raises:
        PipelineError: when ``staging-latest`` or the target is missing or ambiguous.
    """
    current = tags.get(STAGING_LATEST)
    if current is None:
        msg = f"there is no {STAGING_LATEST} tag: nothing has been deployed to roll back"
        raise PipelineError(msg)
    history = staging_history(tags)
    carrying = [staged for staged in history if tags[staged.tag] == current]
    current_tag = carrying[-1].tag if carrying else None
    if to:
        if parse_staging_tag(to) is None:
            msg = (
                f"{to!r} is not a timestamped staging tag "
                "(staging-v{version}-{YYYYMMDD-HHMMSS}-{sha7}); newest: " + _newest(history)
            )
            raise PipelineError(msg)
        if to not in tags:
            msg = f"staging tag {to!r} does not exist; newest staging tags: {_newest(history)}"
            raise PipelineError(msg)
        return RollbackChoice(current, current_tag, to, tags[to])
    if not carrying:
        msg = (
            f"{STAGING_LATEST} points to {current}, which no timestamped staging tag carries: "
            f"name the target; newest staging tags: {_newest(history)}"
        )
        raise PipelineError(msg)
    earlier = [s for s in history if s < carrying[-1] and tags[s.tag] != current]
    if not earlier:
        msg = f"no staging deployment before {current_tag} to roll back to"
        raise PipelineError(msg)
    target = earlier[-1].tag
    return RollbackChoice(current, current_tag, target, tags[target])


@dataclass(frozen=True, slots=True)
class PrunePlan:
    """What retention deletes, what it keeps, and why old tags survive."""

    delete: dict[str, list[str]] = field(default_factory=dict)
    """Digest to delete, with the (expired staging) tags that go with it."""
    kept: list[str] = field(default_factory=list)
    """Staging tags kept by the policy (newest N, or newer than the age)."""
    spared: dict[str, str] = field(default_factory=dict)
    """Expired staging tags that stay, with the reason (a protected digest)."""
    protected: dict[str, list[str]] = field(default_factory=dict)
    """Digest that must survive, with the tags that point to it."""


def prune_plan(
    tags: Mapping[str, str],
    *,
    keep: int,
    newer_than: timedelta | None,
    now: datetime,
) -> PrunePlan:
    """Decide which digests to delete under the retention policy.

    Kept: the ``keep`` newest timestamped staging tags and every one built after
    ``now - newer_than``. Every other tag (``staging-latest``, ``latest``, versions,
    shas, anything unknown) protects its digest. An expired staging tag is deleted only
    when its digest is not protected, since deleting a digest removes all its tags.

    Raises:
        PipelineError: for a negative ``keep``.
    """
    if keep < 0:
        msg = f"--keep must be 0 or more, got {keep}"
        raise PipelineError(msg)
    history = list(reversed(staging_history(tags)))  # newest first
    cutoff = now - newer_than if newer_than is not None else None
    kept = [
        staged.tag
        for index, staged in enumerate(history)
        if index < keep or (cutoff is not None and staged.built_at > cutoff)
    ]
    expired = [staged.tag for staged in history if staged.tag not in kept]
    protected: dict[str, list[str]] = {}
    for tag, digest in tags.items():
        if tag not in expired:
            protected.setdefault(digest, []).append(tag)
    plan = PrunePlan(kept=kept, protected=protected)
    for tag in expired:
        digest = tags[tag]
        if digest in protected:
            plan.spared[tag] = f"{digest} is also {', '.join(sorted(protected[digest]))}"
        else:
            plan.delete.setdefault(digest, []).append(tag)
    return plan


def spare_needed(plan: PrunePlan, needed: Mapping[str, str]) -> PrunePlan:
    """``plan`` without the digests a surviving index still needs.

    ``needed`` maps a digest to the index that needs it (the closure of every surviving
    tag's manifest: its children, their children). Deleting such a digest would leave
    ``latest`` or ``staging-latest`` pointing at a broken index, so its tags are spared.
    """
    delete: dict[str, list[str]] = {}
    spared = dict(plan.spared)
    for digest, tags in plan.delete.items():
        if digest in needed:
            for tag in tags:
                spared[tag] = f"{digest} is a child of {needed[digest]}, which is kept"
        else:
            delete[digest] = tags
    return PrunePlan(delete=delete, kept=plan.kept, spared=spared, protected=plan.protected)


def orphaned_children(
    deleted: Mapping[str, list[str]], protected: Mapping[str, list[str]]
) -> list[str]:
    """Child manifests of deleted indexes that no surviving manifest still needs.

    ``deleted`` and ``protected`` map a manifest digest to its children (empty for a
    single image). On GHCR each child is a package version of its own that stays
    behind unless deleted; a child shared with a surviving index must stay.
    """
    needed = set(protected) | {child for children in protected.values() for child in children}
    orphans: list[str] = []
    for children in deleted.values():
        orphans.extend(c for c in children if c not in needed and c not in deleted)
    return list(dict.fromkeys(orphans))
