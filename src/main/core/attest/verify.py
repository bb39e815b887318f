"""Verify what is attached to a digest: signed provenance (and SBOM) that say the right things.

The referrers of the digest (API or fallback tag) are filtered by artifact type and
predicate-type annotation without downloading anything; the newest ``MAX_CANDIDATES``
of each kind are then checked in order, and the first that passes every check wins. A
check that fails is named in the one line that comes back (``signature: ...``,
``subject: ...``), about the newest candidate, since that is the one meant to pass.

The checks, in order: the artifact's own ``subject`` is the digest; the envelope is
signed by the given key over its PAE (skipped, and said so, without a key); the payload
is an in-toto statement whose subject names the digest; its predicate type is the
expected one; for the provenance, the source repository and the commit are the allowed
ones when a policy names them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from main.core.attest.attach import DSSE_TYPE, IN_TOTO_TYPE, PREDICATE_TYPE
from main.core.attest.dsse import VerifyingKey, read_envelope
from main.core.attest.dsse import verify as verify_envelope
from main.core.attest.errors import AttestationError
from main.core.attest.keyless import BUNDLE_TYPE, KeylessIdentity, keyless_payload
from main.core.attest.sbom import SBOM_TYPES, read_sbom
from main.core.attest.statement import (
    PAYLOAD_TYPE,
    SLSA_PROVENANCE,
    Statement,
    canonical,
    read_statement,
    source_of,
)
from main.core.errors import PipelineError
from main.core.registry.artifacts import Descriptor, read_artifact
from main.core.registry.client import Registry
from main.core.registry.referrers import find_referrers

MAX_CANDIDATES = 8
# The checks, as the one line names them.
ARTIFACT = "artifact"
SUBJECT = "subject"
STATEMENT = "statement"
SUBJECT_DIGEST = "subject digest"
PREDICATE = "predicate type"
SIGNATURE = "signature"
PROVENANCE = "provenance"
REPOSITORY = "repository"
COMMIT = "commit"
SBOM = "sbom"
MAX_ARTIFACT_BYTES = 384 * 1024 * 1024


def _same_repository(a: str, b: str) -> bool:
    """``https://github.com/acme/svc`` is ``https://github.com/acme/svc.git/``."""

    def norm(url: str) -> str:
        return url.strip().rstrip("/").removesuffix(".git").lower()

    return norm(a) == norm(b)


@dataclass(frozen=True, slots=True)
class Policy:
    """What a valid provenance must say; empty fields are not checked."""

    key: VerifyingKey | None = None
    repository: str = ""
    commits: frozenset[str] = field(default_factory=frozenset)
    require_sbom: bool = True
    keyless: KeylessIdentity | None = None  # signed through Sigstore by this identity


class CheckError(AttestationError):
    """A named check failed on one candidate."""

    def __init__(self, check: str, detail: str) -> None:
        """Keep which check, for the one line."""
        super().__init__(f"{check}: {detail}")
        self.check = check


@dataclass(frozen=True, slots=True)
class Found:
    """A candidate that passed every check, and what it says."""

    artifact: str
    signed: bool
    facts: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome: verified or not, the one line why not, and what was found."""

    digest: str
    via: str
    provenance: Found | None
    sbom: Found | None
    error: str = ""
    notes: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        """Whether everything required was found and passed."""
        return not self.error

    def to_dict(self) -> dict[str, Any]:
        """The JSON the command line prints."""

        def part(found: Found | None) -> dict[str, Any] | None:
            if found is None:
                return None
            return {"artifact": found.artifact, "signed": found.signed, **found.facts}

        return {
            "verified": self.verified,
            "digest": self.digest,
            "via": self.via,
            "provenance": part(self.provenance),
            "sbom": part(self.sbom),
            "notes": list(self.notes),
            "error": self.error or None,
        }


def candidates(
    entries: Iterable[Descriptor], predicate_types: str | Iterable[str]
) -> list[Descriptor]:
    """Entries that announce (one of) ``predicate_types``, newest (last listed) first, bounded."""
    kinds = (DSSE_TYPE, IN_TOTO_TYPE, BUNDLE_TYPE)
    wanted = {predicate_types} if isinstance(predicate_types, str) else set(predicate_types)
    matching = [
        e
        for e in entries
        if e.artifact_type in kinds and e.annotations.get(PREDICATE_TYPE) in wanted
    ]
    return list(reversed(matching))[:MAX_CANDIDATES]


async def verify(registry: Registry, repo: str, digest: str, policy: Policy) -> Verdict:
    """Find and check the attestations of ``repo@digest`` against ``policy``."""
    try:
        referrers = await find_referrers(registry, repo, digest)
    except PipelineError as exc:
        return Verdict(digest, "", None, None, error=f"referrers: {exc}")
    signer = policy.key or policy.keyless
    notes = () if signer else ("signature not checked: no public key given",)
    via = referrers.via
    errors: list[str] = []
    found: dict[str, Found | None] = {}
    for kind, predicate_types in (("provenance", (SLSA_PROVENANCE,)), ("sbom", SBOM_TYPES)):
        listed = candidates(referrers.entries, predicate_types)
        result, error = await _first_valid(
            registry, repo, digest, listed=listed, policy=policy, kind=kind
        )
        found[kind] = result
        if result is None and (kind == "provenance" or policy.require_sbom):
            errors.append(error or f"{kind}: none attached to {digest} (looked via the {via})")
    return Verdict(digest, via, found["provenance"], found["sbom"], "; ".join(errors[:1]), notes)


async def _first_valid(  # noqa: PLR0913 - what a check needs
    registry: Registry,
    repo: str,
    digest: str,
    *,
    listed: list[Descriptor],
    policy: Policy,
    kind: str,
) -> tuple[Found | None, str]:
    first_error = ""
    for entry in listed:
        try:
            return await _check(registry, repo, digest, entry=entry, policy=policy, kind=kind), ""
        except PipelineError as exc:
            first_error = first_error or f"{kind} {entry.digest[:19]}: {exc}"
    return None, first_error


async def _check(  # noqa: PLR0913 - what a check needs
    registry: Registry,
    repo: str,
    digest: str,
    *,
    entry: Descriptor,
    policy: Policy,
    kind: str,
) -> Found:
    try:
        stored = await read_artifact(registry, repo, entry.digest, max_bytes=MAX_ARTIFACT_BYTES)
    except PipelineError as exc:
        raise CheckError(ARTIFACT, str(exc)) from None
    if stored.subject != digest:
        detail = f"the artifact refers to {stored.subject}, not {digest}"
        raise CheckError(SUBJECT, detail)
    if entry.artifact_type == BUNDLE_TYPE or policy.keyless is not None:
        payload, signed = keyless_payload(stored.content, entry.artifact_type, policy)
    else:
        payload, signed = _payload(stored.content, entry.artifact_type, policy.key)
    try:
        statement = read_statement(payload)
    except PipelineError as exc:
        raise CheckError(STATEMENT, str(exc)) from None
    if digest not in statement.digests:
        named = ", ".join(sorted(statement.digests))[:200]
        detail = f"the statement is about {named}, not {digest}"
        raise CheckError(SUBJECT_DIGEST, detail)
    expected = entry.annotations.get(PREDICATE_TYPE, "")
    if statement.predicate_type != expected:
        got = statement.predicate_type[:80]
        detail = f"{got!r} where {expected} was announced"
        raise CheckError(PREDICATE, detail)
    facts = (
        _provenance_facts(statement, policy)
        if kind == "provenance"
        else _sbom_facts(statement, expected)
    )
    return Found(entry.digest, signed, facts)


def _payload(content: bytes, artifact_type: str, key: VerifyingKey | None) -> tuple[bytes, bool]:
    if artifact_type == IN_TOTO_TYPE:
        if key is not None:
            detail = "the attestation is not signed (no DSSE envelope)"
            raise CheckError(SIGNATURE, detail)
        return content, False
    try:
        envelope = read_envelope(content)
    except PipelineError as exc:
        raise CheckError(SIGNATURE, str(exc)) from None
    if envelope.payload_type != PAYLOAD_TYPE:
        kind = envelope.payload_type[:80]
        detail = f"the envelope carries {kind!r}, not an in-toto statement"
        raise CheckError(SIGNATURE, detail)
    if key is None:
        return envelope.payload, False
    try:
        return verify_envelope(envelope, key), True
    except PipelineError as exc:
        raise CheckError(SIGNATURE, str(exc)) from None


def _provenance_facts(statement: Statement, policy: Policy) -> dict[str, Any]:
    try:
        source = source_of(statement)
    except PipelineError as exc:
        raise CheckError(PROVENANCE, str(exc)) from None
    if policy.repository and not _same_repository(source.repository, policy.repository):
        detail = f"built from {source.repository[:200]}, not {policy.repository}"
        raise CheckError(REPOSITORY, detail)
    if policy.commits and source.commit not in policy.commits:
        detail = f"{source.commit} is not among the allowed commits"
        raise CheckError(COMMIT, detail)
    return {"repository": source.repository, "commit": source.commit, "builder": source.builder}


def _sbom_facts(statement: Statement, predicate_type: str) -> dict[str, Any]:
    try:
        bom = read_sbom(canonical(statement.predicate))
    except PipelineError as exc:
        raise CheckError(SBOM, str(exc)) from None
    if bom.predicate_type != predicate_type:
        detail = f"a {bom.format} document under the predicate type {predicate_type}"
        raise CheckError(SBOM, detail)
    return {"format": f"{bom.format} {bom.spec_version}", "packages": bom.packages}
