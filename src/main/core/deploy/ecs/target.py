"""An ECS service as a deploy target (see the package docstring).

Deploying registers a new revision of the service's task-definition family that differs
from the one it copies only in the named container's image, points the service at it,
and waits for steady state or the circuit breaker's verdict. A rollback registers a copy
of the previous healthy revision, so every attempt is one revision and the family's
revisions, with the tags the deploy writes on them, are the history. Through the
stability window the PRIMARY deployment's running tasks and failed-task count say
whether it still runs (see :mod:`.liveness`).
"""

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AbstractAsyncContextManager, aclosing, asynccontextmanager
from typing import Any

from main.core.deploy.ecs.client import EcsApi
from main.core.deploy.ecs.keys import AwsKeys
from main.core.deploy.ecs.liveness import alive
from main.core.deploy.ecs.lock import LOCK_SECONDS, TicketLock
from main.core.deploy.ecs.revisions import (
    container_names,
    entry_of,
    history_tags,
    with_image,
)
from main.core.deploy.ecs.steady import judge
from main.core.deploy.errors import DeployError, HostLost, RolloutFailed
from main.core.deploy.history import KEEP, Deployment
from main.core.deploy.polling import intervals
from main.core.deploy.target import Liveness
from main.core.deploy.timeline import Timeline
from main.core.text import clip

POLL_SECONDS = 2.0  # DescribeServices is rate-limited: the CLI's own waiter polls every 15 s
FIRST_POLL_SECONDS = 0.25  # then 0.5, 1, 2: a fast deployment is seen at once
EVENTS = 10


class EcsTarget:
    """One container of one ECS service's task definition."""

    def __init__(  # noqa: PLR0913 - each is one thing the deploy must be told
        self,
        region: str,
        cluster: str,
        service: str,
        container: str,
        *,
        endpoint_url: str | None = None,
        keys: AwsKeys | None = None,
        poll: float | None = None,
        lock_seconds: int = LOCK_SECONDS,
    ) -> None:
        """A target; nothing connects until :meth:`connected` (``keys``: else boto3's own)."""
        self.region, self.cluster, self.service, self.container = (
            region,
            cluster,
            service,
            container,
        )
        self.endpoint_url, self.lock_seconds = endpoint_url, lock_seconds
        self.poll = POLL_SECONDS if poll is None else poll  # read now: tests shorten it
        self._keys = keys
        self._api: EcsApi | None = None
        self.family = ""
        self._rolled: str = ""  # the revision the last roll_out registered
        # The revision the service ran before this session's first roll_out, its
        # container's image, and that rollout's bound: see stop().
        self._found: tuple[str, str] | None = None
        self._timeout = 0.0

    def describe(self) -> str:
        """``ecs REGION, cluster C, service S, container N``."""
        return (
            f"ecs {self.region}, cluster {self.cluster}, service {self.service}, "
            f"container {self.container}"
        )

    @property
    def api(self) -> EcsApi:
        """The client; only valid inside :meth:`connected`."""
        if self._api is None:
            msg = "ECS is not connected"
            raise DeployError(msg)
        return self._api

    async def _service(self) -> dict[str, Any]:
        found = await self.api.call(
            self.api.client.describe_services, cluster=self.cluster, services=[self.service]
        )
        services = [s for s in found.get("services", []) if s.get("status") == "ACTIVE"]
        if not services:
            msg = (
                f"no active service {self.service} in cluster {self.cluster} ({self.api.where}): "
                "create it first (the deploy only changes its task definition)"
            )
            raise DeployError(msg)
        service: dict[str, Any] = services[0]
        return service

    async def _definition(self, arn: str) -> dict[str, Any]:
        found = await self.api.call(self.api.client.describe_task_definition, taskDefinition=arn)
        definition: dict[str, Any] = found["taskDefinition"]
        return definition

    @asynccontextmanager
    async def connected(self, timeline: Timeline) -> AsyncIterator[None]:
        """Reach ECS, check the credentials, the service and its container."""
        self._api = EcsApi(self.region, self.endpoint_url, self._keys)  # credentials read now
        try:
            async with timeline.step("connect") as note:
                service = await self._service()
                definition = await self._definition(service["taskDefinition"])
                names = container_names(definition)
                if self.container not in names:
                    msg = (
                        f"the task definition of service {self.service} has no container "
                        f"{self.container!r} (it has {', '.join(names) or 'none'})"
                    )
                    raise DeployError(msg)
                self.family = str(definition["family"])
                note.detail = (
                    f"{self.describe()}; runs {definition['taskDefinitionArn'].rsplit('/', 1)[-1]}"
                )
            yield
        finally:
            self._api = None

    def locked(self, owner: str, timeout: float) -> AbstractAsyncContextManager[None]:
        """Hold the service's ticket lock (see :mod:`.lock`)."""
        return TicketLock(self.api, self.service, seconds=self.lock_seconds).held(owner, timeout)

    async def upload(self) -> str:
        """Nothing to put in place: the service's task definition is the description."""
        return ""

    async def history(self) -> list[Deployment]:
        """The family's revisions the deploy tagged, oldest first (the newest ``KEEP``).

        One ListTagsForResource per revision: a rollback by hand reads them all, a
        deploy only up to the newest healthy one (:meth:`newest_first`).
        """
        entries = [entry async for entry in self.newest_first()]
        return entries[::-1]

    async def newest_first(self) -> AsyncGenerator[Deployment]:
        """The tagged revisions among the newest ``KEEP``, newest first, read one by one."""
        for arn in await self._revisions():
            tags = await self.api.call(self.api.client.list_tags_for_resource, resourceArn=arn)
            entry = entry_of(arn, tags.get("tags", []))
            if entry is not None:
                yield entry

    async def _revisions(self) -> list[str]:
        """The family's newest ``KEEP`` revisions, newest first (listing costs one page)."""
        arns: list[str] = []
        token = ""
        while True:
            page = await self.api.call(
                self.api.client.list_task_definitions,
                familyPrefix=self.family,
                sort="DESC",
                **({"nextToken": token} if token else {}),
            )
            arns += [a for a in page["taskDefinitionArns"] if _family(a) == self.family]
            token = page.get("nextToken", "")
            if not token:
                break
        return sorted(arns, key=_revision, reverse=True)[:KEEP]  # the answer's order unrelied

    async def record(self, entry: Deployment) -> None:
        """Tag the revision of this attempt with its outcome."""
        arn = self._rolled
        if not arn:
            msg = "no revision was registered for this deployment"
            raise DeployError(msg)
        await self.api.call(self.api.client.tag_resource, resourceArn=arn, tags=history_tags(entry))

    async def roll_out(self, image: str, config: str, timeline: Timeline, timeout: float) -> None:
        """Register a revision running ``image`` (a copy of ``config`` or of the current one)."""
        async with timeline.step("register") as note:
            if self._found is None:
                running = (await self._service())["taskDefinition"]
                found = _image(await self._definition(running), self.container)
                self._found, self._timeout = (running, found), timeout
            base = config or (await self._service())["taskDefinition"]
            definition = await self._definition(base)
            if str(definition.get("family")) != self.family:
                definition = await self._definition((await self._service())["taskDefinition"])
            self.api.started = True
            made = await self.api.call(
                self.api.client.register_task_definition,
                **with_image(definition, self.container, image),
            )
            self._rolled = made["taskDefinition"]["taskDefinitionArn"]
            note.detail = self._rolled.rsplit("/", 1)[-1]
        async with timeline.step("update-service") as note:
            await self.api.call(
                self.api.client.update_service,
                cluster=self.cluster,
                service=self.service,
                taskDefinition=self._rolled,
            )
        async with timeline.step("steady") as note:
            note.detail = await self._wait(timeout, self._rolled)

    async def _wait(self, timeout: float, revision: str) -> str:
        deadline = time.monotonic() + timeout
        waits = intervals(self.poll, FIRST_POLL_SECONDS)
        while True:
            service = await self._service()
            verdict = judge(service, revision)
            if verdict.failed:
                raise RolloutFailed(verdict.message, logs=_events(service))
            if verdict.done:
                return verdict.message
            if time.monotonic() >= deadline:
                msg = f"the service did not reach steady state in {timeout:g} s: {verdict.message}"
                raise RolloutFailed(msg, logs=_events(service))
            await asyncio.sleep(next(waits))

    async def liveness(self) -> Liveness:
        """Whether the revision rolled out last still runs all its tasks; failed tasks."""
        try:
            found = await self.api.call(
                self.api.client.describe_services, cluster=self.cluster, services=[self.service]
            )
        except HostLost:
            raise
        except DeployError as exc:  # after the rollout began: what runs is unknown
            msg = f"ECS failed while the service was watched: {exc}"
            raise HostLost(msg) from None
        services = [s for s in found.get("services", []) if s.get("status") == "ACTIVE"]
        if not services:
            return Liveness(running=False, restarts=0, detail=f"the service {self.service} is gone")
        return alive(services[0], self._rolled or str(services[0].get("taskDefinition", "")))

    async def stop(self) -> str | None:
        """After a failed first deployment: the revision found back, or scale to 0 tasks.

        The service existed before the deploy (it only registers revisions), so its
        tasks may be someone else's: when the image the service ran before this
        session's first roll_out is not one the pipeline deployed (it is not in the
        history), the service goes back to that revision, desired count untouched, and
        its steady state is awaited. Only the pipeline's own never-healthy images are
        scaled to 0.
        """
        if self._found is not None:
            revision, image = self._found
            if not await self._deployed(image):
                await self._restore(revision, image)
                return image
        await self.api.call(
            self.api.client.update_service,
            cluster=self.cluster,
            service=self.service,
            desiredCount=0,
        )
        return None

    async def _deployed(self, image: str) -> bool:
        """Whether the history has ``image``: read newest first, up to the first match."""
        async with aclosing(self.newest_first()) as entries:
            async for entry in entries:
                if entry.image == image:
                    return True
        return False

    async def _restore(self, revision: str, image: str) -> None:
        """Point the service back at ``revision`` and wait for its steady state."""
        try:
            await self.api.call(
                self.api.client.update_service,
                cluster=self.cluster,
                service=self.service,
                taskDefinition=revision,
            )
            await self._wait(self._timeout, revision)
        except DeployError as exc:
            msg = f"bringing back {image}, as the deploy found it, failed: {exc}"
            raise DeployError(msg) from None

    async def logs(self) -> str:
        """The service's latest events: what ECS says about the failed deployment."""
        try:
            return _events(await self._service())
        except DeployError:
            return ""


def _image(definition: dict[str, Any], container: str) -> str:
    entries = definition.get("containerDefinitions") or []
    return next((str(c.get("image", "")) for c in entries if c.get("name") == container), "")


def _revision(arn: str) -> int:
    tail = arn.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _family(arn: str) -> str:
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def _events(service: dict[str, Any]) -> str:
    lines = [str(e.get("message", "")) for e in (service.get("events") or [])[:EVENTS]]
    return clip("\n".join(reversed(lines)), 4000)
