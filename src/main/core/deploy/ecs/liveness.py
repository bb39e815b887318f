"""Whether an ECS service still runs what was rolled out, from one DescribeServices answer.

ECS replaces a failed task by itself, so ``runningCount`` can look whole again between
two reads; the PRIMARY deployment's ``failedTasks`` keeps counting them, and serves as
the restart counter of the stability window.
"""

from typing import Any

from main.core.deploy.target import Liveness


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def alive(service: dict[str, Any], task_definition: str) -> Liveness:
    """Running: the PRIMARY deployment is ``task_definition`` with all its tasks running."""
    deployments = [d for d in service.get("deployments") or [] if isinstance(d, dict)]
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary is None:
        return Liveness(running=False, restarts=0, detail="the service has no PRIMARY deployment")
    running, desired = _int(primary.get("runningCount")), _int(primary.get("desiredCount"))
    restarts = _int(primary.get("failedTasks"))
    revision = str(primary.get("taskDefinition", "")).rsplit("/", 1)[-1]
    detail = f"{running} of {desired} tasks of {revision} running, {restarts} failed"
    if primary.get("taskDefinition") != task_definition:
        wanted = task_definition.rsplit("/", 1)[-1]
        detail = f"the PRIMARY deployment is {revision}, not {wanted}"
        return Liveness(running=False, restarts=restarts, detail=detail)
    return Liveness(running=desired > 0 and running >= desired, restarts=restarts, detail=detail)
