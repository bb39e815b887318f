"""Two deployments never interleave: a coordination.k8s.io/v1 Lease names the holder.

The Lease is taken with the API's optimistic concurrency (create, or replace at the
``resourceVersion`` read): of two deployers racing for it, one gets 409 Conflict and
waits. The holder renews it while it deploys; a holder that died stops renewing, and
once ``leaseDurationSeconds`` pass after its last renewal the Lease is free again, so a
crashed runner never blocks the next deployment for longer than that.
"""

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from main.core.deploy.errors import DeployError
from main.core.deploy.kubernetes.api import Conflict, KubeApi, NotFound

LEASE_SECONDS = 60  # a crashed holder blocks others this long at most
POLL_SECONDS = 0.5


def micro_time(when: datetime) -> str:
    """The API's MicroTime: RFC 3339 in UTC with six decimals."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text)  # Python 3.11 reads the trailing Z
    except ValueError:
        return None


def is_free(spec: dict[str, Any], now: datetime) -> bool:
    """No holder, or one whose lease ran out since it last renewed."""
    if not spec.get("holderIdentity"):
        return True
    renewed = _parse(spec.get("renewTime")) or _parse(spec.get("acquireTime"))
    seconds = spec.get("leaseDurationSeconds")
    if renewed is None or not isinstance(seconds, int):
        return True
    return now > renewed + timedelta(seconds=seconds)


class Lease:
    """The deploy lease of one Deployment."""

    def __init__(
        self,
        api: KubeApi,
        namespace: str,
        name: str,
        *,
        seconds: int = LEASE_SECONDS,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """A lease ``name`` in ``namespace``; nothing is read yet."""
        self.api, self.namespace, self.name = api, namespace, name
        self.seconds, self.now = seconds, now
        self.collection = f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases"
        self.path = f"{self.collection}/{name}"

    def _spec(self, holder: str, previous: dict[str, Any] | None) -> dict[str, Any]:
        stamp = micro_time(self.now())
        transitions = (previous or {}).get("leaseTransitions", 0)
        return {
            "holderIdentity": holder,
            "leaseDurationSeconds": self.seconds,
            "acquireTime": stamp,
            "renewTime": stamp,
            "leaseTransitions": (transitions if isinstance(transitions, int) else 0)
            + (previous is not None),
        }

    async def _try(self, holder: str) -> tuple[bool, dict[str, Any]]:
        """One attempt: (taken, the lease as read)."""
        try:
            found = await self.api.get(self.path)
        except NotFound:
            body = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace},
                "spec": self._spec(holder, None),
            }
            try:
                return True, await self.api.create(self.collection, body)
            except Conflict:
                return False, {}
        spec = found.get("spec") or {}
        if not is_free(spec, self.now()):
            return False, found
        found["spec"] = self._spec(holder, spec)
        try:
            return True, await self.api.replace(self.path, found)
        except Conflict:
            return False, found

    @asynccontextmanager
    async def held(self, owner: str, timeout: float) -> AsyncIterator[None]:
        """Hold the lease while the body runs; DeployError if it stays taken ``timeout`` s."""
        holder = f"{owner} ({uuid.uuid4().hex[:8]})"
        deadline = time.monotonic() + timeout
        while True:
            taken, lease = await self._try(holder)
            if taken:
                break
            if time.monotonic() >= deadline:
                spec = lease.get("spec") or {}
                msg = (
                    f"another deployment holds the Lease {self.namespace}/{self.name} "
                    f"({spec.get('holderIdentity') or 'a racing deployer'}, renewed "
                    f"{spec.get('renewTime') or 'just now'}): wait for it to finish; a holder "
                    f"that died frees it {self.seconds} s after its last renewal"
                )
                raise DeployError(msg)
            await asyncio.sleep(POLL_SECONDS)
        state = {"lease": lease}
        renewer = asyncio.create_task(self._renew(state))
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            await self._release(holder)

    async def _renew(self, state: dict[str, dict[str, Any]]) -> None:
        """Renew a third of the way through, so one slow answer never loses the lease."""
        while True:
            await asyncio.sleep(self.seconds / 3)
            lease = state["lease"]
            lease.setdefault("spec", {})["renewTime"] = micro_time(self.now())
            with contextlib.suppress(DeployError):
                state["lease"] = await self.api.replace(self.path, lease)

    async def _release(self, holder: str) -> None:
        """Give the lease up, if it is still ours; a failure only delays the next holder."""
        with contextlib.suppress(DeployError):
            current = await self.api.get(self.path)
            spec = current.get("spec") or {}
            if spec.get("holderIdentity") != holder:
                return
            spec.pop("holderIdentity", None)
            current["spec"] = spec
            await self.api.replace(self.path, current)
