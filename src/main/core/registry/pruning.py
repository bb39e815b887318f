"""Prune old staging images under the retention policy, on any registry.

The decision is :func:`main.core.registry.retention.prune_plan`; this reads the snapshot it
decides on (every tag and its digest, the children of every index) and carries it
out through a :class:`Deleter`: the OCI API on most registries, GitHub's package API
on GHCR. Child manifests of a deleted index go too unless a surviving image uses them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from main.core.registry.client import Registry, RegistryError
from main.core.registry.manifests import Manifest
from main.core.registry.retention import PrunePlan, orphaned_children, prune_plan, spare_needed

MAX_INDEX_DEPTH = 4  # an index of indexes of indexes is already unusual


class Deleter(Protocol):
    """Deletes manifests of a repository by digest, in the order given."""

    async def delete(self, repo: str, digests: Sequence[str]) -> None:
        """Delete every digest, or raise before the first one if any is unknown."""


@dataclass(frozen=True, slots=True)
class OciDeleter:
    """Deletes through the OCI distribution API: ``DELETE /v2/REPO/manifests/DIGEST``."""

    registry: Registry

    async def delete(self, repo: str, digests: Sequence[str]) -> None:
        """Delete each manifest; the registry removes every tag on it.

        Raises:
            RegistryError: naming what was already deleted when one deletion fails.
        """
        for done, digest in enumerate(digests):
            try:
                await self.registry.delete(repo, digest)
            except RegistryError as exc:
                gone = ", ".join(digests[:done]) or "nothing"
                msg = f"{exc}; deleted before the failure: {gone}"
                raise RegistryError(msg, exc.status) from None


@dataclass(frozen=True, slots=True)
class Pruning:
    """What ``prune_staging`` deleted (or, in a dry run, would delete) and kept."""

    repository: str
    plan: PrunePlan
    children: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def digests(self) -> list[str]:
        """Every digest that goes: images and indexes first, then orphaned children."""
        return [*self.plan.delete, *self.children]

    def summary(self) -> str:
        """A readable account for the terminal and the job summary."""
        verb = "would delete" if self.dry_run else "deleted"
        lines = [f"{self.repository}: {verb} {len(self.digests)} manifest(s)"]
        for digest, tags in self.plan.delete.items():
            lines.append(f"  {verb} {digest} ({', '.join(tags)})")
        lines.extend(f"  {verb} {child} (child of a deleted index)" for child in self.children)
        lines.append(f"kept {len(self.plan.kept)} staging tag(s): {', '.join(self.plan.kept)}")
        lines.extend(f"  spared {tag}: {why}" for tag, why in self.plan.spared.items())
        return "\n".join(lines)


async def _needed_by(
    registry: Registry, repo: str, surviving: Mapping[str, Manifest], known: Mapping[str, Manifest]
) -> dict[str, str]:
    """Every manifest a surviving manifest needs, however deep: child digest -> its index.

    The kept set of a prune is this closure, not just the digests tags name: a child of
    the index behind ``latest`` may also be an old staging tag's whole image. Only a
    child that may be an index itself is read (``known`` holds those already read).
    """
    needed: dict[str, str] = {}
    frontier = dict(surviving)
    for _ in range(MAX_INDEX_DEPTH):
        wanted = {
            child: parent
            for parent, manifest in frontier.items()
            for child in manifest.children()
            if child not in needed and child not in surviving
        }
        if not wanted:
            break
        needed |= wanted
        maybe = {c for m in frontier.values() for c in m.possible_index_children()} & set(wanted)
        read = await registry.manifests(repo, [c for c in maybe if c not in known])
        nested = {c: known[c] for c in maybe if c in known} | read
        frontier = {digest: manifest for digest, manifest in nested.items() if manifest.is_index}
    return needed


async def prune_staging(  # noqa: PLR0913 - the policy's knobs, all keyword-only
    registry: Registry,
    repo: str,
    deleter: Deleter,
    *,
    keep: int,
    newer_than: timedelta | None,
    now: datetime,
    dry_run: bool = False,
) -> Pruning:
    """Delete the staging images the retention policy lets go; ``dry_run`` only lists.

    Raises:
        PipelineError: for a bad policy or a registry failure while reading, before
            anything is deleted.
    """
    async with registry:  # one client for every request of the prune
        return await _prune(
            registry, repo, deleter, keep=keep, newer_than=newer_than, now=now, dry_run=dry_run
        )


async def _prune(  # noqa: PLR0913 - prune_staging's arguments, passed on
    registry: Registry,
    repo: str,
    deleter: Deleter,
    *,
    keep: int,
    newer_than: timedelta | None,
    now: datetime,
    dry_run: bool,
) -> Pruning:
    """Read the snapshot (the tag list, then each tag's manifest once), decide, act."""
    tags = await registry.tags(repo)
    by_tag = await registry.manifests(repo, tags)
    manifests = {manifest.digest: manifest for manifest in by_tag.values()}
    digests = {tag: manifest.digest for tag, manifest in by_tag.items()}
    plan = prune_plan(digests, keep=keep, newer_than=newer_than, now=now)
    surviving = {d: manifests[d] for d in plan.protected}
    needed = await _needed_by(registry, repo, surviving, manifests)
    plan = spare_needed(plan, needed)
    kept = {d: manifests[d].children() for d in plan.protected}
    kept |= {d: [] for d in needed}
    children = orphaned_children(
        {digest: manifests[digest].children() for digest in plan.delete}, kept
    )
    pruning = Pruning(repo, plan, children, dry_run)
    if not dry_run and pruning.digests:
        await deleter.delete(repo, pruning.digests)
    return pruning
