"""The Kubernetes target's scenario table on a real cluster (kind, in this repository's CI).

The same scenarios as tests/integration/test_deploy_kubernetes.py, judged by a real
control plane: the Deployment controller, the kubelet pulling by digest, a readiness
probe, the Lease and ConfigMap APIs. The workflow .github/workflows/kind.yml starts the
cluster and names the images; without it (no API server installs on the development
machines) every test here is skipped with that reason.
"""

import os
import uuid
from pathlib import Path
from typing import Any

import anyio
import pytest

from main.core.deploy.errors import DeployError
from main.core.deploy.kubernetes.api import KubeApi, NotFound
from main.core.deploy.kubernetes.kubeconfig import ClusterAccess, read_kubeconfig
from main.core.deploy.kubernetes.target import KubernetesTarget
from main.core.deploy.orchestrate import Plan, Release, deploy, roll_back
from main.core.deploy.timeline import Timeline
from main.core.smoke.checks import run_smoke
from main.core.smoke.spec import SmokeSpec

NEEDED = ("KIND_KUBECONFIG", "KIND_GOOD_IMAGE", "KIND_BETTER_IMAGE", "KIND_URL")
pytestmark = pytest.mark.skipif(
    any(not os.environ.get(name) for name in NEEDED),
    reason="no Kubernetes cluster here: the kind workflow (.github/workflows/kind.yml) runs "
    "this tier; locally the documented-API server tier covers the same scenarios",
)
NEVER = "docker.io/library/busybox@sha256:" + "0" * 64  # no such image: never pulls
NAMESPACE, NAME, PORT = "pipeline-kind", "web", 30080
SERVE = "mkdir -p /www && echo ok > /www/health && exec httpd -f -p 8080 -h /www"


def _objects(image: str) -> list[tuple[str, dict[str, Any]]]:
    labels = {"app": NAME}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME, "annotations": {"team": "platform"}},
        "spec": {
            "replicas": 2,
            "progressDeadlineSeconds": 30,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            },
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": image,
                            "command": ["sh", "-c", SERVE],
                            "env": [{"name": "LEVEL", "value": "debug"}],
                            "readinessProbe": {
                                "httpGet": {"path": "/health", "port": 8080},
                                "periodSeconds": 1,
                            },
                        },
                        {"name": "sidecar", "image": image, "command": ["sleep", "86400"]},
                    ]
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": NAME},
        "spec": {
            "type": "NodePort",
            "selector": labels,
            "ports": [{"port": 8080, "nodePort": PORT}],
        },
    }
    return [
        (f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", deployment),
        (f"/api/v1/namespaces/{NAMESPACE}/services", service),
    ]


async def _fresh(access: ClusterAccess, image: str) -> None:
    """A new namespace holding the Deployment (running ``image``) and its NodePort."""
    async with KubeApi(access) as api:
        try:
            await api.get(f"/api/v1/namespaces/{NAMESPACE}")
        except NotFound:
            body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
            await api.create("/api/v1/namespaces", body)
        for collection, body in _objects(image):
            await api.create(collection, body)


@pytest.fixture(scope="module")
def access() -> ClusterAccess:
    text = Path(os.environ["KIND_KUBECONFIG"]).read_text(encoding="utf-8")
    found = read_kubeconfig(text)
    anyio.run(_fresh, found, os.environ["KIND_GOOD_IMAGE"])
    return found


def _target(access: ClusterAccess) -> KubernetesTarget:
    return KubernetesTarget(access, NAMESPACE, NAME, "app", poll=1.0)


def _plan(timeout: float = 120.0) -> Plan:
    spec = SmokeSpec(url=os.environ["KIND_URL"], mcp_path=None, timeout=60.0, ready_timeout=30.0)
    return Plan(
        url=spec.url,
        smoke=lambda: anyio.to_thread.run_sync(run_smoke, spec),
        by="kind",
        timeout=timeout,
    )


def test_the_scenario_table(access: ClusterAccess) -> None:
    good, better = os.environ["KIND_GOOD_IMAGE"], os.environ["KIND_BETTER_IMAGE"]

    async def scenarios() -> None:
        first = await deploy(_target(access), Release(good), _plan())
        assert first.outcome == "deployed", first.error
        upgrade = await deploy(_target(access), Release(better), _plan())
        assert upgrade.outcome == "deployed", upgrade.error
        assert upgrade.previous == good
        rollout = next(step for step in upgrade.steps if step.name == "rollout")
        assert "no downtime" in rollout.detail
        broken = await deploy(_target(access), Release(NEVER), _plan())
        assert broken.outcome == "rolled-back", broken.error
        assert "progress deadline" in broken.error
        assert broken.running == better
        bounded = await deploy(_target(access), Release(NEVER), _plan(timeout=5))
        assert bounded.outcome == "rolled-back"
        assert "did not finish in 5 s" in bounded.error
        target = _target(access)
        async with target.connected(Timeline()), target.locked("alice@laptop", 1):
            with pytest.raises(DeployError, match="alice@laptop"):
                await deploy(_target(access), Release(good), _plan())
        back = await roll_back(_target(access), _plan())
        assert back.outcome == "deployed", back.error
        assert back.running == good
        # No client certificate: kind's kubeconfig authenticates by one, which would win.
        wrong = ClusterAccess(access.server, token=f"wrong-{uuid.uuid4().hex}", verify=False)
        with pytest.raises(DeployError, match="refused the credentials") as caught:
            await deploy(_target(wrong), Release(good), _plan())
        assert wrong.token not in str(caught.value)

    anyio.run(scenarios)
