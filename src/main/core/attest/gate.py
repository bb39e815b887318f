"""The check before a promotion: is this digest what our pipeline built from our source?

``registry promote`` puts production tags on a staging digest. Before any tag moves,
the digest's provenance must be attached, signed by the configured public key, name
this service's source repository and, when the release branch's commits are known,
one of them (``verify.verify`` does the checks). A refusal is one line naming the
check that failed; ``--skip-verify`` is the explicit way around it and is said in the
output, as ``--skip-scan`` is.
"""

from dataclasses import dataclass, field

from main.core.attest.dsse import load_public_key
from main.core.attest.verify import Policy, verify
from main.core.errors import PipelineError
from main.core.registry.client import Registry

SKIPPED = "provenance not verified on request (--skip-verify)"
REFUSED = "promote refused: "
NO_VERIFY_KEY = (
    f"{REFUSED}no --verify-key given: pass the public key whose private half signs the "
    "pipeline's attestations (--verify-key ./signing.pub), or --skip-verify"
)
NO_SOURCE = (
    f"{REFUSED}no source repository to check the provenance against: set source-url "
    "in [tool.pipeline] (a ghcr.io image names its GitHub repository by itself)"
)


@dataclass(frozen=True, slots=True)
class Gate:
    """What a promotable digest's provenance must show; ``skip`` is --skip-verify."""

    public_key: bytes | None
    source_repository: str
    commits: frozenset[str] = field(default_factory=frozenset)
    skip: bool = False


def policy_of(gate: Gate) -> Policy:
    """The verification policy of ``gate``; a missing or bad key is one line.

    Raises:
        PipelineError: no key, no source repository, or a key that is no public key.
    """
    if gate.public_key is None:
        raise PipelineError(NO_VERIFY_KEY)
    if not gate.source_repository:
        raise PipelineError(NO_SOURCE)
    try:
        key = load_public_key(gate.public_key)
    except PipelineError as exc:
        msg = f"{REFUSED}{exc}"
        raise PipelineError(msg) from None
    return Policy(key=key, repository=gate.source_repository, commits=gate.commits)


async def verify_before_promote(registry: Registry, repo: str, digest: str, gate: Gate) -> str:
    """The output line of a passed check; nothing is read when skipped.

    Raises:
        PipelineError: ``promote refused: <check>: <why>``, before anything is written.
    """
    if gate.skip:
        return SKIPPED
    verdict = await verify(registry, repo, digest, policy_of(gate))
    if not verdict.verified or verdict.provenance is None:
        msg = f"{REFUSED}the attestations of {repo}@{digest} fail {verdict.error}"
        raise PipelineError(msg)
    facts = verdict.provenance.facts
    return (
        f"provenance verified (signed, via the {verdict.via}): built from "
        f"{facts['repository']} at {facts['commit']} by {facts['builder'] or 'an unnamed builder'}"
    )
