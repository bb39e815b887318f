"""Sigstore bundles attached to a digest and checked, on the real docker-registry 2.8.

The bundles are made here (tests/support/sigstore_bundles.py: the real v0.3 shape, a
self-signed certificate): attach stores them exactly as it would real ones, and every
refusal that needs no valid bundle is checked for real, through ``verify`` and the
promote gate. A bundle Sigstore really signed is made and verified in GitHub CI
(.github/workflows/keyless.yml).
"""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from main.core.attest.attach import PREDICATE_TYPE, attach, prepare
from main.core.attest.dsse import load_private_key, load_public_key
from main.core.attest.gate import BOTH_SIGNERS, Gate, verify_before_promote
from main.core.attest.keyless import BUNDLE_TYPE, KeylessIdentity, Signed
from main.core.attest.statement import SLSA_PROVENANCE
from main.core.attest.verify import Policy, verify
from main.core.errors import PipelineError
from main.core.registry.client import Registry
from main.core.registry.referrers import fallback_tag
from tests.support.attestations import SOURCE, pushed_image
from tests.support.signing_keys import ecdsa_pair
from tests.support.sigstore_bundles import WORKFLOW, forged_bundle, offline_production_verifier
from tests.support.staging import new_repo

pytestmark = pytest.mark.anyio
KEY = ecdsa_pair("keyless-tests")


@pytest.fixture
def offline_verifier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], object]:
    """Sigstore's production verifier on the trust root sigstore ships, cached in tmp_path."""
    return offline_production_verifier(tmp_path, monkeypatch)


def signer(verifier: Callable[[], object], identity: str = WORKFLOW) -> KeylessIdentity:
    return KeylessIdentity(identity, verifier=verifier)  # type: ignore[arg-type]


async def _attach_bundles(client: Registry, repo: str, *, identity: str = WORKFLOW) -> str:
    pushed = await pushed_image(client, repo)
    image = f"{client.host}/{repo}"
    attachment = prepare(image, pushed.digest, provenance=pushed.provenance, sbom=pushed.sbom)
    bundles = {
        payload: forged_bundle(payload, identity=identity)
        for payload in (attachment.provenance, attachment.sbom)
    }
    await attach(client, repo, attachment, Signed(bundles, identity))
    return pushed.digest


def _one_line(text: str) -> str:
    assert text
    assert "\n" not in text
    return text


async def test_bundles_land_in_the_fallback_index_as_sigstore_bundles(registry: str) -> None:
    repo = new_repo("keyless")
    async with Registry(registry) as client:
        digest = await _attach_bundles(client, repo)
        index = json.loads((await client.manifest(repo, fallback_tag(digest))).content)
        unchecked = await verify(client, repo, digest, Policy(repository=SOURCE))
    assert {e["artifactType"] for e in index["manifests"]} == {BUNDLE_TYPE}
    assert [e["annotations"][PREDICATE_TYPE] for e in index["manifests"]] == [
        SLSA_PROVENANCE,
        "https://cyclonedx.org/bom",
    ]
    # Read without a policy, as an unsigned envelope is: found, and said unchecked.
    assert unchecked.verified, unchecked.error
    assert unchecked.provenance is not None
    assert not unchecked.provenance.signed
    assert unchecked.notes == ("signature not checked: no public key given",)


async def test_a_forged_bundle_fails_the_signature_check(
    registry: str, offline_verifier: Callable[[], object]
) -> None:
    repo = new_repo("keyless")
    async with Registry(registry) as client:
        digest = await _attach_bundles(client, repo)
        policy = Policy(repository=SOURCE, keyless=signer(offline_verifier))
        verdict = await verify(client, repo, digest, policy)
    assert not verdict.verified
    assert "signature: Sigstore verification failed" in _one_line(verdict.error)


async def test_a_bundle_of_another_workflow_fails_the_identity_check(
    registry: str, offline_verifier: Callable[[], object]
) -> None:
    repo = new_repo("keyless")
    mallory = "https://github.com/mallory/svc/.github/workflows/x.yml@refs/heads/main"
    async with Registry(registry) as client:
        digest = await _attach_bundles(client, repo, identity=mallory)
        policy = Policy(repository=SOURCE, keyless=signer(offline_verifier))
        verdict = await verify(client, repo, digest, policy)
    assert "identity: signed by another identity" in _one_line(verdict.error)
    assert "mallory" in verdict.error


async def test_a_key_refuses_bundles_and_an_identity_refuses_keyed_envelopes(
    registry: str, offline_verifier: Callable[[], object]
) -> None:
    repo = new_repo("keyless")
    async with Registry(registry) as client:
        bundled = await _attach_bundles(client, repo)
        keyed_policy = Policy(key=load_public_key(KEY.public), repository=SOURCE)
        by_key = await verify(client, repo, bundled, keyed_policy)
        other = await pushed_image(client, repo, seed="keyed")
        image = f"{client.host}/{repo}"
        attachment = prepare(image, other.digest, provenance=other.provenance, sbom=other.sbom)
        await attach(client, repo, attachment, load_private_key(KEY.private))
        identity_policy = Policy(repository=SOURCE, keyless=signer(offline_verifier))
        by_identity = await verify(client, repo, other.digest, identity_policy)
    assert "signed keyless (a Sigstore bundle), not by the given key" in _one_line(by_key.error)
    assert "no Sigstore bundle" in _one_line(by_identity.error)


async def test_a_bundle_about_another_digest_is_one_line(registry: str) -> None:
    repo = new_repo("keyless")
    async with Registry(registry) as client:
        other = await pushed_image(client, repo, seed="other")
        ours = await pushed_image(client, repo, seed="ours")
        image = f"{client.host}/{repo}"
        attachment = prepare(image, ours.digest, provenance=ours.provenance, sbom=ours.sbom)
        # The provenance's bundle holds the statement about `other`, attached to `ours`.
        bundles = {
            attachment.provenance: forged_bundle(other.provenance),
            attachment.sbom: forged_bundle(attachment.sbom),
        }
        await attach(client, repo, attachment, Signed(bundles, WORKFLOW))
        verdict = await verify(client, repo, ours.digest, Policy(repository=SOURCE))
    assert "subject digest: the statement is about " in _one_line(verdict.error)


async def test_the_promote_gate_refuses_a_forgery_and_both_signers(
    registry: str, offline_verifier: Callable[[], object]
) -> None:
    repo = new_repo("keyless")
    async with Registry(registry) as client:
        digest = await _attach_bundles(client, repo)
        gate = Gate(public_key=None, source_repository=SOURCE, keyless=signer(offline_verifier))
        with pytest.raises(
            PipelineError,
            match=r"fail provenance sha256:[0-9a-f]+: signature: Sigstore verification failed",
        ) as forged:
            await verify_before_promote(client, repo, digest, gate)
        both = Gate(
            public_key=KEY.public, source_repository=SOURCE, keyless=signer(offline_verifier)
        )
        with pytest.raises(PipelineError, match="both given") as twice:
            await verify_before_promote(client, repo, digest, both)
    assert str(forged.value).startswith("promote refused: the attestations of ")
    assert str(twice.value) == f"promote refused: {BOTH_SIGNERS}"
