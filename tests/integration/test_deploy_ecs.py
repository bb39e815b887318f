"""The ECS target's scenario table, against moto in server mode on loopback.

Emulated: tasks, and the deployment controller's view of them (moto keeps a service's
deployments as they were at creation), by a front that rewrites DescribeServices only;
the live URL answers as the image of the revision the emulated tasks run. Real: the AWS
API over HTTP (moto), boto3, SigV4 credentials checked by moto's IAM, task-definition
revisions and their tags, UpdateService.
"""

import json
import subprocess
import sys
from collections.abc import Iterator

import anyio
import pytest

from main.core.deploy.ecs.revisions import history_tags
from main.core.deploy.errors import DeployError
from main.core.deploy.history import Deployment
from main.core.deploy.orchestrate import Release, deploy, roll_back
from main.core.deploy.result import DeployReport
from main.core.deploy.timeline import Timeline
from tests.support.ecs_emulator import Moto
from tests.support.ecs_staging import EcsStaging, ecs_staging
from tests.support.kube_staging import (
    BETTER,
    CRASHING,
    FIRST,
    GOOD,
    NEVER_READY,
    RESTARTING,
    UNHEALTHY,
)
from tests.support.processes import free_port

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def staging(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> Iterator[EcsStaging]:
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    with ecs_staging(moto) as made:
        yield made


async def deployed(staging: EcsStaging, image: str, **plan: float) -> DeployReport:
    return await deploy(staging.target(), Release(image, tag="t"), staging.plan(**plan))


async def history(staging: EcsStaging) -> list[Deployment]:
    target = staging.target()
    async with target.connected(Timeline()):
        return await target.history()


async def test_first_deploy_changes_only_the_named_containers_image(staging: EcsStaging) -> None:
    before = staging.definition()["taskDefinition"]
    result = await deployed(staging, GOOD)
    assert result.outcome == "deployed", result.error
    after = staging.definition()["taskDefinition"]
    assert after["revision"] == before["revision"] + 1
    assert staging.image() == GOOD
    assert staging.serving() == GOOD
    before["containerDefinitions"][1]["image"] = GOOD
    volatile = {"revision", "taskDefinitionArn", "registeredAt", "registeredBy", "status"}
    assert {k: v for k, v in after.items() if k not in volatile} == {
        k: v for k, v in before.items() if k not in volatile
    }
    entries = await history(staging)
    assert [(e.image, e.action, e.healthy) for e in entries] == [(GOOD, "deploy", True)]
    assert entries[0].config == after["taskDefinitionArn"]


async def test_upgrade_names_the_previous_image(staging: EcsStaging) -> None:
    await deployed(staging, GOOD)
    result = await deployed(staging, BETTER)
    assert result.outcome == "deployed", result.error
    assert result.previous == GOOD
    assert staging.serving() == BETTER


async def test_a_deploy_reads_the_tags_of_the_newest_revisions_only(staging: EcsStaging) -> None:
    # 30 revisions the pipeline tagged, the newest healthy: the deploy needs only that
    # one to know where it would roll back to, not one ListTagsForResource per revision.
    definition = staging.definition()["taskDefinition"]
    request = {k: definition[k] for k in ("family", "networkMode", "cpu", "memory")}
    for n in range(30):
        image = BETTER if n % 2 else GOOD
        staging.client().register_task_definition(
            **request,
            containerDefinitions=definition["containerDefinitions"],
            tags=history_tags(
                Deployment(at=f"2026-12-07T08:{n:02d}:00Z", image=image, tag="t", ref="",
                           action="deploy", healthy=n != 28)
            ),
        )  # fmt: skip
    before = staging.front.calls("ListTagsForResource")
    result = await deployed(staging, GOOD)
    assert result.outcome == "deployed", result.error
    assert result.previous == BETTER, "the newest healthy revision's image"
    assert staging.front.calls("ListTagsForResource") - before <= 2
    entries = await history(staging)
    assert len(entries) == 31, "the whole history still reads back for a rollback by hand"
    assert (entries[-1].image, entries[-1].healthy) == (GOOD, True)


async def test_a_broken_image_rolls_back_to_the_previous_healthy_revision(
    staging: EcsStaging,
) -> None:
    await deployed(staging, GOOD)
    good_revision = (await history(staging))[-1].config
    result = await deployed(staging, UNHEALTHY)
    assert result.outcome == "rolled-back"
    assert result.running == GOOD
    assert staging.serving() == GOOD
    entries = await history(staging)
    assert [(e.image, e.action, e.healthy) for e in entries][-2:] == [
        (UNHEALTHY, "deploy", False),
        (GOOD, "auto-rollback", True),
    ]
    rolled = staging.definition()["taskDefinition"]
    assert (
        rolled["containerDefinitions"]
        == staging.client().describe_task_definition(taskDefinition=good_revision)[
            "taskDefinition"
        ]["containerDefinitions"]
    )


async def test_a_failed_first_deploy_brings_back_the_revision_it_found(
    staging: EcsStaging,
) -> None:
    # The service ran FIRST (a revision the pipeline never deployed) before the first
    # pipeline deploy: its tasks are someone else's, so it must not be scaled to 0.
    found = staging.definition()["taskDefinition"]["taskDefinitionArn"]
    result = await deployed(staging, UNHEALTHY)
    assert result.outcome == "rolled-back", result.error
    assert result.running == FIRST
    service = staging.client().describe_services(
        cluster=staging.cluster, services=[staging.service]
    )["services"][0]
    assert service["desiredCount"] == 2
    assert service["taskDefinition"] == found
    assert staging.serving() == FIRST
    assert any("as the deploy found it" in note for note in result.notes), result.notes


async def test_tasks_that_crash_after_the_live_smoke_are_never_healthy(
    staging: EcsStaging,
) -> None:
    await deployed(staging, GOOD)
    result = await deployed(staging, CRASHING)
    assert result.outcome == "rolled-back", result.error
    assert "stopped" in result.error
    assert "stability window" in result.error
    assert staging.image() == GOOD
    assert staging.serving() == GOOD
    entries = await history(staging)
    assert [(e.image, e.action, e.healthy) for e in entries][-2:] == [
        (CRASHING, "deploy", False),
        (GOOD, "auto-rollback", True),
    ]
    stable = [step for step in result.steps if step.name == "stable"]
    assert [step.ok for step in stable] == [False, True]  # the rollback held its window too


async def test_tasks_that_keep_failing_are_never_healthy(staging: EcsStaging) -> None:
    await deployed(staging, GOOD)
    result = await deployed(staging, RESTARTING)
    assert result.outcome == "rolled-back", result.error
    assert "restarted" in result.error
    assert staging.serving() == GOOD
    entries = await history(staging)
    assert [(e.image, e.action, e.healthy) for e in entries][-2:] == [
        (RESTARTING, "deploy", False),
        (GOOD, "auto-rollback", True),
    ]


async def test_the_circuit_breakers_verdict_ends_the_wait(staging: EcsStaging) -> None:
    await deployed(staging, GOOD)
    result = await deployed(staging, NEVER_READY, timeout=30)
    assert result.outcome == "rolled-back"
    assert "circuit breaker" in result.error
    assert staging.serving() == GOOD


async def test_never_ready_is_bounded_by_the_deploy_timeout(
    moto: Moto, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    with ecs_staging(moto, breaker=None) as staging:  # no circuit breaker on this service
        await deployed(staging, GOOD)
        result = await deployed(staging, NEVER_READY, timeout=1)
        assert result.outcome == "rolled-back"
        assert "did not reach steady state in 1 s" in result.error
        assert staging.serving() == GOOD


async def test_a_held_lock_refuses_and_names_its_holder(staging: EcsStaging) -> None:
    target = staging.target()
    async with target.connected(Timeline()), target.locked("alice@laptop", 1):
        with pytest.raises(DeployError, match=r"alice@laptop.*wait for it to finish"):
            await deployed(staging, GOOD)
    assert staging.image() == FIRST
    assert (await deployed(staging, GOOD)).passed


async def test_two_deployments_never_interleave(staging: EcsStaging) -> None:
    results: list[DeployReport] = []

    async def one(image: str) -> None:
        results.append(await deployed(staging, image, lock_timeout=60))

    async with anyio.create_task_group() as group:
        group.start_soon(one, GOOD)
        group.start_soon(one, BETTER)
    assert [r.outcome for r in results] == ["deployed", "deployed"]
    assert [e.action for e in await history(staging)] == ["deploy", "deploy"]
    assert results[1].previous == results[0].image


async def test_rollback_by_hand(staging: EcsStaging) -> None:
    await deployed(staging, GOOD)
    await deployed(staging, BETTER)
    result = await roll_back(staging.target(), staging.plan())
    assert result.outcome == "deployed", result.error
    assert staging.serving() == GOOD
    assert (await history(staging))[-1].action == "rollback"


async def test_an_unreachable_endpoint_is_one_line(staging: EcsStaging) -> None:
    staging.endpoint = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(DeployError, match="cannot be reached") as caught:
        await deployed(staging, GOOD)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("which", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
async def test_bad_credentials_are_one_line_without_a_secret(
    staging: EcsStaging, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    monkeypatch.setenv(which, "wrong-value-0123456789")
    with pytest.raises(DeployError, match="refused the credentials") as caught:
        await deployed(staging, GOOD)
    message = str(caught.value)
    assert "\n" not in message
    assert "wrong-value" not in message
    assert staging.moto.secret_key not in message
    assert staging.image() == FIRST


async def test_no_credentials_is_one_line(
    staging: EcsStaging, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(DeployError, match="no AWS credentials"):
        await deployed(staging, GOOD)


def test_the_cli_seam_deploys_and_answers_like_the_compose_one(staging: EcsStaging) -> None:
    argv = [
        sys.executable, "-m", "main.core.deploy", "--target", "ecs", "--region", "us-east-1",
        "--cluster", staging.cluster, "--service", staging.service, "--container", "app",
        "--endpoint-url", staging.endpoint, "--image", GOOD, "--url", staging.url,
        "--no-mcp", "--ready-timeout", "2", "--timeout", "20", "--stability-window", "0.5",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["outcome"] == "deployed"
    assert result["running"] == GOOD
    stable = [step["detail"] for step in result["steps"] if step["name"] == "stable"]
    assert stable == ["0.5 s, smoke passed again"]  # --stability-window reached the plan
    assert done.stderr.startswith("deploy PASSED")
    assert staging.moto.secret_key not in done.stdout + done.stderr
