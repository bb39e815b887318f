"""ECS and AWS names, checked before any request (the API's documented patterns)."""

import re

REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")  # us-east-1, us-gov-west-1, eu-central-2
NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")  # clusters, services, container names


def name_problem(kind: str, value: str) -> str:
    """Why ``value`` is no valid ``kind`` (region, cluster, service, container); "" if it is."""
    if kind == "region":
        if REGION.match(value):
            return ""
        return f"{value!r} is not an AWS region name such as us-east-1"
    if NAME.match(value):
        return ""
    return f"{value!r} is not an ECS {kind} name: up to 255 letters, digits, '-' and '_'"
