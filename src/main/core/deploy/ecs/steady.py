"""When an ECS service deployment is done: steady state, or the circuit breaker's verdict.

Steady state is what ``aws ecs wait services-stable`` waits for (one deployment left,
as many tasks running as desired), for the task definition we asked for. A deployment
of that task definition whose ``rolloutState`` is ``FAILED`` is the deployment circuit
breaker's verdict: waiting longer cannot help.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Verdict:
    """Where one service deployment stands."""

    done: bool
    failed: bool
    message: str


def judge(service: dict[str, Any], task_definition: str) -> Verdict:
    """The verdict on one DescribeServices answer for the deployment of ``task_definition``."""
    deployments = [d for d in service.get("deployments") or [] if isinstance(d, dict)]
    ours = [d for d in deployments if d.get("taskDefinition") == task_definition]
    for deployment in ours:
        if deployment.get("rolloutState") == "FAILED":
            why = deployment.get("rolloutStateReason") or "the deployment failed"
            return Verdict(
                done=False, failed=True, message=f"the deployment circuit breaker failed it: {why}"
            )
    if service.get("taskDefinition") != task_definition:
        return Verdict(
            done=False, failed=False, message="the service does not run the new task definition yet"
        )
    running, desired = service.get("runningCount", 0), service.get("desiredCount", 0)
    if len(deployments) != 1:
        return Verdict(
            done=False, failed=False, message=f"{len(deployments)} deployments still active"
        )
    state = deployments[0].get("rolloutState", "COMPLETED")
    if deployments[0] in ours and state != "COMPLETED":
        return Verdict(done=False, failed=False, message=f"rollout {str(state).lower()}")
    if running != desired:
        return Verdict(done=False, failed=False, message=f"{running} of {desired} tasks running")
    return Verdict(
        done=True, failed=False, message=f"steady state: {running} of {desired} tasks running"
    )
