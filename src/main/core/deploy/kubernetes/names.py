"""Kubernetes object names, checked before anything is sent (the API's own rules)."""

import re

# RFC 1123 label (namespaces, container names) and subdomain (Deployments).
LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
SUBDOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)


def name_problem(kind: str, value: str) -> str:
    """Why ``value`` is no valid ``kind`` name (namespace, deployment, container); "" if valid."""
    pattern = SUBDOMAIN if kind == "deployment" else LABEL
    if pattern.match(value):
        return ""
    rule = "a DNS subdomain" if kind == "deployment" else "a DNS label (at most 63 characters)"
    return (
        f"{value!r} is not a Kubernetes {kind} name: {rule} of lower-case letters, digits and '-'"
    )
