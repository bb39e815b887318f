"""The one error of the attestation family, and the shapes every part checks against."""

import re

from main.core.errors import PipelineError

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


class AttestationError(PipelineError):
    """An attestation is missing, malformed or fails a check; the message names which."""


def checked_digest(digest: str, what: str) -> str:
    """``digest`` when it is ``sha256:`` and 64 lowercase hex digits, else one clear line."""
    if not DIGEST.fullmatch(digest):
        msg = f"{what} {digest[:80]!r} is not a digest: give sha256: and 64 hex digits"
        raise AttestationError(msg)
    return digest
