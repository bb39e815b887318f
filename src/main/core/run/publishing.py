"""What a run may publish, and what it holds back and why.

Staging pushes its timestamped tag and then ``staging-latest`` only when every
blocking stage passed, the smoke tests included: an image that failed them gets no
tag at all, so the registry's staging history holds only deployments that passed and
a rollback can never choose a broken one (the image stays reproducible with
``dagger call serve --ref SHA``). Production pushes ``latest``, the version and the
sha at once, only for ``release/**`` and a clean run; ``latest`` (and an alias) only when
no newer release is already in the repository (``core.precedence``), so a hotfix of an
older line never takes ``latest`` back.
"""

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from main.core.errors import PipelineError
from main.core.precedence import Held, held_back
from main.core.publish import Published
from main.core.report.model import NO_CREDENTIALS, Publication, StageResult, Stopwatch
from main.core.run.names import PUBLISH, SMOKE_TEST
from main.core.run.sections import first_line, skipped
from main.core.run.stages import Image, Reach, ScanHandle, Stages
from main.core.run.target import Target
from main.core.tags import STAGING_LATEST
from main.core.triggers import publishes_production
from main.core.troubleshoot import push_advice, with_advice

if TYPE_CHECKING:
    from main.core.run.flow import Run

SMOKE_HOLD = "smoke tests failed: no staging tag names this image, staging-latest stays"
NOT_TIMESTAMPED = "the timestamped tag was not pushed"
UNORDERED = "could not read the repository's tags to order versions, nothing pushed"


def hold_back(run: "Run", target: Target, tags: Sequence[str], why: str, *stages: str) -> None:
    """Record that ``tags`` were not pushed and why; ``stages`` are skipped for it."""
    run.record(*(skipped(stage, why) for stage in stages))
    wanted = tuple(f"{target.repository}:{tag}" for tag in tags)
    run.update(publication=Publication(not_pushed=wanted, reason=why))


def staging_hold(run: "Run", image: object, reach: Reach) -> str:
    """Why no staging tag may be pushed in this run, or empty."""
    if run.failed(SMOKE_TEST):
        return SMOKE_HOLD
    why = run.blocker() or ("build failed" if image is None else "")
    if not why and not reach.can_push:
        return NO_CREDENTIALS
    return why


def production_hold(run: "Run", image: object, target: Target, reach: Reach) -> str:
    """Why the production tags may not be pushed in this run, or empty."""
    branches = target.service.config.branches.branches()
    if not publishes_production(target.ref, branches=branches):
        release, ref = branches.release_pattern, target.ref or "the working tree"
        return f"only {release} branches publish; {ref} does not"
    if not reach.can_push:
        return NO_CREDENTIALS
    return run.blocker() or ("build failed" if image is None else "")


async def push_stage(
    stages: Stages[Image, ScanHandle], name: str, image: Image, tags: Sequence[str]
) -> tuple[StageResult, list[Published]]:
    """Push ``tags`` (all at once); a failed push is a failed stage naming why."""
    clock = Stopwatch()
    try:
        published = list(await stages.push(image, tags))
    except PipelineError as exc:
        failure = first_line(exc)
        return clock.stage(name, "failed", with_advice(failure, push_advice(failure))), []
    return clock.stage(name, "passed", ", ".join(tags)), published


def references(published: Sequence[Published]) -> tuple[str, ...]:
    """``repo:tag@sha256:...`` of every pushed tag."""
    return tuple(str(item) for item in published)


async def publish_staging(  # noqa: PLR0913 - the run, its stages, and what to push where
    run: "Run",
    stages: Stages[Image, ScanHandle],
    image: Image | None,
    *,
    target: Target,
    reach: Reach,
    tags: Sequence[str],
) -> None:
    """The timestamped tag, then staging-latest, once every blocking stage passed."""
    why = staging_hold(run, image, reach)
    if why or image is None:
        hold_back(run, target, tags, why, PUBLISH, STAGING_LATEST)
        return
    timestamped = [tag for tag in tags if tag != STAGING_LATEST]
    stage, pushed = await push_stage(stages, PUBLISH, image, timestamped)
    run.record(stage)
    held: tuple[str, ...] = ()
    reason = ""
    if stage.status != "passed":
        reason = NOT_TIMESTAMPED
        run.record(skipped(STAGING_LATEST, reason))
        held = (f"{target.repository}:{STAGING_LATEST}",)
    else:
        latest, moved = await push_stage(stages, STAGING_LATEST, image, [STAGING_LATEST])
        run.record(latest)
        pushed += moved
    run.update(
        publication=Publication(pushed=references(pushed), not_pushed=held, reason=reason),
        digest=pushed[0].digest if pushed else "",
    )


async def publish_production(  # noqa: PLR0913 - the run, its stages, and what to push where
    run: "Run",
    stages: Stages[Image, ScanHandle],
    image: Image | None,
    *,
    target: Target,
    reach: Reach,
    tags: Sequence[str],
) -> None:
    """Push latest, version and sha at once, only for release/** and a clean run.

    The repository's tags are read once first: ``latest`` and the aliases a newer
    release already holds are left where they are, and the publish row and the
    publication's reason name each (``latest stays on 1.4.2: 1.3.6 is older``). Without
    that list nothing is pushed (the stage fails): moving ``latest`` blind could move
    it backwards.
    """
    why = production_hold(run, image, target, reach)
    if why or image is None:
        hold_back(run, target, tags, why, PUBLISH)
        return
    clock = Stopwatch()
    try:
        existing = await stages.repository_tags()
    except PipelineError as exc:
        run.record(clock.stage(PUBLISH, "failed", f"{UNORDERED}: {first_line(exc)}"))
        wanted = tuple(f"{target.repository}:{tag}" for tag in tags)
        run.update(publication=Publication(not_pushed=wanted, reason=UNORDERED))
        return
    config = target.service.config
    held = held_back(target.service.version, existing, aliases=config.tag_aliases)
    stays = {h.tag for h in held}
    stage, pushed = await push_stage(stages, PUBLISH, image, [t for t in tags if t not in stays])
    run.record(_saying(stage, held))
    run.update(
        publication=Publication(
            pushed=references(pushed),
            not_pushed=tuple(f"{target.repository}:{h.tag}" for h in held),
            reason="; ".join(h.describe() for h in held),
        ),
        digest=pushed[0].digest if pushed else "",
    )


def _saying(stage: StageResult, held: Sequence[Held]) -> StageResult:
    """The publish row with each held tag's line after the tags it pushed."""
    if not held:
        return stage
    return replace(stage, detail="; ".join([stage.detail, *(h.describe() for h in held)]))
