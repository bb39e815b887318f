"""When a rollout is done, as ``kubectl rollout status`` judges a Deployment.

Only the Deployment's own fields decide: the controller must have observed the newest
generation, every replica must be updated, no old replica may be left and every updated
one must be available. A ``Progressing`` condition whose reason is
``ProgressDeadlineExceeded`` (set once ``spec.progressDeadlineSeconds`` passed without
progress) ends the wait as a failure, exactly where kubectl gives up.
"""

import math
from dataclasses import dataclass
from typing import Any

DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"
DEFAULT_SURGE_UNAVAILABLE = "25%"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Where one rollout stands: done, failed, or still waiting (and for what)."""

    done: bool
    failed: bool
    message: str


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def judge(deployment: dict[str, Any]) -> Verdict:
    """The verdict on one read of a Deployment (kubectl's DeploymentStatusViewer)."""
    meta, spec = _mapping(deployment.get("metadata")), _mapping(deployment.get("spec"))
    status = _mapping(deployment.get("status"))
    if _int(meta.get("generation")) > _int(status.get("observedGeneration")):
        return Verdict(
            done=False, failed=False, message="waiting for deployment spec update to be observed"
        )
    for condition in status.get("conditions") or []:
        if (
            isinstance(condition, dict)
            and condition.get("type") == "Progressing"
            and condition.get("reason") == DEADLINE_EXCEEDED
        ):
            why = condition.get("message") or "no progress"
            return Verdict(
                done=False,
                failed=True,
                message=f"deployment exceeded its progress deadline ({why})",
            )
    wanted = spec.get("replicas", 1)
    updated, total = _int(status.get("updatedReplicas")), _int(status.get("replicas"))
    available = _int(status.get("availableReplicas"))
    if isinstance(wanted, int) and updated < wanted:
        return Verdict(
            done=False,
            failed=False,
            message=f"{updated} out of {wanted} new replicas have been updated",
        )
    if total > updated:
        return Verdict(
            done=False,
            failed=False,
            message=f"{total - updated} old replicas are pending termination",
        )
    if available < updated:
        return Verdict(
            done=False,
            failed=False,
            message=f"{available} of {updated} updated replicas are available",
        )
    return Verdict(done=True, failed=False, message="successfully rolled out")


@dataclass(frozen=True, slots=True)
class Strategy:
    """Whether the Deployment's strategy keeps at least one pod serving during a rollout."""

    allowed: bool
    reason: str


def _scaled(value: object, replicas: int, *, round_up: bool) -> int:
    """An IntOrString of the strategy against ``replicas``, rounded as the controller does."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not text.endswith("%") or not text[:-1].isdigit():
        return 0
    exact = int(text[:-1]) * replicas / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def no_downtime_allowed(spec: dict[str, Any]) -> Strategy:
    """Whether a rolling update can keep serving: RollingUpdate with a pod never all gone."""
    replicas = spec.get("replicas", 1)
    replicas = replicas if isinstance(replicas, int) else 1
    strategy = _mapping(spec.get("strategy"))
    kind = strategy.get("type", "RollingUpdate")
    if kind != "RollingUpdate":
        return Strategy(
            allowed=False, reason=f"strategy {kind} stops every old pod before starting new ones"
        )
    if replicas < 1:
        return Strategy(allowed=False, reason="the Deployment has 0 replicas")
    rolling = _mapping(strategy.get("rollingUpdate"))
    surge = _scaled(rolling.get("maxSurge", DEFAULT_SURGE_UNAVAILABLE), replicas, round_up=True)
    unavailable = _scaled(
        rolling.get("maxUnavailable", DEFAULT_SURGE_UNAVAILABLE), replicas, round_up=False
    )
    if surge == 0 and unavailable == 0:
        unavailable = 1  # the API server's rule: both 0 would never progress
    if unavailable >= replicas:
        return Strategy(
            allowed=False,
            reason=f"maxUnavailable {unavailable} of {replicas} replicas lets every pod go at once",
        )
    return Strategy(
        allowed=True,
        reason=f"RollingUpdate keeps at least {replicas - unavailable} of {replicas} pods serving",
    )
