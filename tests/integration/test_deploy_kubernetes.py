"""The Kubernetes target's scenario table, against the documented-API server on loopback.

Emulated: pods (the controller moves a Deployment's status as documented, and the live
URL answers as the image the available pods run). Real: HTTP, the API's objects,
content types, resourceVersion conflicts, the Lease, the ConfigMap, and kubectl itself
reading what the deploy wrote.
"""

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest

from main.core.deploy.errors import DeployError
from main.core.deploy.history import Deployment
from main.core.deploy.kubernetes.lease import micro_time
from main.core.deploy.orchestrate import Release, deploy, roll_back
from main.core.deploy.result import DeployReport
from main.core.deploy.timeline import Timeline
from tests.support.kube_api import TOKEN
from tests.support.kube_staging import (
    BETTER,
    CRASHING,
    FIRST,
    GOOD,
    NAME,
    NAMESPACE,
    NEVER_READY,
    RESTARTING,
    UNHEALTHY,
    KubeStaging,
    kube_staging,
)
from tests.support.processes import free_port, tool

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def staging() -> Iterator[KubeStaging]:
    with kube_staging() as value:
        yield value


async def deployed(staging: KubeStaging, image: str, **plan: float) -> DeployReport:
    return await deploy(staging.target(), Release(image, tag="t"), staging.plan(**plan))


async def test_first_deploy_sets_only_the_named_container_by_digest(staging: KubeStaging) -> None:
    before = staging.deployment()
    result = await deployed(staging, GOOD)
    assert result.outcome == "deployed", result.error
    assert staging.image() == GOOD
    assert staging.serving() == GOOD
    after = staging.deployment()
    # Everything but the one image is as it was: sidecar, env, resources, annotations.
    before["spec"]["template"]["spec"]["containers"][1]["image"] = GOOD
    assert after["spec"] == before["spec"]
    assert after["metadata"]["annotations"] == before["metadata"]["annotations"]
    rollout = next(step for step in result.steps if step.name == "rollout")
    assert rollout.detail.startswith("successfully rolled out; no downtime")
    history = await _history(staging)
    assert [(e.image, e.action, e.healthy) for e in history] == [(GOOD, "deploy", True)]


async def test_upgrade_names_the_previous_image(staging: KubeStaging) -> None:
    await deployed(staging, GOOD)
    result = await deployed(staging, BETTER)
    assert result.outcome == "deployed", result.error
    assert result.previous == GOOD
    assert staging.serving() == BETTER


async def test_a_broken_image_rolls_back(staging: KubeStaging) -> None:
    await deployed(staging, GOOD)
    result = await deployed(staging, UNHEALTHY)
    assert result.outcome == "rolled-back"
    assert result.running == GOOD
    assert staging.image() == GOOD
    assert staging.serving() == GOOD
    actions = [(e.image, e.action, e.healthy) for e in await _history(staging)]
    assert actions[-2:] == [(UNHEALTHY, "deploy", False), (GOOD, "auto-rollback", True)]


@pytest.mark.parametrize("broken", [UNHEALTHY, NEVER_READY])
async def test_a_failed_first_deploy_brings_back_the_image_it_found(
    staging: KubeStaging, broken: str
) -> None:
    # The Deployment ran FIRST before the pipeline ever deployed to it: those pods are
    # someone else's, so a failed first deploy must not scale them away.
    replicas = staging.deployment()["spec"]["replicas"]
    result = await deployed(staging, broken, timeout=2)
    assert not result.passed
    assert result.outcome == "rolled-back", result.error
    assert result.running == FIRST
    assert staging.image() == FIRST
    assert staging.deployment()["spec"]["replicas"] == replicas
    assert staging.serving() == FIRST
    assert any("as the deploy found it" in note for note in result.notes), result.notes
    assert result.summary().endswith(f"{FIRST} is running again")
    actions = [(e.image, e.action, e.healthy) for e in await _history(staging)]
    assert actions == [(broken, "deploy", False)]  # FIRST was never the pipeline's


async def test_pods_that_crash_after_the_live_smoke_are_never_healthy(
    staging: KubeStaging,
) -> None:
    await deployed(staging, GOOD)
    result = await deployed(staging, CRASHING)
    assert result.outcome == "rolled-back", result.error
    assert "stopped" in result.error
    assert "stability window" in result.error
    assert staging.image() == GOOD
    assert staging.serving() == GOOD
    actions = [(e.image, e.action, e.healthy) for e in await _history(staging)]
    assert actions[-2:] == [(CRASHING, "deploy", False), (GOOD, "auto-rollback", True)]
    stable = [step for step in result.steps if step.name == "stable"]
    assert [step.ok for step in stable] == [False, True]  # the rollback held its window too


async def test_pods_that_keep_restarting_are_never_healthy(staging: KubeStaging) -> None:
    await deployed(staging, GOOD)
    result = await deployed(staging, RESTARTING)
    assert result.outcome == "rolled-back", result.error
    assert "restarted" in result.error
    assert staging.serving() == GOOD
    actions = [(e.image, e.action, e.healthy) for e in await _history(staging)]
    assert actions[-2:] == [(RESTARTING, "deploy", False), (GOOD, "auto-rollback", True)]


async def test_without_the_pods_list_availability_alone_decides() -> None:
    with kube_staging(pods_served=False) as staging:
        first = await deployed(staging, GOOD)
        assert first.outcome == "deployed", first.error
        stable = next(step for step in first.steps if step.name == "stable")
        assert stable.ok
        result = await deployed(staging, CRASHING)
        assert result.outcome == "rolled-back", result.error
        assert "restarts could not be read" in result.error
        assert staging.serving() == GOOD


async def test_never_ready_ends_at_the_progress_deadline() -> None:
    with kube_staging(deadline=1) as staging:
        await deployed(staging, GOOD)
        result = await deployed(staging, NEVER_READY, timeout=30)
        assert result.outcome == "rolled-back"
        assert "exceeded its progress deadline" in result.error
        assert "ProgressDeadlineExceeded" in result.logs
        assert staging.image() == GOOD


async def test_never_ready_is_bounded_by_the_deploy_timeout(staging: KubeStaging) -> None:
    await deployed(staging, GOOD)
    result = await deployed(staging, NEVER_READY, timeout=1)
    assert result.outcome == "rolled-back"
    assert "did not finish in 1 s" in result.error
    assert staging.serving() == GOOD


async def test_a_recreate_strategy_is_not_called_downtime_free() -> None:
    with kube_staging(strategy={"type": "Recreate"}) as staging:
        result = await deployed(staging, GOOD)
        rollout = next(step for step in result.steps if step.name == "rollout")
        assert "downtime possible: strategy Recreate" in rollout.detail


async def test_a_held_lease_refuses_and_names_its_holder(staging: KubeStaging) -> None:
    target = staging.target()
    async with target.connected(_timeline()), target.locked("alice@laptop", 1):
        with pytest.raises(DeployError, match=r"alice@laptop .*wait for it to finish"):
            await deployed(staging, GOOD)
    assert staging.image() == FIRST
    result = await deployed(staging, GOOD)  # released: the next deployment goes
    assert result.passed


async def test_an_expired_lease_is_taken_over(staging: KubeStaging) -> None:
    spec = {
        "holderIdentity": "crashed-runner",
        "leaseDurationSeconds": 5,
        "renewTime": micro_time(datetime(2020, 1, 1, tzinfo=UTC)),
    }
    body = {"metadata": {"name": f"pipeline-lock-{NAME}"}, "spec": spec}
    staging.cluster.create("/apis/coordination.k8s.io/v1", "leases", NAMESPACE, body)
    result = await deployed(staging, GOOD)
    assert result.passed, result.error


async def test_two_deployments_never_interleave(staging: KubeStaging) -> None:
    results: list[DeployReport] = []

    async def one(image: str) -> None:
        results.append(await deployed(staging, image, lock_timeout=30))

    async with anyio.create_task_group() as group:
        group.start_soon(one, GOOD)
        group.start_soon(one, BETTER)
    assert all(r.passed for r in results)
    locks = staging.cluster.listing("/apis/coordination.k8s.io/v1", "leases", NAMESPACE)
    assert not locks[0]["spec"].get("holderIdentity")
    history = await _history(staging)
    assert [e.action for e in history] == ["deploy", "deploy"]


async def test_rollback_by_hand(staging: KubeStaging) -> None:
    await deployed(staging, GOOD)
    await deployed(staging, BETTER)
    result = await roll_back(staging.target(), staging.plan())
    assert result.outcome == "deployed", result.error
    assert result.rollback
    assert staging.serving() == GOOD
    assert (await _history(staging))[-1].action == "rollback"


async def test_an_unreachable_api_is_one_line() -> None:
    with kube_staging() as staging:
        staging.server = f"https://127.0.0.1:{free_port()}"
        with pytest.raises(DeployError, match="cannot be reached") as caught:
            await deployed(staging, GOOD)
    assert "\n" not in str(caught.value)


async def test_bad_credentials_are_one_line_without_the_token(staging: KubeStaging) -> None:
    text = staging.kubeconfig.replace(TOKEN, "wrong-token-abcdef")
    with pytest.raises(DeployError, match="refused the credentials") as caught:
        await deploy(staging.target(text=text), Release(GOOD), staging.plan())
    assert "wrong-token" not in str(caught.value)
    assert staging.image() == FIRST


async def test_a_missing_container_is_refused_before_any_change(staging: KubeStaging) -> None:
    target = staging.target()
    target.container = "api"
    with pytest.raises(DeployError, match=r"has no container 'api' .*sidecar, app"):
        await deploy(target, Release(GOOD), staging.plan())


def test_kubectl_reads_what_the_deploy_wrote(staging: KubeStaging, tmp_path: Path) -> None:
    anyio.run(deployed, staging, GOOD)
    config = tmp_path / "kubeconfig"
    config.write_text(staging.kubeconfig)
    kubectl = [tool("kubectl"), "--kubeconfig", str(config), "-n", NAMESPACE]
    done = subprocess.run(
        [*kubectl, "get", "deploy", NAME, "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    containers = json.loads(done.stdout)["spec"]["template"]["spec"]["containers"]
    assert [c["image"] for c in containers if c["name"] == "app"] == [GOOD]
    history = subprocess.run(
        [
            *kubectl,
            "get",
            "configmap",
            f"pipeline-history-{NAME}",
            "-o",
            "jsonpath={.data.history}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert GOOD in history.stdout, history.stderr
    status = subprocess.run(
        [*kubectl, "rollout", "status", f"deployment/{NAME}", "--timeout=10s"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "successfully rolled out" in status.stdout, status.stderr


def _timeline() -> Timeline:
    return Timeline()


async def _history(staging: KubeStaging) -> list[Deployment]:
    target = staging.target()
    async with target.connected(_timeline()):
        return await target.history()


def test_the_cli_seam_deploys_and_answers_like_the_compose_one(
    staging: KubeStaging, tmp_path: Path
) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(staging.kubeconfig)
    argv = [
        sys.executable, "-m", "main.core.deploy", "--target", "kubernetes",
        "--kubeconfig", str(config), "--deployment", NAME, "--container", "app",
        "--image", GOOD, "--url", staging.url, "--no-mcp", "--ready-timeout", "2",
        "--timeout", "20", "--stability-window", "0.5",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["outcome"] == "deployed"
    assert result["running"] == GOOD
    assert f"deployment {NAMESPACE}/{NAME}" in result["target"]
    stable = [step["detail"] for step in result["steps"] if step["name"] == "stable"]
    assert stable == ["0.5 s, smoke passed again"]  # --stability-window reached the plan
    assert done.stderr.startswith("deploy PASSED")
    back = subprocess.run(
        [*argv[:-11], "--rollback", *argv[-9:]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert back.returncode == 1, back.stdout  # nothing healthy before GOOD to go back to
    assert "no earlier healthy deployment" in json.loads(back.stdout)["error"]
    assert TOKEN not in done.stdout + done.stderr + back.stdout + back.stderr
