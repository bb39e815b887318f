"""The deploy target: the small interface the orchestration talks to.

A target is one place a service runs (a Compose project on one host today). The
orchestration (lock, history, roll out, live smoke, roll back) only ever calls these
methods, so Kubernetes or ECS can be added as another implementation without touching
it: a Kubernetes target would keep its history in a ConfigMap, lock with a Lease and
roll out by patching a Deployment's image to the digest.
"""

from collections.abc import AsyncGenerator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from main.core.deploy.history import Deployment
from main.core.deploy.timeline import Timeline


@dataclass(frozen=True, slots=True)
class Liveness:
    """Whether the service still runs, read without touching it (see DeployTarget.liveness).

    ``restarts`` is a counter the target keeps (Docker's RestartCount, a pod's
    restartCount, an ECS task's replacements): only its change matters, never its value.
    """

    running: bool
    restarts: int
    detail: str = ""  # for a failure line: e.g. "exited with code 1"


class DeployTarget(Protocol):
    """One place the service runs, with its own history and lock."""

    def describe(self) -> str:
        """How reports name the target, e.g. ``deploy@stg:22, compose project mcp``."""
        ...

    def connected(self, timeline: Timeline) -> AbstractAsyncContextManager[None]:
        """Reach the target; raises DeployError (nothing changed) when it cannot."""
        ...

    def locked(self, owner: str, timeout: float) -> AbstractAsyncContextManager[None]:
        """Hold the target's deploy lock; raises DeployError if another holder keeps it."""
        ...

    async def upload(self) -> str:
        """Put the service description in place, validated; DeployError if it is wrong.

        Returns its revision: the name under which the target keeps it, so that a
        rollback runs the old image with the description it was healthy with.
        """
        ...

    async def history(self) -> list[Deployment]:
        """The deployments the target remembers, oldest first."""
        ...

    async def record(self, entry: Deployment) -> None:
        """Append one deployment to the target's history."""
        ...

    async def roll_out(self, image: str, config: str, timeline: Timeline, timeout: float) -> None:
        """Run ``image`` (a digest reference) with description ``config``; wait until ready.

        ``config`` is a revision :meth:`upload` returned, now or in an earlier deployment;
        empty, or one the target no longer keeps, means the current description.

        Raises:
            RolloutFailed: the image did not become ready (the caller rolls back).
        """
        ...

    async def liveness(self) -> Liveness:
        """Whether the service rolled out last still runs, and its restart counter.

        Read repeatedly through the stability window after the live smoke test: a
        service that stops, or whose counter moves, is not healthy. Raises HostLost
        when the target cannot be read.
        """
        ...

    async def stop(self) -> str | None:
        """After a failed first deployment: leave nothing broken running.

        A target whose service ran before the pipeline's first deployment (a Kubernetes
        Deployment someone else created and ran) never stops those pods: it brings back
        what it found and returns that image. Otherwise it stops the service and
        returns None (nothing runs).
        """
        ...

    async def logs(self) -> str:
        """The service's last log lines, for a failure report."""
        ...


@runtime_checkable
class ReadsNewestFirst(Protocol):
    """A target whose history costs one request per entry (ECS: each revision's tags).

    Every deploy needs only the newest healthy entry: such a target also yields its
    entries newest first, so that the reading stops there instead of paying for the
    whole history (see ``orchestrate.last_healthy``).
    """

    def newest_first(self) -> AsyncGenerator[Deployment]:
        """The deployments the target remembers, newest first, each read when reached."""
        ...
