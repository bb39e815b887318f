"""A staging ECS service on moto (behind the controller front), and what it would serve.

Emulated: tasks. Moto holds the cluster, service, task definitions and tags; the front
plays ECS's deployment controller (see :mod:`tests.support.ecs_emulator`); the live URL is
a local HTTP server answering as the image of the revision the running tasks have
(503 once they crashed). The plan's smoke tells the front when it passed, so that
``CRASHING`` tasks fail right after their first live smoke test.
"""

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

from main.core.deploy.ecs.target import EcsTarget
from main.core.deploy.orchestrate import Plan
from main.core.smoke.checks import run_smoke
from main.core.smoke.result import SmokeReport
from main.core.smoke.spec import SmokeSpec
from tests.support.ecs_emulator import EcsFront, Moto, ecs_front
from tests.support.http_servers import Log, Recorded, RecordingHandler, serving
from tests.support.kube_staging import (
    CRASHING,
    FIRST,
    NEVER_READY,
    RESTARTING,
    STABILITY,
    UNHEALTHY,
)

REGION = "us-east-1"


@dataclass
class EcsStaging:
    """One cluster and service on moto, its front and live service."""

    moto: Moto
    front: EcsFront
    endpoint: str
    url: str = ""
    cluster: str = field(default_factory=lambda: f"stg-{uuid.uuid4().hex[:8]}")
    service: str = "web"
    unhealthy: set[str] = field(default_factory=lambda: {UNHEALTHY})
    service_arn: str = ""
    _client: Any = None

    def client(self) -> Any:  # noqa: ANN401 - boto3's ECS client
        """boto3 straight to moto, as the deployer's user (one client per test)."""
        if self._client is None:
            self._client = self._new_client()
        return self._client

    def _new_client(self) -> Any:  # noqa: ANN401 - boto3's ECS client
        return boto3.client(
            "ecs",
            region_name=REGION,
            endpoint_url=self.moto.url,
            aws_access_key_id=self.moto.access_key,
            aws_secret_access_key=self.moto.secret_key,
        )

    def create(self) -> None:
        """The cluster, a first revision (sidecar + app) and the service running it."""
        ecs = self.client()
        ecs.create_cluster(clusterName=self.cluster)
        made = ecs.register_task_definition(
            family=f"{self.cluster}-web",
            networkMode="host",
            cpu="256",
            memory="512",
            tags=[{"key": "team", "value": "platform"}],
            containerDefinitions=[
                {
                    "name": "sidecar",
                    "image": "127.0.0.1:5000/proxy:1",
                    "essential": True,
                    "memory": 64,
                    "environment": [{"name": "MODE", "value": "edge"}],
                },
                {
                    "name": "app",
                    "image": FIRST,
                    "essential": True,
                    "memory": 128,
                    "environment": [{"name": "LEVEL", "value": "debug"}],
                    "portMappings": [{"containerPort": 8000}],
                },
            ],
        )
        arn = made["taskDefinition"]["taskDefinitionArn"]
        service = ecs.create_service(
            cluster=self.cluster, serviceName=self.service, taskDefinition=arn, desiredCount=2
        )
        self.service_arn = service["service"]["serviceArn"]

    def target(self, *, poll: float = 0.02) -> EcsTarget:
        """The deploy target through the front."""
        return EcsTarget(
            REGION,
            self.cluster,
            self.service,
            "app",
            endpoint_url=self.endpoint,
            poll=poll,
            lock_seconds=15,
        )

    def plan(
        self, *, timeout: float = 10.0, lock_timeout: float = 0.0, stability: float = STABILITY
    ) -> Plan:
        """Health on the live URL; a passed smoke test is told to the front."""
        spec = SmokeSpec(url=self.url, mcp_path=None, timeout=5.0, ready_timeout=1.0)

        async def smoke() -> SmokeReport:
            report = await asyncio.to_thread(run_smoke, spec)
            if report.passed:
                self.front.smoked(self.service_arn)
            return report

        return Plan(
            url=self.url,
            smoke=smoke,
            by="test",
            timeout=timeout,
            lock_timeout=lock_timeout,
            stability=stability,
        )

    def definition(self) -> dict[str, Any]:
        """The task definition the service runs now."""
        ecs = self.client()
        service = ecs.describe_services(cluster=self.cluster, services=[self.service])["services"][
            0
        ]
        found: dict[str, Any] = ecs.describe_task_definition(
            taskDefinition=service["taskDefinition"], include=["TAGS"]
        )
        return found

    def image(self) -> str:
        """The ``app`` image of the revision the service runs."""
        containers = self.definition()["taskDefinition"]["containerDefinitions"]
        return str(next(c["image"] for c in containers if c["name"] == "app"))

    def serving(self) -> str:
        """The image the (emulated) running tasks have."""
        return self.front.serving(self.service_arn) or FIRST


class LiveService(RecordingHandler):
    """The staging URL: answers as the image the running tasks have."""

    staging: EcsStaging

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        """``/health`` and ``/version``."""
        image = self.staging.serving()
        if self.staging.front.down(self.staging.service_arn):
            return 503, {"Content-Type": "text/plain"}, b"no task is running"
        if request.path == "/version":
            return 200, {"Content-Type": "text/plain"}, image.encode()
        if request.path == "/health":
            code = 500 if image in self.staging.unhealthy else 200
            return code, {"Content-Type": "application/json"}, b'{"status": "ok"}'
        return 404, {}, b""


@contextmanager
def ecs_staging(moto: Moto, **front: Any) -> Iterator[EcsStaging]:  # noqa: ANN401
    """A fresh cluster and service on ``moto``, the front and the live service."""
    with ecs_front(
        moto, never_ready={NEVER_READY}, restarting={RESTARTING}, crashing={CRASHING}, **front
    ) as (endpoint, state):
        staging = EcsStaging(moto, state, endpoint)
        staging.create()
        with serving(LiveService, log=Log(), staging=staging) as url:
            staging.url = url
            yield staging
