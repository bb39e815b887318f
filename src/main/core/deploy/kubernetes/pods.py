"""What a Deployment's pods say about one container: how often it restarted.

A Deployment's status counts available replicas but not restarts: a container that
crashes and is restarted by the kubelet between two reads leaves ``availableReplicas``
as it was. Its pods' ``containerStatuses[].restartCount`` do count it, so the stability
window sums them over the pods the Deployment's selector picks.
"""

from typing import Any


def label_selector(deployment: dict[str, Any]) -> str:
    """``spec.selector.matchLabels`` as the API's ``labelSelector`` query (``k=v,...``).

    ``matchExpressions`` are left out: the selector then picks more pods, never fewer, so
    no restart of ours is missed.
    """
    selector = (deployment.get("spec") or {}).get("selector") or {}
    labels = selector.get("matchLabels") or {}
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def restart_count(pods: dict[str, Any], container: str) -> int:
    """The sum of ``container``'s ``restartCount`` over a PodList's pods."""
    total = 0
    for pod in pods.get("items") or []:
        status = pod.get("status") if isinstance(pod, dict) else None
        for entry in (status or {}).get("containerStatuses") or []:
            if isinstance(entry, dict) and entry.get("name") == container:
                count = entry.get("restartCount", 0)
                total += count if isinstance(count, int) and not isinstance(count, bool) else 0
    return total
