"""Deploy, smoke the live URL, roll back by itself: the orchestration, target-agnostic.

The order is the point. The lock comes first, so two deployments to one target never
interleave. The history is read under the lock, so "the previous good image" is the
one really running. A failure of the new image, in the rollout or in the live smoke
test, redeploys the previous good image and smokes it again, and the call still fails:
a rollback is a recovery, not a success. Every attempt is written to the target's
history, healthy or not, so the next person (or ``--rollback``) sees what happened.
"""

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from main.core.deploy.errors import DeployError, HostLost, RolloutFailed
from main.core.deploy.history import (
    DIGEST_REFERENCE,
    Action,
    Deployment,
    before_current,
    chosen,
    current,
)
from main.core.deploy.result import DeployReport, Outcome
from main.core.deploy.stability import STABILITY_SECONDS, stays_up
from main.core.deploy.target import DeployTarget, ReadsNewestFirst
from main.core.deploy.timeline import Timeline
from main.core.errors import PipelineError
from main.core.smoke.result import SmokeReport

LOST = "the connection was lost mid-way: what runs on the target now is unknown, look there"
ROLLBACK_FAILED = "the rollback failed: what runs on the target now is unknown, look there"
SmokeRunner = Callable[[], Awaitable[SmokeReport]]
# An extra check of the live new image after its smoke test (a load test): "" when it
# passes, else one line saying why the image must be rolled back.
Verifier = Callable[[], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class Release:
    """The image to run, by digest, and the names people know it by."""

    image: str  # repository@sha256:...
    tag: str = ""
    ref: str = ""
    config: str = ""  # the service description's revision on the target (set by the deploy)

    def __post_init__(self) -> None:
        """Refuse a tag: what runs must be exactly what was scanned and smoke-tested."""
        if not DIGEST_REFERENCE.match(self.image):
            msg = (
                f"deploy needs an image by digest (REPOSITORY@sha256:<64 hex>), got "
                f"{self.image!r}: a tag can move between the scan and the pull"
            )
            raise DeployError(msg)


@dataclass(frozen=True, slots=True)
class Plan:
    """How one deployment runs: where it is checked, who runs it, its bounds."""

    url: str
    smoke: SmokeRunner
    by: str = ""
    timeout: float = 300.0  # rollout of one image, until its container is ready
    lock_timeout: float = 300.0  # waiting for another deployment to finish
    verify: Verifier | None = None  # runs on the new image only, never after a rollback
    # Seconds the service must keep running, its restart count still, after its live
    # smoke test (and verify), before a second smoke test: only then is it healthy.
    stability: float = STABILITY_SECONDS


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class _Attempt:
    ok: bool
    error: str = ""
    smoke: SmokeReport | None = None
    logs: str = ""
    lost: bool = False


@dataclass(frozen=True, slots=True)
class _Recovery:
    outcome: Outcome
    running: str | None
    error: str
    smoke: SmokeReport | None = None
    notes: tuple[str, ...] = ()
    unknown: bool = False  # what runs now is not known (lost connection, failed rollback)


def _release_of(entry: Deployment) -> Release:
    """What to run to get ``entry`` back: its image with its own service description."""
    return Release(entry.image, entry.tag, entry.ref, entry.config)


class _Session:
    """One deployment in progress: the target, its plan and the timeline being written."""

    def __init__(self, target: DeployTarget, plan: Plan, timeline: Timeline) -> None:
        """Hold what every step needs."""
        self.target, self.plan, self.timeline = target, plan, timeline
        self.notes: list[str] = []  # what went wrong beside the rollout, for the result

    async def attempt(self, release: Release, *, verify: bool = False) -> _Attempt:
        """Roll ``release`` out and smoke it live; every way it can fail becomes an answer."""
        try:
            await self.target.roll_out(
                release.image, release.config, self.timeline, self.plan.timeout
            )
        except RolloutFailed as exc:
            return _Attempt(ok=False, error=str(exc), logs=exc.logs)
        except HostLost as exc:
            return _Attempt(ok=False, error=str(exc), lost=True)
        async with self.timeline.step("smoke") as note:
            report = await self.plan.smoke()
            note.detail, note.ok = report.summary(), report.passed
        if report.passed and verify and self.plan.verify is not None:
            async with self.timeline.step("verify") as note:
                why = await self._verify(self.plan.verify)
                note.detail, note.ok = why or "passed", not why
            if why:
                return _Attempt(ok=False, error=why, smoke=report)
        if report.passed and self.plan.stability > 0:
            unstable = await self._window(report)
            if unstable is not None:
                return unstable
        if report.passed:
            return _Attempt(ok=True, smoke=report)
        logs = await self._logs()
        return _Attempt(ok=False, error=f"live {report.summary()}", smoke=report, logs=logs)

    async def _window(self, report: SmokeReport) -> _Attempt | None:
        """The stability window as a timed step; the failed attempt, or None when it held."""
        async with self.timeline.step("stable") as note:
            try:
                why = await stays_up(self.target.liveness, self.plan.smoke, self.plan.stability)
            except HostLost as exc:
                note.detail, note.ok = str(exc), False
                return _Attempt(ok=False, error=str(exc), smoke=report, lost=True)
            note.detail = why or f"{self.plan.stability:g} s, smoke passed again"
            note.ok = not why
        if why:
            return _Attempt(ok=False, error=why, smoke=report, logs=await self._logs())
        return None

    async def _logs(self) -> str:
        try:
            return await self.target.logs()
        except HostLost:
            return ""

    @staticmethod
    async def _verify(verify: Verifier) -> str:
        """The extra check's verdict; a check that cannot run has not passed.

        Escaping, its error would end the call as if nothing had changed, with the new
        image running unverified and unrecorded: it is a reason to roll back instead.
        """
        try:
            return await verify()
        except Exception as exc:  # noqa: BLE001 - any error: the image was not verified
            what = str(exc) if isinstance(exc, PipelineError) else f"{type(exc).__name__}: {exc}"
            return f"the check after the live smoke test could not run: {what}"

    async def record(self, release: Release, action: Action, *, healthy: bool) -> None:
        """One line of the target's history."""
        entry = Deployment(
            at=_now(),
            image=release.image,
            tag=release.tag,
            ref=release.ref,
            action=action,
            healthy=healthy,
            by=self.plan.by,
            config=release.config,
        )
        # The host has changed by now: a history that cannot be written (disk full) is a
        # note on the result, never an error that would read as "nothing was changed".
        try:
            await self.target.record(entry)
        except DeployError as exc:
            self.notes.append(
                f"the target's history was not written ({exc}): a later rollback will not "
                f"know this {action} of {release.image}"
            )

    async def recover(self, image: str, failed: _Attempt, previous: Deployment | None) -> _Recovery:
        """After a failed attempt: bring back ``previous``, or stop the broken service."""
        if failed.lost:
            return _Recovery("failed", None, failed.error, notes=(LOST,), unknown=True)
        if previous is None:
            return await self._stop(image, failed)
        async with self.timeline.step("rollback") as step:
            step.detail = previous.image
            release = _release_of(previous)
            back = await self.attempt(release)
        if back.lost:
            error = f"{failed.error}; then {back.error}"
            return _Recovery("failed", None, error, back.smoke, notes=(LOST,), unknown=True)
        await self.record(release, "auto-rollback", healthy=back.ok)
        if back.ok:
            return _Recovery("rolled-back", previous.image, failed.error, back.smoke)
        error = f"{failed.error}; the rollback to {previous.image} failed too: {back.error}"
        # Either image may run now, or the old one never stopped (the new one failed before
        # `up`, and the rollback could not write its files): stopping could cause an outage.
        return _Recovery("failed", None, error, back.smoke, notes=(ROLLBACK_FAILED,), unknown=True)

    async def _stop(self, image: str, failed: _Attempt) -> _Recovery:
        """No earlier healthy deployment: stop the failed one, or get back what was found."""
        try:
            async with self.timeline.step("stop") as step:
                found = await self.target.stop()
                step.detail = "stopped" if found is None else f"brought back {found}"
        except DeployError as exc:
            note = f"no earlier healthy deployment, and stopping the failed one failed: {exc}"
            return _Recovery("failed", image, failed.error, notes=(note,))
        if found is None:
            note = "no earlier healthy deployment on the target: the failed one was stopped"
            return _Recovery("failed", None, failed.error, notes=(note,))
        if found == image:
            note = (
                f"the target ran {found} before the pipeline's first deployment: "
                "left as the deploy found it"
            )
            return _Recovery("failed", found, failed.error, notes=(note,))
        note = (
            f"no earlier healthy deployment in the target's history: {found} runs again, as "
            "the deploy found it (it was not the pipeline's, so it was not smoke-tested)"
        )
        return _Recovery("rolled-back", found, failed.error, notes=(note,))

    async def run(
        self, release: Release, previous: Deployment | None, action: Action
    ) -> DeployReport:
        """Attempt ``release``; record it; recover when it failed."""
        attempt = await self.attempt(release, verify=True)
        base = DeployReport(
            outcome="deployed",
            target=self.target.describe(),
            url=self.plan.url,
            image=release.image,
            tag=release.tag,
            previous=None if previous is None else previous.image,
            smoke=attempt.smoke,
            rollback=action == "rollback",
        )
        if attempt.ok:
            await self.record(release, action, healthy=True)
            return replace(base, running=release.image, notes=tuple(self.notes))
        if not attempt.lost:
            await self.record(release, action, healthy=False)
        if previous is not None and previous.image == release.image:
            note = "the previous healthy deployment is this same image: nothing to roll back to"
            return replace(
                base,
                outcome="failed",
                error=attempt.error,
                logs=attempt.logs,
                notes=(note, *self.notes),
            )
        recovery = await self.recover(release.image, attempt, previous)
        return replace(
            base,
            outcome=recovery.outcome,
            running=recovery.running,
            error=recovery.error,
            rollback_smoke=recovery.smoke,
            logs=attempt.logs,
            notes=(*recovery.notes, *self.notes),
            running_unknown=recovery.unknown,
        )


async def deploy(
    target: DeployTarget,
    release: Release,
    plan: Plan,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> DeployReport:
    """Deploy ``release`` to ``target``; on failure roll back to the last healthy image.

    Raises:
        DeployError: before anything changed on the target (unreachable, refused key or
            host key, bad Compose file, lock held): there is nothing to roll back.
    """
    started = clock()
    timeline = Timeline(clock)
    async with target.connected(timeline), _locked(target, plan, timeline):
        async with timeline.step("upload") as note:
            revision = await target.upload()
            note.detail = revision
        release = replace(release, config=revision)
        previous = await last_healthy(target)
        result = await _Session(target, plan, timeline).run(release, previous, "deploy")
    return _finished(result, timeline, clock() - started)


async def last_healthy(target: DeployTarget) -> Deployment | None:
    """What should be running now (:func:`history.current`), read no further than needed.

    A deploy needs only this entry, so a target that reads its history one entry per
    request (:class:`ReadsNewestFirst`) stops at the first healthy one, newest first.
    """
    if not isinstance(target, ReadsNewestFirst):
        return current(await target.history())
    async with aclosing(target.newest_first()) as entries:
        async for entry in entries:
            if entry.healthy:
                return entry
    return None


async def roll_back(
    target: DeployTarget,
    plan: Plan,
    *,
    to: str = "",
    clock: Callable[[], float] = time.monotonic,
) -> DeployReport:
    """Go back by hand: one step back through the history, or to the deployment ``to`` names.

    Without ``to``, the healthy deployment before the one that brought the current image
    (see :func:`history.before_current`): repeated rollbacks walk back, never flip. With
    ``to`` (a digest reference, a digest or a tag), its newest healthy deployment. If that
    image fails its live smoke test, the current one is brought back.

    Raises:
        DeployError: nothing to go back to, ``to`` unknown or never healthy, or the target
            cannot be reached or locked.
    """
    started = clock()
    timeline = Timeline(clock)
    async with target.connected(timeline), _locked(target, plan, timeline):
        history = await target.history()
        now = current(history)
        if to:
            try:
                back: Deployment | None = chosen(history, to)
            except ValueError as exc:
                msg = f"{target.describe()}: {exc}"
                raise DeployError(msg) from None
        else:
            back = before_current(history)
        if back is None:
            msg = (
                f"{target.describe()} has no earlier healthy deployment to roll back to "
                f"({len(history)} entries in its history; --to DIGEST|TAG picks one by name)"
            )
            raise DeployError(msg)
        release = _release_of(back)
        result = await _Session(target, plan, timeline).run(release, now, "rollback")
    return _finished(result, timeline, clock() - started)


def _finished(result: DeployReport, timeline: Timeline, seconds: float) -> DeployReport:
    """The result with every step, the target's own notes, and the call's duration."""
    notes = (*result.notes, *(n for n in timeline.notes if n not in result.notes))
    return replace(result, steps=tuple(timeline.steps), notes=notes, duration_seconds=seconds)


@asynccontextmanager
async def _locked(target: DeployTarget, plan: Plan, timeline: Timeline) -> AsyncIterator[None]:
    """``target.locked``, its wait timed as the ``lock`` step."""
    async with contextlib.AsyncExitStack() as stack:
        async with timeline.step("lock"):
            await stack.enter_async_context(target.locked(plan.by or "pipeline", plan.lock_timeout))
        yield
