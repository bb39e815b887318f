"""Promote a staging image to production, or roll ``staging-latest`` back, by manifest.

Both are tag moves inside one repository: the manifest bytes of the source are put
under the target tags, so the digest is identical and no layer moves. Everything is
read and checked before the first write (source exists, version known, no released
version overwritten, target exists), so a mistake leaves the registry as it was.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus

from main.core.errors import PipelineError
from main.core.labels import REVISION as REVISION_LABEL
from main.core.labels import VERSION as VERSION_LABEL
from main.core.precedence import Held, held_back
from main.core.registry.client import Registry, RegistryError
from main.core.registry.manifests import Manifest
from main.core.registry.retention import rollback_target, staging_history
from main.core.tags import (
    PRODUCTION_LATEST,
    STAGING_LATEST,
    parse_staging_tag,
    production_tags,
    release_aliases,
)


@dataclass(frozen=True, slots=True)
class TagMove:
    """One tag and the digest it pointed to before (``None``: the tag is new)."""

    tag: str
    before: str | None
    after: str

    def describe(self) -> str:
        """One line: what the tag was, and what it is now."""
        if self.before == self.after:
            return f"  {self.tag}: already {self.after}, unchanged"
        was = f"was {self.before}" if self.before else "new"
        return f"  {self.tag} -> {self.after} ({was})"


@dataclass(frozen=True, slots=True)
class Promotion:
    """What ``promote`` did: the image, where its version came from, the tags it moved."""

    repository: str
    source_tag: str
    digest: str
    version: str
    version_from: str
    moves: list[TagMove] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)

    def summary(self) -> str:
        """A readable account for the terminal and the job summary."""
        lines = [
            f"promoted {self.repository}:{self.source_tag} ({self.digest}) to production",
            f"version {self.version} (from {self.version_from}); re-tagged, no layer moved",
            *(move.describe() for move in self.moves),
            *(f"  {held.describe()}" for held in self.held),
        ]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Rollback:
    """What ``rollback`` did to ``staging-latest``."""

    repository: str
    move: TagMove
    from_tag: str | None
    to_tag: str

    def summary(self) -> str:
        """A readable account for the terminal and the job summary."""
        if self.move.before == self.move.after:
            return (
                f"{self.repository}:{STAGING_LATEST} already points to {self.to_tag} "
                f"({self.move.after}); nothing moved"
            )
        was = f"{self.from_tag} ({self.move.before})" if self.from_tag else str(self.move.before)
        return (
            f"rolled back {self.repository}:{STAGING_LATEST} to {self.to_tag}\n"
            f"  {STAGING_LATEST} -> {self.move.after} (was {was})"
        )


async def tags_or_none(registry: Registry, repo: str) -> list[str]:
    """Every tag of ``repo``; none for a repository not pushed to yet (its first release).

    What ``ci`` reads, once, to know which releases are already there before it moves
    ``latest``. Any other failure is raised: moving ``latest`` blind could move it back.
    """
    try:
        return await registry.tags(repo)
    except RegistryError as exc:
        if exc.status == HTTPStatus.NOT_FOUND:
            return []
        raise


async def _existing_tags(registry: Registry, repo: str, wanted: str) -> list[str]:
    tags = await registry.tags(repo)
    if wanted not in tags:
        newest = [s.tag for s in staging_history(tags)][-5:]
        hint = ", ".join(reversed(newest)) or "none"
        msg = f"{repo}:{wanted} does not exist; newest staging tags: {hint}"
        raise PipelineError(msg)
    return tags


async def _version_and_sha(
    registry: Registry, repo: str, source_tag: str, digest: str, tags: list[str]
) -> tuple[str, str, str]:
    """Version and commit from the image's OCI labels, else from a staging tag's name."""
    labels = await registry.labels(repo, digest)
    version, sha = labels.get(VERSION_LABEL), labels.get(REVISION_LABEL)
    if version and sha:
        return version, sha, f"label {VERSION_LABEL}"
    names = [source_tag] if parse_staging_tag(source_tag) else []
    if not names:
        staging = [s.tag for s in staging_history(tags)]
        digests = await registry.digests(repo, staging)
        names = [tag for tag in reversed(staging) if digests[tag] == digest]
    parsed = parse_staging_tag(names[0]) if names else None
    if parsed is None:
        msg = (
            f"{repo}:{source_tag} has no {VERSION_LABEL} label and no timestamped staging tag "
            "points to it: promote a timestamped staging tag, or build with OCI labels"
        )
        raise PipelineError(msg)
    source = f"label {VERSION_LABEL}" if version else f"tag {parsed.tag}"
    return version or parsed.version, sha or parsed.sha7, source


async def promote(  # noqa: PLR0913 - the options of a promotion, keyword-only
    registry: Registry,
    repo: str,
    source_tag: str = STAGING_LATEST,
    *,
    force: bool = False,
    expect_digest: str | None = None,
    aliases: bool = False,
) -> Promotion:
    """Give the image at ``source_tag`` the production tags of its version.

    Production tags are ``latest``, the version and the commit (``production_tags``;
    a pre-release gets no ``latest``). With ``aliases`` (the ``tag-aliases`` setting) a
    final release also moves ``major.minor`` and ``major``. ``latest`` and the aliases
    never move backwards: each moves only when no newer release it covers is among the
    repository's tags (``core.precedence``; the summary names each one held). A version
    or commit tag already on a different image is refused unless ``force``, since that
    would silently replace a release. With
    ``expect_digest`` the tag must still name that image (the one a caller scanned).

    Raises:
        PipelineError: for a missing tag, unknown version, or a release in the way,
            before anything is written. Should a write itself fail part-way, the tags
            already replaced are put back and the error says what remains.
    """
    async with registry:  # one client for every request of the promotion
        return await _promote(
            registry, repo, source_tag, force=force, expect_digest=expect_digest, aliases=aliases
        )


async def _promote(  # noqa: PLR0913 - promote's options, passed through
    registry: Registry,
    repo: str,
    source_tag: str,
    *,
    force: bool,
    expect_digest: str | None,
    aliases: bool,
) -> Promotion:
    tags = await _existing_tags(registry, repo, source_tag)
    manifest = await registry.manifest(repo, source_tag)
    if expect_digest is not None and manifest.digest != expect_digest:
        msg = (
            f"{repo}:{source_tag} moved to {manifest.digest} after {expect_digest} was checked: "
            "nothing was promoted; run promote again"
        )
        raise PipelineError(msg)
    version, sha, version_from = await _version_and_sha(
        registry, repo, source_tag, manifest.digest, tags
    )
    held = held_back(version, tags, aliases=aliases)
    stays = {h.tag for h in held}
    targets = [t for t in production_tags(version, sha, aliases=aliases) if t not in stays]
    moving = {PRODUCTION_LATEST, *(release_aliases(version) if aliases else ())}
    before = await registry.digests(repo, [t for t in targets if t in tags])
    clashes = [
        f"{tag} ({digest})"
        for tag, digest in before.items()
        if tag not in moving and digest != manifest.digest
    ]
    if clashes and not force:
        msg = (
            f"{repo}: {', '.join(clashes)} already point to a different image than "
            f"{source_tag} ({manifest.digest}): bump the version, or force to replace a release"
        )
        raise PipelineError(msg)
    # Kept so that a failure part-way can put replaced tags back exactly.
    previous = await registry.manifests(repo, {d for d in before.values() if d != manifest.digest})
    moves: list[TagMove] = []
    # Version and commit first, `latest` last: a failure part-way never leaves `latest`
    # on an image whose version tag is missing. (A pre-release has no `latest` to move.)
    order = sorted(targets, key=lambda tag: tag == PRODUCTION_LATEST)
    try:
        for tag in order:
            if before.get(tag) != manifest.digest:
                await registry.put_manifest(repo, tag, manifest)
            moves.append(TagMove(tag, before.get(tag), manifest.digest))
    except PipelineError as exc:
        undone = await _undo(registry, repo, moves, previous, exc)
        msg = f"{undone}; {await read_back(registry, repo, targets)}"
        raise PipelineError(msg) from None
    return Promotion(repo, source_tag, manifest.digest, version, version_from, moves, held)


async def _undo(
    registry: Registry,
    repo: str,
    moves: list[TagMove],
    previous: dict[str, Manifest],
    failure: PipelineError,
) -> PipelineError:
    """Put replaced tags back after a failed write; say what could not be undone.

    A tag that did not exist before cannot be removed through the OCI API without
    deleting the image itself, so it is named instead.
    """
    restored, left, stuck = [], [], []
    for move in moves:
        if move.before == move.after:
            continue
        if move.before is None:
            left.append(move.tag)
            continue
        try:
            await registry.put_manifest(repo, move.tag, previous[move.before])
            restored.append(move.tag)
        except PipelineError:
            stuck.append(f"{move.tag} (was {move.before})")
    parts = [f"{failure}; promote stopped"]
    parts.append(f"put back: {', '.join(restored)}" if restored else "nothing to put back")
    if left:
        parts.append(f"new tags left on the image: {', '.join(left)}")
    if stuck:
        parts.append(f"could not put back: {', '.join(stuck)}")
    return PipelineError("; ".join(parts))


async def read_back(registry: Registry, repo: str, tags: Sequence[str]) -> str:
    """Where ``tags`` really point now, read after a failed write: the words for it.

    A registry (or a proxy before it) may apply a write and still answer with an error,
    so what the writes meant to do says nothing: only reading the tags back does. Each
    tag is read on its own, so a tag that was never written (``not there``) does not
    hide the ones that were.
    """
    states = [await _where(registry, repo, tag) for tag in tags]
    if not any(known for _, known in states):
        why = states[0][0].partition(": unknown ")[2] if states else ""
        return f"could not read the tags back {why}: check {', '.join(tags)} by hand"
    return "now: " + ", ".join(state for state, _ in states)


async def _where(registry: Registry, repo: str, tag: str) -> tuple[str, bool]:
    """``tag -> digest`` or ``tag: not there``; else why not, and False (unknown)."""
    try:
        return f"{tag} -> {await registry.digest(repo, tag)}", True
    except RegistryError as exc:
        if exc.status == HTTPStatus.NOT_FOUND:
            return f"{tag}: not there", True
        return f"{tag}: unknown ({exc})", False


async def rollback(registry: Registry, repo: str, to: str | None = None) -> Rollback:
    """Point ``staging-latest`` at ``to``, or at the deployment before the current one.

    Raises:
        PipelineError: when ``staging-latest`` or the target does not exist, or there
            is nothing earlier; raised before anything is written.
    """
    async with registry:  # one client for every request of the rollback
        return await _rollback(registry, repo, to)


async def _rollback(registry: Registry, repo: str, to: str | None) -> Rollback:
    tags = await registry.tags(repo)
    staging = [s.tag for s in staging_history(tags)]
    known = [STAGING_LATEST] if STAGING_LATEST in tags else []
    digests = await registry.digests(repo, [*known, *staging])
    try:
        choice = rollback_target(digests, to)
    except PipelineError as exc:
        msg = f"{repo}: {exc}"
        raise PipelineError(msg) from None
    move = TagMove(STAGING_LATEST, choice.current_digest, choice.target_digest)
    if choice.moves:
        # By digest, not by tag: exactly the image that was checked, even if the tag
        # moved meanwhile.
        target = await registry.manifest(repo, choice.target_digest)
        try:
            written = await registry.put_manifest(repo, STAGING_LATEST, target)
        except PipelineError as exc:
            state = await read_back(registry, repo, [STAGING_LATEST])
            msg = f"{exc}; rollback stopped; {state} (wanted {choice.target_digest})"
            raise PipelineError(msg) from None
        move = TagMove(STAGING_LATEST, choice.current_digest, written)
    return Rollback(repo, move, choice.current_tag, choice.target_tag)


async def restore_staging_latest(
    registry: Registry, repo: str, digest: str, *, replacing: str
) -> TagMove | None:
    """Point ``staging-latest`` back at ``digest`` after a failed deployment of ``replacing``.

    Only when ``staging-latest`` still names the failed image: if a newer run moved it
    meanwhile, that run's choice stands and nothing is written (None).
    """
    async with registry:  # one client for the read, the check and the write
        now = await registry.digest(repo, STAGING_LATEST)
        if now != replacing:
            return None
        written = await registry.put_manifest(
            repo, STAGING_LATEST, await registry.manifest(repo, digest)
        )
    return TagMove(STAGING_LATEST, now, written)
