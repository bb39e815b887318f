"""Whether ``deploy`` checks the digest's provenance first, and against which key.

``[tool.pipeline.attest] verify-on-deploy = true`` asks for the check on every deploy
(``deploy`` and the deploy stage of ``deploy-staging``); passing ``--verify-key`` asks
for it on that call. The key is ``--verify-key`` when given, else the repository's
``verify-key`` file (a public key is no secret). ``--skip-verify`` deploys without the
check and the result says so. The check itself is :func:`main.core.attest.gate.verify_before`:
the same checks as ``registry promote``, refused in one line starting ``deploy refused:``
before anything on the target changes.
"""

from main.core.attest import gate
from main.core.attest.gate import DEPLOY, SKIPPED, Gate, verify_before
from main.core.attest.settings import AttestSettings
from main.core.registry.client import Registry

__all__ = ["SKIPPED", "deploy_gate", "key_path", "missing_key_file", "verify_before_deploy"]

DEPLOY_KEY_HINT = gate.KEY_HINT


def key_path(settings: AttestSettings, *, key_given: bool, skip: bool) -> str:
    """The repository file to read as the public key; empty when none is to be read."""
    if key_given or skip or not settings.verify_on_deploy:
        return ""
    return settings.verify_key


def missing_key_file(path: str) -> str:
    """The one line for a ``verify-key`` file that the service repository does not hold."""
    return gate.missing_key_file(path, DEPLOY)


def deploy_gate(
    settings: AttestSettings,
    *,
    key: bytes | None,
    key_given: bool,
    skip: bool,
    source_repository: str,
) -> Gate | None:
    """The check a deploy runs, or ``None`` when it runs none (setting off, nothing passed)."""
    if not (settings.verify_on_deploy or key_given or skip):
        return None
    return Gate(
        public_key=key,
        source_repository=source_repository,
        skip=skip,
        action=DEPLOY,
        key_hint=DEPLOY_KEY_HINT,
    )


async def verify_before_deploy(
    registry: Registry, repo: str, digest: str, gate: Gate | None
) -> str:
    """The line the deploy's result carries; empty when no check was asked for.

    Raises:
        PipelineError: ``deploy refused: <check>: <why>``, before the target is touched.
    """
    if gate is None:
        return ""
    return await verify_before(registry, repo, digest, gate)
