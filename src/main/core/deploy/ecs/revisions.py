"""Task-definition revisions: a copy with one container's image changed, and history tags.

A new revision takes every field ``RegisterTaskDefinition`` accepts from the revision
it copies, as DescribeTaskDefinition returned it, and changes only the ``image`` of the
named container. The history of a deployment is written as tags on the revision it ran.
"""

import copy
from typing import Any

from main.core.deploy.history import Action, Deployment
from main.core.text import clip

# The request fields of RegisterTaskDefinition that DescribeTaskDefinition returns.
REGISTERED = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
)
TAG = "pipeline:"  # the prefix of every tag the deploy writes
TAG_VALUE_LIMIT = 256
_ACTIONS: dict[str, Action] = {
    "deploy": "deploy",
    "rollback": "rollback",
    "auto-rollback": "auto-rollback",
}


def container_names(definition: dict[str, Any]) -> list[str]:
    """The container names of a task definition."""
    return [str(c.get("name")) for c in definition.get("containerDefinitions") or []]


def with_image(definition: dict[str, Any], container: str, image: str) -> dict[str, Any]:
    """The RegisterTaskDefinition request for a copy whose ``container`` runs ``image``."""
    request = {key: copy.deepcopy(definition[key]) for key in REGISTERED if key in definition}
    for entry in request["containerDefinitions"]:
        if entry.get("name") == container:
            entry["image"] = image
    return request


def image_of(definition: dict[str, Any], container: str) -> str:
    """The image ``container`` runs in ``definition`` ("" when it has no such container)."""
    for entry in definition.get("containerDefinitions") or []:
        if entry.get("name") == container:
            return str(entry.get("image", ""))
    return ""


def history_tags(entry: Deployment) -> list[dict[str, str]]:
    """The tags that record ``entry`` on its revision (values cut to ECS's limit)."""
    fields = {
        "at": entry.at,
        "image": entry.image,
        "tag": entry.tag,
        "ref": entry.ref,
        "action": entry.action,
        "healthy": "true" if entry.healthy else "false",
        "by": entry.by,
    }
    return [
        {"key": TAG + key, "value": clip(value, TAG_VALUE_LIMIT)}
        for key, value in fields.items()
        if value
    ]


def entry_of(arn: str, tags: list[dict[str, str]]) -> Deployment | None:
    """The deployment a revision's tags record; None when the deploy did not finish it."""
    values = {t.get("key", ""): t.get("value", "") for t in tags}
    action = _ACTIONS.get(values.get(TAG + "action", ""))
    if action is None or not values.get(TAG + "image"):
        return None
    return Deployment(
        at=values.get(TAG + "at", ""),
        image=values[TAG + "image"],
        tag=values.get(TAG + "tag", ""),
        ref=values.get(TAG + "ref", ""),
        action=action,
        healthy=values.get(TAG + "healthy") == "true",
        by=values.get(TAG + "by", ""),
        config=arn,
    )
