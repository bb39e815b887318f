"""A staging Deployment on the tests' Kubernetes API server, and the service it would serve.

What is emulated: pods. The API server and its controller are real HTTP and follow the
documented API (see :mod:`tests.support.kube_api`); the live URL is a local HTTP server
that answers as the image the Deployment's available pods run: ``/health`` is 200 for
a good image and 500 for one in ``unhealthy``, and ``/version`` names the image.
``RESTARTING`` pods keep restarting while available; ``CRASHING`` pods crash right after
their first live smoke test passed (the plan's smoke tells the cluster), as an image
that dies on its first background job would.
"""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from main.core.deploy.kubernetes.kubeconfig import read_kubeconfig
from main.core.deploy.kubernetes.target import KubernetesTarget
from main.core.deploy.orchestrate import Plan
from main.core.smoke.checks import run_smoke
from main.core.smoke.result import SmokeReport
from main.core.smoke.spec import SmokeSpec
from tests.support.http_servers import Log, Recorded, RecordingHandler, serving
from tests.support.kube_api import Cluster, deployment, kube_api, kubeconfig

NAMESPACE, NAME = "staging", "web"


def image(name: str) -> str:
    """A digest reference whose digest spells ``name`` (tests read them back)."""
    digest = name.encode().hex().ljust(64, "0")[:64]
    return f"127.0.0.1:5000/app@sha256:{digest}"


FIRST, GOOD, BETTER = image("first"), image("good"), image("better")
UNHEALTHY, NEVER_READY = (
    image("unhealthy"),
    image("never"),
)
RESTARTING, CRASHING = image("restarting"), image("crashing")
STABILITY = 0.5  # the tests' stability window: short, the suite stays fast


@dataclass
class KubeStaging:
    """The API server, its cluster state and the live service of one test."""

    cluster: Cluster
    server: str
    url: str
    unhealthy: set[str] = field(default_factory=set)

    @property
    def kubeconfig(self) -> str:
        """A kubeconfig for the test server with the right token."""
        return kubeconfig(self.server)

    def target(self, *, text: str | None = None, poll: float = 0.05) -> KubernetesTarget:
        """The deploy target for the Deployment ``web``'s container ``app``."""
        access = read_kubeconfig(self.kubeconfig if text is None else text)
        return KubernetesTarget(access, NAMESPACE, NAME, "app", poll=poll, lease_seconds=15)

    def plan(
        self, *, timeout: float = 10.0, lock_timeout: float = 0.0, stability: float = STABILITY
    ) -> Plan:
        """Health on the live URL, as the deploy checks it (the service speaks no MCP)."""
        spec = SmokeSpec(url=self.url, mcp_path=None, timeout=5.0, ready_timeout=1.0)

        async def smoke() -> SmokeReport:
            report = await asyncio.to_thread(run_smoke, spec)
            if report.passed:
                self.cluster.smoked(NAMESPACE, NAME)
            return report

        return Plan(
            url=self.url,
            smoke=smoke,
            by="test",
            timeout=timeout,
            lock_timeout=lock_timeout,
            stability=stability,
        )

    def deployment(self) -> dict[str, Any]:
        """The Deployment as the cluster holds it."""
        return self.cluster.deployment(NAMESPACE, NAME)

    def image(self) -> str:
        """The ``app`` container's image in the Deployment's template."""
        containers = self.deployment()["spec"]["template"]["spec"]["containers"]
        return str(next(c["image"] for c in containers if c["name"] == "app"))

    def serving(self) -> str:
        """The image the available pods run."""
        return self.cluster.serving(NAMESPACE, NAME)


class LiveService(RecordingHandler):
    """The staging URL: answers as the image the Deployment serves."""

    staging: KubeStaging

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        """``/health`` and ``/version`` of the serving image."""
        serving = self.staging.serving()
        if not self.staging.cluster.available(NAMESPACE, NAME):
            return 503, {"Content-Type": "text/plain"}, b"no pod is available"
        if request.path == "/version":
            return 200, {"Content-Type": "text/plain"}, serving.encode()
        if request.path == "/health":
            code = 500 if serving in self.staging.unhealthy else 200
            return code, {"Content-Type": "application/json"}, b'{"status": "ok"}'
        return 404, {}, b""


@contextmanager
def kube_staging(*, pods_served: bool = True, **spec: Any) -> Iterator[KubeStaging]:  # noqa: ANN401 - deployment() options
    """The cluster with Deployment ``web`` running ``FIRST``, and its live service."""
    cluster = Cluster(
        never_ready={NEVER_READY},
        restarting={RESTARTING},
        crashing={CRASHING},
        pods_served=pods_served,
    )
    cluster.put_deployment(NAMESPACE, deployment(NAME, FIRST, **spec))
    with kube_api(cluster) as server:
        staging = KubeStaging(cluster, server, "", unhealthy={UNHEALTHY})
        with serving(LiveService, log=Log(), staging=staging) as url:
            staging.url = url
            yield staging
