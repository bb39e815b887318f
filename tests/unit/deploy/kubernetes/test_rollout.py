"""The rollout verdict, as ``kubectl rollout status`` judges a Deployment."""

from typing import Any

import pytest

from main.core.deploy.kubernetes.rollout import judge, no_downtime_allowed


def deployment(  # noqa: PLR0913 - one keyword per status field
    *,
    generation: int = 2,
    observed: int = 2,
    replicas: int = 2,
    updated: int = 2,
    total: int = 2,
    available: int = 2,
    reason: str = "NewReplicaSetAvailable",
    strategy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "metadata": {"generation": generation},
        "spec": {"replicas": replicas, "strategy": strategy or {"type": "RollingUpdate"}},
        "status": {
            "observedGeneration": observed,
            "replicas": total,
            "updatedReplicas": updated,
            "availableReplicas": available,
            "conditions": [{"type": "Progressing", "status": "True", "reason": reason}],
        },
    }


def test_done_when_every_replica_is_updated_and_available() -> None:
    verdict = judge(deployment())
    assert verdict.done
    assert not verdict.failed
    assert "successfully rolled out" in verdict.message


@pytest.mark.parametrize(
    ("fields", "waiting_for"),
    [
        ({"observed": 1}, "spec update to be observed"),
        ({"updated": 1}, "1 out of 2 new replicas have been updated"),
        ({"total": 3}, "1 old replicas are pending termination"),
        ({"available": 1}, "1 of 2 updated replicas are available"),
    ],
)
def test_waits_like_kubectl(fields: dict[str, int], waiting_for: str) -> None:
    verdict = judge(deployment(**fields))  # type: ignore[arg-type]
    assert not verdict.done
    assert not verdict.failed
    assert waiting_for in verdict.message


def test_progress_deadline_exceeded_fails() -> None:
    verdict = judge(deployment(available=0, reason="ProgressDeadlineExceeded"))
    assert verdict.failed
    assert "exceeded its progress deadline" in verdict.message


def test_an_old_deadline_is_not_judged_before_the_new_generation_is_observed() -> None:
    verdict = judge(deployment(observed=1, reason="ProgressDeadlineExceeded"))
    assert not verdict.failed
    assert not verdict.done


@pytest.mark.parametrize(
    ("strategy", "replicas", "allowed"),
    [
        ({"type": "Recreate"}, 2, False),
        ({"type": "RollingUpdate"}, 1, True),  # 25% of 1 rounds down to 0 unavailable
        ({"type": "RollingUpdate"}, 4, True),  # 1 of 4 may go, 3 stay
        ({}, 2, True),  # the default strategy is RollingUpdate 25%/25%
        ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}, 1, False),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "100%"}}, 3, False),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "50%"}}, 3, True),
        ({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}}, 0, False),
        # Both 0 is invalid; the API server's defaulting makes maxUnavailable 1.
        (
            {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}},
            1,
            False,
        ),
    ],
)
def test_whether_the_strategy_keeps_a_pod_serving(
    strategy: dict[str, Any], replicas: int, *, allowed: bool
) -> None:
    spec = {"replicas": replicas, "strategy": strategy}
    assert no_downtime_allowed(spec).allowed is allowed
