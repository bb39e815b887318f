"""An ECS service's liveness from one DescribeServices answer."""

from typing import Any

from main.core.deploy.ecs.liveness import alive

OURS = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"
OLD = "arn:aws:ecs:us-east-1:123456789012:task-definition/web:6"


def service(*deployments: dict[str, Any]) -> dict[str, Any]:
    return {"taskDefinition": OURS, "deployments": list(deployments)}


def primary(running: int, desired: int = 2, failed: int = 0, td: str = OURS) -> dict[str, Any]:
    return {
        "status": "PRIMARY",
        "taskDefinition": td,
        "runningCount": running,
        "desiredCount": desired,
        "failedTasks": failed,
    }


def test_all_tasks_of_our_revision_running() -> None:
    seen = alive(service(primary(2, failed=1)), OURS)
    assert seen.running
    assert seen.restarts == 1
    assert "2 of 2 tasks of web:7 running" in seen.detail


def test_fewer_tasks_than_desired_or_none_desired_is_not_running() -> None:
    assert not alive(service(primary(1)), OURS).running
    assert not alive(service(primary(0, desired=0)), OURS).running


def test_another_revision_as_primary_is_not_running() -> None:
    seen = alive(service(primary(2, td=OLD)), OURS)
    assert not seen.running
    assert "web:6, not web:7" in seen.detail


def test_no_primary_deployment_is_not_running() -> None:
    active = {**primary(2), "status": "ACTIVE"}
    assert not alive(service(active), OURS).running
