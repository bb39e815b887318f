"""The check before a promotion or a deploy: is this digest what our pipeline built from our source?

``registry promote`` puts production tags on a staging digest, and ``deploy`` (by the
``verify-on-deploy`` setting) runs a digest on the staging host. Before any tag moves
or anything on the host changes, the digest's provenance must be attached, signed by
the configured public key, name this service's source repository and, when the
release branch's commits are known, one of them (``verify.verify`` does the checks).
A refusal is one line naming the action and the check that failed; ``--skip-verify``
is the explicit way around it and is said in the output, as ``--skip-scan`` is.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from main.core.attest.dsse import load_public_key
from main.core.attest.keyless import KeylessIdentity
from main.core.attest.release import NO_SOURCE_HISTORY
from main.core.attest.verify import Policy, verify
from main.core.errors import PipelineError
from main.core.registry.client import Registry

PROMOTE = "promote"
DEPLOY = "deploy"
SKIPPED = "provenance not verified on request (--skip-verify)"
REFUSED = "promote refused: "
KEY_HINT = "(--verify-key ./signing.pub, or verify-key in [tool.pipeline.attest])"
NO_VERIFY_KEY = (
    f"{REFUSED}no --verify-key given: pass the public key whose private half signs the "
    f"pipeline's attestations {KEY_HINT}, or --skip-verify"
)
NO_SOURCE = (
    f"{REFUSED}no source repository to check the provenance against: set source-url "
    "in [tool.pipeline] (a ghcr.io image names its GitHub repository by itself)"
)

BOTH_SIGNERS = (
    "--verify-key and --certificate-identity both given: the attestations are signed "
    "with a key or keyless, pass the one that signed them"
)


def refused(action: str) -> str:
    """The start of every refusal line of ``action``: ``deploy refused: ``."""
    return f"{action} refused: "


def key_file(setting: str, *, key_given: bool, skip: bool) -> str:
    """The repository file ``registry promote`` reads as the public key; empty for none.

    ``[tool.pipeline.attest] verify-key`` names it, so promote and deploy check against
    the same committed key; ``--verify-key`` wins, and ``--skip-verify`` reads nothing.
    """
    return "" if key_given or skip else setting


def missing_key_file(path: str, action: str = PROMOTE) -> str:
    """The one line for a ``verify-key`` file that the service repository does not hold."""
    return (
        f"{refused(action)}the public key {path} (verify-key in [tool.pipeline.attest]) is not "
        "in the service repository: commit it, or pass --verify-key"
    )


@dataclass(frozen=True, slots=True)
class Gate:
    """What a promotable (or deployable) digest's provenance must show.

    ``skip`` is --skip-verify; ``action`` starts each refusal line; ``key_hint`` says
    where the public key comes from for that action. With ``release_branch`` the
    provenance's commit must be on that branch: one of ``commits`` when given, else as
    ``release`` answers (git's ancestry: why not, or empty); neither is one line.
    """

    public_key: bytes | None
    source_repository: str
    commits: frozenset[str] = field(default_factory=frozenset)
    skip: bool = False
    action: str = PROMOTE
    key_hint: str = KEY_HINT
    release_branch: str = ""
    release: Callable[[str], Awaitable[str]] | None = None
    keyless: KeylessIdentity | None = None  # --certificate-identity: Sigstore, not a key


def _line(gate: Gate, promote_line: str) -> str:
    """``promote_line`` said for ``gate``'s action and key source."""
    line = promote_line.removeprefix(REFUSED).replace(KEY_HINT, gate.key_hint)
    return refused(gate.action) + line


def policy_of(gate: Gate) -> Policy:
    """The verification policy of ``gate``; a missing or bad key is one line.

    Raises:
        PipelineError: no key, no source repository, or a key that is no public key.
    """
    if gate.public_key is not None and gate.keyless is not None:
        msg = f"{refused(gate.action)}{BOTH_SIGNERS}"
        raise PipelineError(msg)
    if gate.public_key is None and gate.keyless is None:
        raise PipelineError(_line(gate, NO_VERIFY_KEY))
    if not gate.source_repository:
        raise PipelineError(_line(gate, NO_SOURCE))
    if gate.keyless is not None:
        return Policy(keyless=gate.keyless, repository=gate.source_repository, commits=gate.commits)
    assert gate.public_key is not None  # noqa: S101 - said above; for the type checker
    try:
        key = load_public_key(gate.public_key)
    except PipelineError as exc:
        msg = f"{refused(gate.action)}{exc}"
        raise PipelineError(msg) from None
    return Policy(key=key, repository=gate.source_repository, commits=gate.commits)


async def verify_before(registry: Registry, repo: str, digest: str, gate: Gate) -> str:
    """The output line of a passed check; nothing is read when skipped.

    Raises:
        PipelineError: ``<action> refused: <check>: <why>``, before anything is written.
    """
    if gate.skip:
        return SKIPPED
    policy = policy_of(gate)
    by_git = bool(gate.release_branch) and not gate.commits
    if by_git and gate.release is None:
        msg = f"{refused(gate.action)}{NO_SOURCE_HISTORY}"
        raise PipelineError(msg)
    verdict = await verify(registry, repo, digest, policy)
    failed = f"{refused(gate.action)}the attestations of {repo}@{digest} fail "
    if not verdict.verified or verdict.provenance is None:
        msg = f"{failed}{verdict.error}"
        raise PipelineError(msg)
    facts = verdict.provenance.facts
    on_branch = ""
    if by_git and gate.release is not None:
        why = await gate.release(facts["commit"])
        if why:
            msg = f"{failed}commit: {why}"
            raise PipelineError(msg)
        on_branch = f" (on {gate.release_branch})"
    return (
        f"provenance verified (signed, via the {verdict.via}): built from "
        f"{facts['repository']} at {facts['commit']}{on_branch} by "
        f"{facts['builder'] or 'an unnamed builder'}"
    )


async def verify_before_promote(registry: Registry, repo: str, digest: str, gate: Gate) -> str:
    """:func:`verify_before`, as ``registry promote`` calls it (the gate says promote)."""
    return await verify_before(registry, repo, digest, gate)
