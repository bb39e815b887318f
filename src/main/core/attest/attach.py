"""Attach an SBOM and a provenance to an image digest, signed, as OCI artifacts.

Each becomes an in-toto statement about the digest (the provenance is one already; the
SBOM is wrapped with predicate type ``https://cyclonedx.org/bom`` or
``https://spdx.dev/Document``, as ``cosign attest --type cyclonedx|spdxjson`` does),
signed into a DSSE envelope when a key is given, and pushed as an artifact whose
``subject`` is the image: ``artifactType`` is the envelope's media type and the
``in-toto.io/predicate-type`` annotation says which predicate is inside, so a verifier
picks candidates from the referrers list without downloading them.

Everything that can be refused is checked before the first write: the inputs (an SBOM
that is no CycloneDX or SPDX document, a provenance about another digest), the image's
existence and the registry's referrers API (a garbled one). Only then are the artifacts
pushed and listed.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from main.core.attest.dsse import SigningKey, sign
from main.core.attest.errors import AttestationError, checked_digest
from main.core.attest.keyless import Signed
from main.core.attest.sbom import read_sbom
from main.core.attest.statement import (
    CYCLONEDX,
    PAYLOAD_TYPE,
    SLSA_PROVENANCE,
    SPDX,
    read_statement,
    run_time,
    source_of,
    statement,
)
from main.core.registry.artifacts import Artifact, describe, push_artifact
from main.core.registry.client import Registry
from main.core.registry.referrers import Via, has_referrers_api, record_referrer
from main.core.revision import rfc3339

DSSE_TYPE = "application/vnd.dsse.envelope.v1+json"
CREATED = "org.opencontainers.image.created"
IN_TOTO_TYPE = PAYLOAD_TYPE
PREDICATE_TYPE = "in-toto.io/predicate-type"
KINDS = {SLSA_PROVENANCE: "provenance", CYCLONEDX: "sbom", SPDX: "sbom"}


@dataclass(frozen=True, slots=True)
class Attached:
    """One artifact written: what it holds and where it lives."""

    kind: str
    predicate_type: str
    artifact: str
    signed: bool

    def to_dict(self) -> dict[str, Any]:
        """The JSON the command line prints."""
        return {
            "kind": self.kind,
            "predicateType": self.predicate_type,
            "artifact": self.artifact,
            "signed": self.signed,
        }


@dataclass(frozen=True, slots=True)
class Attachment:
    """The statements to attach, checked: both are about ``digest``."""

    image: str
    digest: str
    provenance: bytes
    sbom: bytes
    packages: int
    sbom_type: str = CYCLONEDX
    created: str = ""


def prepare(
    image: str,
    digest: str,
    *,
    provenance: bytes,
    sbom: bytes,
    now: datetime | None = None,
) -> Attachment:
    """Check the inputs and build the SBOM's statement; nothing is written yet.

    The artifacts' ``org.opencontainers.image.created`` (which ``oras attach`` writes
    and ``oras discover`` shows) is when the provenance says the run finished (or
    started), so a re-run attaches the same bytes; else ``now``, else none.
    """
    checked_digest(digest, "the image digest")
    stated = read_statement(provenance)
    if stated.predicate_type != SLSA_PROVENANCE:
        msg = f"the provenance's predicateType is {stated.predicate_type!r}, not {SLSA_PROVENANCE}"
        raise AttestationError(msg)
    if digest not in stated.digests:
        named = ", ".join(sorted(stated.digests))
        msg = f"the provenance is about {named}, not the image {digest}"
        raise AttestationError(msg)
    source_of(stated)
    bom = read_sbom(sbom)
    sbom_statement = statement(image, digest, bom.predicate_type, bom.document)
    created = run_time(stated) or (rfc3339(now) if now else "")
    return Attachment(
        image, digest, provenance, sbom_statement, bom.packages, bom.predicate_type, created
    )


def _artifact(
    payload: bytes, predicate_type: str, key: SigningKey | Signed | None, created: str
) -> Artifact:
    kind = KINDS[predicate_type]
    annotations = {PREDICATE_TYPE: predicate_type} | ({CREATED: created} if created else {})
    if isinstance(key, Signed):  # keyless: the Sigstore bundle made before the attach
        return key.artifact(payload, kind, annotations)
    if key is None:
        return Artifact(IN_TOTO_TYPE, IN_TOTO_TYPE, payload, f"{kind}.intoto.json", annotations)
    envelope = sign(payload, PAYLOAD_TYPE, key).to_json()
    return Artifact(DSSE_TYPE, DSSE_TYPE, envelope, f"{kind}.intoto.dsse.json", annotations)


async def attach(
    registry: Registry, repo: str, attachment: Attachment, key: SigningKey | Signed | None
) -> tuple[Via, list[Attached]]:
    """Push the provenance and the SBOM as artifacts of ``repo@digest`` and list them."""
    subject = describe(await registry.manifest(repo, attachment.digest))
    api = await has_referrers_api(registry, repo, attachment.digest)
    written: list[Attached] = []
    via: Via = "referrers API" if api else "fallback tag"
    for predicate_type, payload in (
        (SLSA_PROVENANCE, attachment.provenance),
        (attachment.sbom_type, attachment.sbom),
    ):
        entry = await push_artifact(
            registry, repo, subject, _artifact(payload, predicate_type, key, attachment.created)
        )
        via = await record_referrer(registry, repo, attachment.digest, entry, api=api)
        written.append(
            Attached(KINDS[predicate_type], predicate_type, entry.digest, key is not None)
        )
    return via, written
