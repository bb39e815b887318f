"""The seed's troubleshooting, said where the failure is: what to check, in one sentence.

A registry refuses a push for want of permission in a handful of wordings (the OCI
distribution API's ``401``/``403``, ghcr.io's ``denied: permission_denied:
write_package``, containerd's ``unauthorized: authentication required``). On GitHub the
cause is nearly always one of two settings, so the report names them rather than
leaving a person to search for the message.
"""

import re

PUSH_ADVICE = (
    "check that the job has `packages: write` and that the repository's workflow "
    "permissions (Settings -> Actions -> General) let GITHUB_TOKEN write packages; "
    "for an existing package, also give this repository access in the package's settings"
)
_REFUSED = re.compile(
    r"\b(401|403)\b|unauthori[sz]ed|permission_denied|\bdenied\b|forbidden|"
    r"authentication required",
    re.IGNORECASE,
)


def push_advice(failure: str) -> str:
    """What to check after a push failed with ``failure``; empty unless access was refused."""
    return PUSH_ADVICE if _REFUSED.search(failure) else ""


def with_advice(failure: str, advice: str) -> str:
    """``failure``, followed by the advice when there is one."""
    return f"{failure}; {advice}" if advice else failure
