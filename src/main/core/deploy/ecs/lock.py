"""Two deployments to one ECS service never interleave: a ticket lock in a task family.

ECS has no lock, but it numbers the revisions of a task-definition family one after
another, atomically. Each deployer registers a revision of the family
``pipeline-lock-SERVICE`` (tagged with its name and an expiry) and holds the lock when
its revision is the lowest ACTIVE one; releasing is deregistering it. A holder that
died stops renewing its expiry tag, and a waiter deregisters its ticket once that
passed, so a crashed runner never blocks the next deployment for long.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from main.core.deploy.ecs.client import EcsApi
from main.core.deploy.errors import DeployError
from main.core.text import clip

LOCK_SECONDS = 120  # a crashed holder blocks others this long at most
POLL_SECONDS = 0.5
# A ticket is a task definition, so it needs one container; it never runs.
TICKET_CONTAINER = {"name": "lock", "image": "pipeline-lock", "essential": True, "memory": 4}


class TicketLock:
    """The deploy lock of one service."""

    def __init__(self, api: EcsApi, service: str, *, seconds: int = LOCK_SECONDS) -> None:
        """The lock family of ``service``; nothing is registered yet."""
        self.api, self.seconds = api, seconds
        self.family = f"pipeline-lock-{service}"[:255]

    async def _tickets(self) -> list[str]:
        arns: list[str] = []
        token = ""
        while True:
            page = await self.api.call(
                self.api.client.list_task_definitions,
                familyPrefix=self.family,
                status="ACTIVE",
                sort="ASC",
                **({"nextToken": token} if token else {}),
            )
            arns += [
                a
                for a in page["taskDefinitionArns"]
                if a.rsplit("/", 1)[-1].rsplit(":", 1)[0] == self.family
            ]
            token = page.get("nextToken", "")
            if not token:
                return arns

    async def _tags(self, arn: str) -> dict[str, str]:
        found = await self.api.call(self.api.client.list_tags_for_resource, resourceArn=arn)
        return {t["key"]: t["value"] for t in found.get("tags", [])}

    def _expiry(self) -> list[dict[str, str]]:
        return [{"key": "pipeline:expires", "value": f"{time.time() + self.seconds:.0f}"}]

    @asynccontextmanager
    async def held(self, owner: str, timeout: float) -> AsyncIterator[None]:
        """Hold the lock while the body runs; DeployError if others keep it ``timeout`` s."""
        made = await self.api.call(
            self.api.client.register_task_definition,
            family=self.family,
            containerDefinitions=[TICKET_CONTAINER],
            tags=[{"key": "pipeline:holder", "value": clip(owner, 256)}, *self._expiry()],
        )
        mine = made["taskDefinition"]["taskDefinitionArn"]
        try:
            await self._wait(mine, timeout)
            renewer = asyncio.create_task(self._renew(mine))
            try:
                yield
            finally:
                renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewer
        finally:
            with contextlib.suppress(DeployError):
                await self.api.call(self.api.client.deregister_task_definition, taskDefinition=mine)

    async def _wait(self, mine: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            tickets = await self._tickets()
            first = min(tickets, key=_revision) if tickets else mine
            if first == mine:
                return
            tags = await self._tags(first)
            if float(tags.get("pipeline:expires", "0") or 0) < time.time():
                with contextlib.suppress(DeployError):  # a crashed holder: its ticket goes
                    await self.api.call(
                        self.api.client.deregister_task_definition, taskDefinition=first
                    )
                continue
            if time.monotonic() >= deadline:
                msg = (
                    f"another deployment holds the lock of this service "
                    f"({tags.get('pipeline:holder', 'unknown holder')}, "
                    f"ticket {first.rsplit('/', 1)[-1]}): "
                    f"wait for it to finish; a holder that died frees it {self.seconds} s "
                    "after its last renewal"
                )
                raise DeployError(msg)
            await asyncio.sleep(POLL_SECONDS)

    async def _renew(self, mine: str) -> None:
        while True:
            await asyncio.sleep(self.seconds / 3)
            with contextlib.suppress(DeployError):
                await self.api.call(
                    self.api.client.tag_resource, resourceArn=mine, tags=self._expiry()
                )


def _revision(arn: str) -> int:
    tail = arn.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0
