"""Attach and verify against real registries, both ways.

Debian's docker-registry 2.8 has no referrers API, so it gets the fallback tag index; the
referrers API is a front serving it before the same real registry.
"""

import json
from collections.abc import Iterator

import pytest

from main.core.attest.attach import DSSE_TYPE, PREDICATE_TYPE, attach, prepare
from main.core.attest.dsse import load_private_key, load_public_key, sign
from main.core.attest.statement import PAYLOAD_TYPE, SLSA_PROVENANCE
from main.core.attest.verify import MAX_CANDIDATES, Policy, verify
from main.core.errors import PipelineError
from main.core.http import RetryPolicy
from main.core.registry.artifacts import Artifact, describe, push_artifact
from main.core.registry.client import Registry
from main.core.registry.manifests import OCI_INDEX, Manifest
from main.core.registry.referrers import MAX_ENTRIES, fallback_tag, find_referrers
from tests.support.attestations import COMMIT, SOURCE, cyclonedx, provenance_for, pushed_image
from tests.support.http_servers import Log
from tests.support.referrers_front import ReferrersState, referrers_front
from tests.support.signing_keys import ecdsa_pair
from tests.support.staging import new_repo

pytestmark = pytest.mark.anyio
KEY = ecdsa_pair("signer")
OTHER = ecdsa_pair("someone-else")


@pytest.fixture
def front_state(registry: str) -> ReferrersState:
    return ReferrersState(upstream=registry)


@pytest.fixture
def front(front_state: ReferrersState) -> Iterator[str]:
    """A registry with the referrers API: the front before the real docker-registry."""
    with referrers_front(front_state) as url:
        yield url


async def _attach(client: Registry, repo: str, *, key: bytes | None = KEY.private) -> str:
    pushed = await pushed_image(client, repo)
    image = f"{client.host}/{repo}"
    attachment = prepare(image, pushed.digest, provenance=pushed.provenance, sbom=pushed.sbom)
    await attach(client, repo, attachment, None if key is None else load_private_key(key))
    return pushed.digest


def policy(**changes: object) -> Policy:
    fields: dict[str, object] = {"key": load_public_key(KEY.public), "repository": SOURCE}
    fields.update(changes)
    return Policy(**fields)  # type: ignore[arg-type]


async def test_on_distribution_2_8_both_land_in_the_fallback_index_and_verify(
    registry: str,
) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        digest = await _attach(client, repo)
        index = await client.manifest(repo, fallback_tag(digest))
        verdict = await verify(client, repo, digest, policy(commits=frozenset({COMMIT})))
    assert index.media_type == OCI_INDEX
    entries = json.loads(index.content)["manifests"]
    assert [e["annotations"][PREDICATE_TYPE] for e in entries] == [
        SLSA_PROVENANCE,
        "https://cyclonedx.org/bom",
    ]
    assert {e["artifactType"] for e in entries} == {DSSE_TYPE}
    assert verdict.verified, verdict.error
    assert verdict.via == "fallback tag"
    assert verdict.provenance is not None
    assert verdict.provenance.signed
    assert (verdict.provenance.facts["repository"], verdict.provenance.facts["commit"]) == (
        SOURCE,
        COMMIT,
    )
    assert verdict.sbom is not None
    assert verdict.sbom.facts["packages"] == 3


async def test_with_a_referrers_api_no_fallback_tag_is_written(
    front: str, front_state: ReferrersState
) -> None:
    repo = new_repo("attest")
    async with Registry(front) as client:
        digest = await _attach(client, repo)
        tags = await client.tags(repo)
        verdict = await verify(client, repo, digest, policy())
    assert tags == ["v1"]
    assert len(front_state.index[(repo, digest)]) == 2
    assert verdict.verified, verdict.error
    assert verdict.via == "referrers API"


async def test_attaching_again_keeps_every_other_entry_of_the_index(registry: str) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        digest = await _attach(client, repo)
        before = json.loads((await client.manifest(repo, fallback_tag(digest))).content)
        before["manifests"][0]["annotations"]["com.example.kept"] = "yes"
        before["annotations"] = {"com.example.index": "kept too"}
        await client.put_manifest(
            repo, fallback_tag(digest), Manifest.of(json.dumps(before).encode())
        )
        again = provenance_for(f"{client.host}/{repo}", digest, commit="f" * 40)
        attachment = prepare(f"{client.host}/{repo}", digest, provenance=again, sbom=cyclonedx())
        await attach(client, repo, attachment, load_private_key(KEY.private))
        after = json.loads((await client.manifest(repo, fallback_tag(digest))).content)
    assert after["manifests"][:2] == before["manifests"]
    assert after["annotations"] == {"com.example.index": "kept too"}
    assert len(after["manifests"]) == 4


async def test_without_a_key_they_are_unsigned_and_a_key_then_refuses_them(
    registry: str,
) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        digest = await _attach(client, repo, key=None)
        keyless = await verify(client, repo, digest, Policy(repository=SOURCE))
        keyed = await verify(client, repo, digest, policy())
    assert keyless.verified, keyless.error
    assert keyless.notes == ("signature not checked: no public key given",)
    assert not keyed.verified
    assert "signature: the attestation is not signed" in keyed.error


# --- hostile -------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    assert text
    assert "\n" not in text
    return text


async def test_a_wrong_key_is_one_line(registry: str) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        digest = await _attach(client, repo)
        verdict = await verify(client, repo, digest, policy(key=load_public_key(OTHER.public)))
    assert not verdict.verified
    assert _one_line(verdict.error).startswith("provenance sha256:")
    assert "signature: the envelope is not signed by the given key" in verdict.error


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"repository": "https://github.com/evil/svc"}, "repository"),
        ({"commits": frozenset({"e" * 40})}, "commit"),
    ],
)
async def test_another_repository_or_commit_is_one_line(
    registry: str, changes: dict[str, object], check: str
) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        digest = await _attach(client, repo)
        verdict = await verify(client, repo, digest, policy(**changes))
    assert f": {check}: " in _one_line(verdict.error)


async def _push_provenance_artifact(
    client: Registry, repo: str, subject_digest: str, envelope: bytes
) -> None:
    """Push an artifact about ``subject_digest`` holding ``envelope``, listed in its index."""
    from main.core.registry.referrers import record_referrer  # noqa: PLC0415 - test-only path

    subject = describe(await client.manifest(repo, subject_digest))
    artifact = Artifact(
        DSSE_TYPE, DSSE_TYPE, envelope, "provenance.dsse.json", {PREDICATE_TYPE: SLSA_PROVENANCE}
    )
    entry = await push_artifact(client, repo, subject, artifact)
    await record_referrer(client, repo, subject_digest, entry, api=False)


async def test_a_statement_about_another_digest_is_one_line(registry: str) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        other = await pushed_image(client, repo, seed="other")
        # A validly signed statement about `other`, attached to (and listed for) `ours`:
        signed = sign(other.provenance, PAYLOAD_TYPE, load_private_key(KEY.private)).to_json()
        ours = await pushed_image(client, repo, seed="target")
        await _push_provenance_artifact(client, repo, ours.digest, signed)
        verdict = await verify(client, repo, ours.digest, policy(require_sbom=False))
    assert other.digest != ours.digest
    assert "subject digest: the statement is about " in _one_line(verdict.error)


async def test_an_artifact_listed_for_another_digest_is_one_line(registry: str) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        digest_a = await _attach(client, repo)
        b = await pushed_image(client, repo, seed="b")
        index_a = await client.manifest(repo, fallback_tag(digest_a))
        await client.put_manifest(repo, fallback_tag(b.digest), index_a)
        verdict = await verify(client, repo, b.digest, policy())
    assert f"subject: the artifact refers to {digest_a}, not {b.digest}" in _one_line(verdict.error)


async def test_a_tampered_payload_is_one_line(registry: str) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        pushed = await pushed_image(client, repo)
        envelope = json.loads(
            sign(pushed.provenance, PAYLOAD_TYPE, load_private_key(KEY.private)).to_json()
        )
        evil = provenance_for(f"{client.host}/{repo}", pushed.digest, repository="https://evil")
        import base64  # noqa: PLC0415

        envelope["payload"] = base64.b64encode(evil).decode()
        await _push_provenance_artifact(client, repo, pushed.digest, json.dumps(envelope).encode())
        verdict = await verify(client, repo, pushed.digest, policy(require_sbom=False))
    assert "signature: the envelope is not signed by the given key" in _one_line(verdict.error)


@pytest.mark.parametrize("mode", ["garbage", "missing"])
async def test_a_referrers_api_answering_garbage_or_404_is_one_line(
    front: str, front_state: ReferrersState, mode: str
) -> None:
    repo = new_repo("attest")
    front_state.mode = mode  # type: ignore[assignment]
    async with Registry(front) as client:
        pushed = await pushed_image(client, repo)
        verdict = await verify(client, repo, pushed.digest, policy())
        if mode == "garbage":
            attachment = prepare(
                f"{client.host}/{repo}",
                pushed.digest,
                provenance=pushed.provenance,
                sbom=pushed.sbom,
            )
            with pytest.raises(PipelineError, match="not an OCI image index") as caught:
                await attach(client, repo, attachment, load_private_key(KEY.private))
            _one_line(str(caught.value))
        tags = await client.tags(repo)
    assert tags == ["v1"]  # nothing half-done: no fallback tag, nothing listed
    assert not verdict.verified
    if mode == "garbage":
        assert _one_line(verdict.error).startswith("referrers: ")
        assert "not an OCI image index" in verdict.error
    else:
        assert _one_line(verdict.error) == (
            f"provenance: none attached to {pushed.digest} (looked via the fallback tag)"
        )


async def _full_index(
    client: Registry, repo: str, digest: str, entries: int, announce: str
) -> None:
    """A fallback index of ``entries`` entries, each pointing at one real junk artifact."""
    subject = describe(await client.manifest(repo, "v1"))
    junk = await push_artifact(
        client,
        repo,
        subject.__class__(subject.media_type, "sha256:" + "0" * 64, 1),
        Artifact(DSSE_TYPE, DSSE_TYPE, b"{}", "junk.json"),
    )
    entry = {
        "mediaType": junk.media_type,
        "digest": junk.digest,
        "size": junk.size,
        "artifactType": DSSE_TYPE,
        "annotations": {PREDICATE_TYPE: announce},
    }
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry] * entries}
    await client.put_manifest(repo, fallback_tag(digest), Manifest.of(json.dumps(index).encode()))


async def test_a_fallback_index_of_1000_hostile_entries_is_bounded_and_one_line(
    front_state: ReferrersState,
) -> None:
    front_state.mode = "missing"  # a recording front: distribution 2.8 behind it
    log = Log()
    repo = new_repo("attest")
    with referrers_front(front_state, log) as url:
        async with Registry(url) as client:
            pushed = await pushed_image(client, repo)
            await _full_index(client, repo, pushed.digest, MAX_ENTRIES, SLSA_PROVENANCE)
            before = len(log.requests)
            verdict = await verify(client, repo, pushed.digest, policy(require_sbom=False))
            reads = [r for r in log.requests[before:] if "/manifests/sha256:" in r.path]
            attachment = prepare(
                f"{client.host}/{repo}",
                pushed.digest,
                provenance=pushed.provenance,
                sbom=pushed.sbom,
            )
            with pytest.raises(PipelineError, match="already lists 1000 artifacts") as caught:
                await attach(client, repo, attachment, load_private_key(KEY.private))
    assert "subject: the artifact refers to sha256:000" in _one_line(verdict.error)
    assert len(reads) <= MAX_CANDIDATES
    _one_line(str(caught.value))


async def test_a_fallback_index_past_1000_entries_is_one_line(registry: str) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        pushed = await pushed_image(client, repo)
        await _full_index(client, repo, pushed.digest, MAX_ENTRIES + 1, "x")
        verdict = await verify(client, repo, pushed.digest, policy())
        with pytest.raises(PipelineError, match="more than the 1000") as caught:
            await find_referrers(client, repo, pushed.digest)
    assert "more than the 1000" in _one_line(verdict.error)
    _one_line(str(caught.value))


async def test_our_attestation_is_found_among_1000_other_entries(registry: str) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        pushed = await pushed_image(client, repo)
        await _full_index(client, repo, pushed.digest, MAX_ENTRIES - 2, "https://example.com/other")
        attachment = prepare(
            f"{client.host}/{repo}", pushed.digest, provenance=pushed.provenance, sbom=pushed.sbom
        )
        await attach(client, repo, attachment, load_private_key(KEY.private))
        verdict = await verify(client, repo, pushed.digest, policy())
        listed = (await find_referrers(client, repo, pushed.digest)).entries
    assert len(listed) == MAX_ENTRIES
    assert verdict.verified, verdict.error


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("error", "answered 500"),
        ("html", "not an OCI image index"),
        ("huge", "more than"),
        ("endless", "more than"),
    ],
)
async def test_a_referrers_api_answering_500_html_or_a_huge_body_is_one_line_and_bounded(
    front: str, front_state: ReferrersState, mode: str, words: str
) -> None:
    repo = new_repo("attest")
    async with Registry(front, policy=RetryPolicy(retries=1, backoff=0.01)) as client:
        pushed = await pushed_image(client, repo)
        front_state.mode = mode  # type: ignore[assignment]
        verdict = await verify(client, repo, pushed.digest, policy())
        attachment = prepare(
            f"{client.host}/{repo}", pushed.digest, provenance=pushed.provenance, sbom=pushed.sbom
        )
        with pytest.raises(PipelineError, match=words) as caught:
            await attach(client, repo, attachment, load_private_key(KEY.private))
        tags = await client.tags(repo)
    assert tags == ["v1"]  # nothing written: no fallback tag, no artifact listed
    assert not verdict.verified
    assert _one_line(verdict.error).startswith("referrers: ")
    assert words in verdict.error
    _one_line(str(caught.value))


async def test_an_unknown_payload_type_is_one_line(registry: str) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        pushed = await pushed_image(client, repo)
        signed = sign(pushed.provenance, "text/plain", load_private_key(KEY.private)).to_json()
        await _push_provenance_artifact(client, repo, pushed.digest, signed)
        verdict = await verify(client, repo, pushed.digest, policy(require_sbom=False))
    assert "signature: the envelope carries 'text/plain'" in _one_line(verdict.error)


async def test_an_envelope_without_signatures_is_one_line(registry: str) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        pushed = await pushed_image(client, repo)
        envelope = json.loads(
            sign(pushed.provenance, PAYLOAD_TYPE, load_private_key(KEY.private)).to_json()
        )
        envelope["signatures"] = []
        await _push_provenance_artifact(client, repo, pushed.digest, json.dumps(envelope).encode())
        verdict = await verify(client, repo, pushed.digest, policy(require_sbom=False))
    assert "signature: the envelope carries no signature" in _one_line(verdict.error)


async def test_a_statement_about_several_digests_verifies_for_the_one_that_matches(
    registry: str,
) -> None:
    repo = new_repo("attest")
    async with Registry(registry) as client:
        pushed = await pushed_image(client, repo)
        statement = json.loads(pushed.provenance)
        statement["subject"].insert(0, {"name": "other", "digest": {"sha256": "cd" * 32}})
        statement["subject"][1]["digest"]["sha512"] = "ef" * 64
        several = json.dumps(statement).encode()
        attachment = prepare(
            f"{client.host}/{repo}", pushed.digest, provenance=several, sbom=pushed.sbom
        )
        await attach(client, repo, attachment, load_private_key(KEY.private))
        verdict = await verify(client, repo, pushed.digest, policy())
    assert verdict.verified, verdict.error
