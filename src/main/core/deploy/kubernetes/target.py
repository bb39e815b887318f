"""A Kubernetes Deployment as a deploy target (see the package docstring).

Deploying sets one container's image, by digest, with a JSON patch whose ``test``
operation checks that the container at that index is still the one named: nothing else
of the Deployment (other containers, env, resources, annotations) is sent, so nothing
else can change. The rollout is then judged as ``kubectl rollout status`` judges it and
bounded by the deploy's own timeout too; through the stability window the same verdict,
an available pod and the pods' restart counts say whether it still runs. History lives
in a ConfigMap and the lock is a Lease, both beside the Deployment, so any deployer sees
the same state.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from main.core.deploy.errors import DeployError, HostLost, RolloutFailed
from main.core.deploy.history import Deployment
from main.core.deploy.kubernetes.api import ApiError, Forbidden, KubeApi, NotFound
from main.core.deploy.kubernetes.history_map import HistoryMap
from main.core.deploy.kubernetes.kubeconfig import ClusterAccess
from main.core.deploy.kubernetes.lease import LEASE_SECONDS, Lease
from main.core.deploy.kubernetes.pods import label_selector, restart_count
from main.core.deploy.kubernetes.rollout import judge, no_downtime_allowed
from main.core.deploy.polling import intervals
from main.core.deploy.target import Liveness
from main.core.deploy.timeline import Timeline
from main.core.text import clip

POLL_SECONDS = 0.5  # the longest wait between two reads of a rollout
FIRST_POLL_SECONDS = 0.05  # the first: a fast rollout is seen at once (see polling.py)


class KubernetesTarget:
    """One container of one Deployment in one namespace."""

    def __init__(  # noqa: PLR0913 - each is one thing the deploy must be told
        self,
        access: ClusterAccess,
        namespace: str,
        deployment: str,
        container: str,
        *,
        poll: float | None = None,
        lease_seconds: int = LEASE_SECONDS,
    ) -> None:
        """A target; nothing connects until :meth:`connected`."""
        self.access, self.namespace = access, namespace
        self.deployment, self.container = deployment, container
        self.lease_seconds = lease_seconds
        self.poll = POLL_SECONDS if poll is None else poll  # read now: tests shorten it
        self.path = f"/apis/apps/v1/namespaces/{namespace}/deployments/{deployment}"
        self._api: KubeApi | None = None
        # The container's image before this session's first set-image, and the bound
        # of its rollout: a failed first deployment brings that image back (see stop).
        self._found: str | None = None
        self._timeout = 0.0

    def describe(self) -> str:
        """``kubernetes HOST, deployment NS/NAME, container C``."""
        host = urlsplit(self.access.server).netloc or self.access.server
        return (
            f"kubernetes {host}, deployment {self.namespace}/{self.deployment}, "
            f"container {self.container}"
        )

    @property
    def api(self) -> KubeApi:
        """The open API connection; only valid inside :meth:`connected`."""
        if self._api is None:
            msg = "the Kubernetes API is not connected"
            raise DeployError(msg)
        return self._api

    @asynccontextmanager
    async def connected(self, timeline: Timeline) -> AsyncIterator[None]:
        """Reach the API, check the credentials, the Deployment and its container."""
        async with KubeApi(self.access) as api:
            self._api = api
            try:
                async with timeline.step("connect") as note:
                    found = await self._deployment()
                    self._container_index(found)
                    note.detail = f"{self.describe()}; {no_downtime_allowed(found['spec']).reason}"
                yield
            finally:
                self._api = None

    async def _deployment(self) -> dict[str, Any]:
        try:
            found = await self.api.get(self.path)
        except NotFound:
            msg = (
                f"no Deployment {self.deployment} in namespace {self.namespace} on "
                f"{self.access.server}: create it first (the deploy only changes its image)"
            )
            raise DeployError(msg) from None
        if not isinstance(found.get("spec"), dict):
            found["spec"] = {}
        return found

    def _container_index(self, found: dict[str, Any]) -> int:
        spec = found["spec"].get("template", {}).get("spec", {})
        names = [c.get("name") for c in spec.get("containers") or [] if isinstance(c, dict)]
        if self.container not in names:
            msg = (
                f"Deployment {self.namespace}/{self.deployment} has no container "
                f"{self.container!r} (it has {', '.join(map(str, names)) or 'none'})"
            )
            raise DeployError(msg)
        return names.index(self.container)

    def locked(self, owner: str, timeout: float) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the Deployment's deploy Lease (see :mod:`.lease`)."""
        lease = Lease(self.api, self.namespace, self._name("lock"), seconds=self.lease_seconds)
        return lease.held(owner, timeout)

    def _name(self, what: str) -> str:
        return f"pipeline-{what}-{self.deployment}"[:253]

    def _history(self) -> HistoryMap:
        return HistoryMap(self.api, self.namespace, self._name("history"), owner=self.deployment)

    async def upload(self) -> str:
        """Nothing to put in place: the Deployment in the cluster is the description."""
        return ""

    async def history(self) -> list[Deployment]:
        """The deployments the ConfigMap remembers, oldest first."""
        return await self._history().read()

    async def record(self, entry: Deployment) -> None:
        """Append one deployment to the ConfigMap."""
        await self._history().append(entry)

    async def roll_out(self, image: str, config: str, timeline: Timeline, timeout: float) -> None:
        """Set the container's image to ``image`` and wait for the rollout to finish."""
        del config  # the Deployment itself is the description: nothing else to pin
        async with timeline.step("set-image") as note:
            found = await self._deployment()
            index = self._container_index(found)
            if self._found is None:
                self._found = _image(found, index)
                self._timeout = timeout
            base = f"/spec/template/spec/containers/{index}"
            self.api.started = True
            await self.api.patch(
                self.path,
                [
                    {"op": "test", "path": f"{base}/name", "value": self.container},
                    {"op": "replace", "path": f"{base}/image", "value": image},
                ],
            )
            note.detail = image
        async with timeline.step("rollout") as note:
            detail = await self._wait(found, timeout)
            note.detail = detail

    async def _wait(self, before: dict[str, Any], timeout: float) -> str:
        """Poll until kubectl's verdict is done; RolloutFailed on its deadline or ours."""
        strategy = no_downtime_allowed(before["spec"])
        lowest = _available(before)
        deadline = time.monotonic() + timeout
        waits = intervals(self.poll, FIRST_POLL_SECONDS)
        while True:
            found = await self._deployment()
            lowest = min(lowest, _available(found))
            verdict = judge(found)
            if verdict.failed:
                raise RolloutFailed(verdict.message, logs=_conditions(found))
            if verdict.done:
                if not strategy.allowed:
                    said = f"downtime possible: {strategy.reason}"
                elif lowest == 0:
                    said = "downtime possible: no pod was available at some point"
                else:
                    said = f"no downtime: {strategy.reason}, at least {lowest} available throughout"
                return f"{verdict.message}; {said}"
            if time.monotonic() >= deadline:
                msg = f"the rollout did not finish in {timeout:g} s: {verdict.message}"
                raise RolloutFailed(msg, logs=_conditions(found))
            await asyncio.sleep(next(waits))

    async def liveness(self) -> Liveness:
        """Rolled out and available as kubectl judges it, and the container's restarts.

        Restarts are the sum of the container's ``restartCount`` over the Deployment's
        pods; a user who may not list pods (403) gets availability alone, and says so.
        """
        try:
            found = await self._read(self.path)
        except NotFound:
            where = f"{self.namespace}/{self.deployment}"
            return Liveness(running=False, restarts=0, detail=f"the Deployment {where} is gone")
        verdict, available = judge(found), _available(found)
        running = verdict.done and available > 0
        detail = f"{verdict.message}, {available} available"
        pods = f"/api/v1/namespaces/{self.namespace}/pods"
        try:
            listed = await self._read(pods, {"labelSelector": label_selector(found)})
        except (Forbidden, NotFound) as exc:
            detail = f"{detail}; restarts could not be read, availability alone decides ({exc})"
            return Liveness(running=running, restarts=0, detail=detail)
        return Liveness(
            running=running, restarts=restart_count(listed, self.container), detail=detail
        )

    async def _read(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """GET after the rollout began: a fault other than 403/404 leaves the state unknown."""
        try:
            return await self.api.get(path, params)
        except (Forbidden, NotFound, HostLost):
            raise
        except DeployError as exc:
            msg = f"the Kubernetes API failed while the service was watched: {exc}"
            raise HostLost(msg) from None

    async def stop(self) -> str | None:
        """After a failed first deployment: the image found back, or scale to 0.

        The Deployment existed before the deploy (it only ever sets an image), so its
        pods may be someone else's: when the image found before this session's first
        set-image is not one the pipeline deployed (it is not in the history), that
        image comes back with the replicas untouched, and its rollout is awaited. Only
        pods of the pipeline's own never-healthy images are scaled to 0.
        """
        found = self._found
        if found and not any(entry.image == found for entry in await self.history()):
            await self._restore(found)
            return found
        try:
            await self.api.patch(
                self.path, [{"op": "replace", "path": "/spec/replicas", "value": 0}]
            )
        except ApiError as exc:
            msg = f"scaling {self.namespace}/{self.deployment} to 0 failed: {exc}"
            raise DeployError(msg) from None
        return None

    async def _restore(self, image: str) -> None:
        """Set the container back to ``image`` (unless it runs it) and wait for that rollout."""
        found = await self._deployment()
        index = self._container_index(found)
        if _image(found, index) == image:
            return
        base = f"/spec/template/spec/containers/{index}"
        try:
            await self.api.patch(
                self.path,
                [
                    {"op": "test", "path": f"{base}/name", "value": self.container},
                    {"op": "replace", "path": f"{base}/image", "value": image},
                ],
            )
            await self._wait(found, self._timeout)
        except DeployError as exc:
            msg = f"bringing back {image}, as the deploy found it, failed: {exc}"
            raise DeployError(msg) from None

    async def logs(self) -> str:
        """The Deployment's conditions: what the controller says about the failed rollout."""
        with contextlib.suppress(DeployError):
            return _conditions(await self._deployment())
        return ""


def _image(found: dict[str, Any], index: int) -> str:
    container = found["spec"]["template"]["spec"]["containers"][index]
    return str(container.get("image") or "")


def _available(found: dict[str, Any]) -> int:
    value = (found.get("status") or {}).get("availableReplicas", 0)
    return value if isinstance(value, int) else 0


def _conditions(found: dict[str, Any]) -> str:
    lines = [
        f"{c.get('type')}={c.get('status')} {c.get('reason', '')}: {c.get('message', '')}"
        for c in (found.get("status") or {}).get("conditions") or []
        if isinstance(c, dict)
    ]
    return clip("\n".join(lines), 4000)
