"""Peers no one here wrote read what attach wrote to the real docker-registry.

The ORAS Python SDK lists the fallback tag and pulls the index and both artifacts;
securesystemslib's DSSE (the verifier in-toto and python-tuf build on) and in-toto's own
envelope model verify the signatures with the public key; the statement's subject is
compared with the digest ORAS computes from the image manifest's bytes.
"""

import base64
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from in_toto.models.metadata import Envelope as InTotoEnvelope
from in_toto.models.metadata import Metadata
from oras.provider import Registry as OrasClient
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey  # type: ignore[attr-defined]  # re-exported, not in __all__

from main.core.attest.attach import attach, prepare
from main.core.attest.dsse import load_private_key, load_public_key, sign
from main.core.attest.statement import PAYLOAD_TYPE
from main.core.registry.client import Registry
from main.core.registry.referrers import fallback_tag
from tests.support.attestations import pushed_image
from tests.support.referrers_front import ReferrersState, referrers_front
from tests.support.signing_keys import ecdsa_pair
from tests.support.staging import new_repo

KEY = ecdsa_pair("peers")
OTHER = ecdsa_pair("peers-other")
SLSA = "https://slsa.dev/provenance/v1"
CYCLONEDX = "https://cyclonedx.org/bom"


def _sslib_key(public_pem: bytes) -> SSlibKey:
    """The public key as securesystemslib holds it, under the keyid our signatures claim."""
    public = serialization.load_pem_public_key(public_pem)
    return SSlibKey.from_crypto(public, keyid=load_public_key(public_pem).keyid)


@pytest.fixture(scope="module")
def attached(registry: str) -> tuple[str, str]:
    import anyio  # noqa: PLC0415 - only this fixture runs a loop

    repo = new_repo("attest-peers")

    async def go() -> str:
        async with Registry(registry) as client:
            pushed = await pushed_image(client, repo)
            image = f"{client.host}/{repo}"
            prepared = prepare(image, pushed.digest, provenance=pushed.provenance, sbom=pushed.sbom)
            await attach(client, repo, prepared, load_private_key(KEY.private))
            return pushed.digest

    return repo, anyio.run(go)


def _oras(registry: str) -> OrasClient:
    return OrasClient(hostname=registry.removeprefix("http://"), insecure=True)


def test_oras_lists_the_fallback_tag_and_pulls_both_artifacts(
    registry: str, attached: tuple[str, str], tmp_path: Path
) -> None:
    repo, digest = attached
    host = registry.removeprefix("http://")
    client = _oras(registry)
    assert fallback_tag(digest) in client.get_tags(f"{host}/{repo}")
    index = client.get_manifest(
        f"{host}/{repo}:{fallback_tag(digest)}",
        allowed_media_type=["application/vnd.oci.image.index.v1+json"],
    )
    kinds = {e["annotations"]["in-toto.io/predicate-type"]: e for e in index["manifests"]}
    assert set(kinds) == {SLSA, CYCLONEDX}
    for predicate_type, entry in kinds.items():
        artifact = client.get_manifest(f"{host}/{repo}@{entry['digest']}")
        assert artifact["subject"]["digest"] == digest
        assert artifact["artifactType"] == "application/vnd.dsse.envelope.v1+json"
        files = client.pull(target=f"{host}/{repo}@{entry['digest']}", outdir=str(tmp_path))
        (pulled,) = files
        envelope = Envelope.from_dict(json.loads(Path(pulled).read_bytes()))
        statement = json.loads(envelope.payload)
        assert statement["predicateType"] == predicate_type


def test_securesystemslib_and_in_toto_verify_the_envelopes_and_the_subject(
    registry: str, attached: tuple[str, str], tmp_path: Path
) -> None:
    repo, digest = attached
    host = registry.removeprefix("http://")
    client = _oras(registry)
    image_manifest = client.get_manifest(f"{host}/{repo}:v1")
    # ORAS hands back the parsed manifest: fetch the exact bytes to hash them ourselves.
    raw = client.do_request(
        f"http://{host}/v2/{repo}/manifests/v1",
        headers={"Accept": image_manifest["mediaType"]},
    ).content
    computed = "sha256:" + hashlib.sha256(raw).hexdigest()
    assert computed == digest
    index = client.get_manifest(
        f"{host}/{repo}:{fallback_tag(digest)}",
        allowed_media_type=["application/vnd.oci.image.index.v1+json"],
    )
    key = _sslib_key(KEY.public)
    for entry in index["manifests"]:
        (pulled,) = client.pull(target=f"{host}/{repo}@{entry['digest']}", outdir=str(tmp_path))
        data = Path(pulled).read_bytes()

        def document(data: bytes = data) -> dict[str, object]:
            # A fresh copy each time: securesystemslib's from_dict consumes what it reads.
            loaded: dict[str, object] = json.loads(data)
            return loaded

        envelope = Envelope.from_dict(document())
        assert set(envelope.verify([key], 1)) == {key.keyid}
        in_toto = Metadata.from_dict(document())
        assert isinstance(in_toto, InTotoEnvelope)
        in_toto.verify_signature(key.to_dict() | {"keyid": key.keyid})
        with pytest.raises(VerificationError):
            Envelope.from_dict(document()).verify([_sslib_key(OTHER.public)], 1)
        statement = json.loads(envelope.payload)
        assert statement["_type"] == "https://in-toto.io/Statement/v1"
        assert [s["digest"]["sha256"] for s in statement["subject"]] == [
            computed.removeprefix("sha256:")
        ]
        tampered = dict(document(), payload=base64.b64encode(envelope.payload + b" ").decode())
        with pytest.raises(VerificationError):
            Envelope.from_dict(tampered).verify([key], 1)


def test_oras_reads_the_referrers_api_listing_and_pulls_what_it_names(
    registry: str, tmp_path: Path
) -> None:
    """The OCI 1.1 referrers endpoint as ORAS asks it (its SDK has no call of its own for it)."""
    import anyio  # noqa: PLC0415 - only this test runs a loop

    state = ReferrersState(upstream=registry)
    repo = new_repo("attest-peers-api")
    with referrers_front(state) as front:

        async def go() -> str:
            async with Registry(front) as client:
                pushed = await pushed_image(client, repo)
                image = f"{client.host}/{repo}"
                prepared = prepare(
                    image, pushed.digest, provenance=pushed.provenance, sbom=pushed.sbom
                )
                await attach(client, repo, prepared, load_private_key(KEY.private))
                return pushed.digest

        digest = anyio.run(go)
        host = front.removeprefix("http://")
        client = _oras(front)
        assert fallback_tag(digest) not in client.get_tags(f"{host}/{repo}")
        listing = client.do_request(
            f"{front}/v2/{repo}/referrers/{digest}",
            headers={"Accept": "application/vnd.oci.image.index.v1+json"},
        ).json()
        entries = {e["annotations"]["in-toto.io/predicate-type"]: e for e in listing["manifests"]}
        assert set(entries) == {SLSA, CYCLONEDX}
        for predicate_type, entry in entries.items():
            assert entry["artifactType"] == "application/vnd.dsse.envelope.v1+json"
            manifest = client.get_manifest(f"{host}/{repo}@{entry['digest']}")
            _looks_like_what_oras_attach_writes(manifest, digest)
            (pulled,) = client.pull(target=f"{host}/{repo}@{entry['digest']}", outdir=str(tmp_path))
            envelope = Envelope.from_dict(json.loads(Path(pulled).read_bytes()))
            assert set(envelope.verify([_sslib_key(KEY.public)], 1))
            assert json.loads(envelope.payload)["predicateType"] == predicate_type


def _looks_like_what_oras_attach_writes(manifest: dict[str, Any], subject: str) -> None:
    """The fields `oras attach` writes and `oras discover` shows, on our artifact."""
    assert manifest["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert manifest["artifactType"] == "application/vnd.dsse.envelope.v1+json"
    assert manifest["config"]["mediaType"] == "application/vnd.oci.empty.v1+json"
    assert manifest["subject"]["digest"] == subject
    assert manifest["subject"]["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    (layer,) = manifest["layers"]
    assert layer["mediaType"] == "application/vnd.dsse.envelope.v1+json"
    assert layer["annotations"]["org.opencontainers.image.title"].endswith(".intoto.dsse.json")
    created = manifest["annotations"]["org.opencontainers.image.created"]
    assert datetime.fromisoformat(created).utcoffset() == timedelta(0)


def test_the_fallback_tags_artifacts_carry_what_oras_attach_writes(
    registry: str, attached: tuple[str, str]
) -> None:
    repo, digest = attached
    host = registry.removeprefix("http://")
    client = _oras(registry)
    index = client.get_manifest(
        f"{host}/{repo}:{fallback_tag(digest)}",
        allowed_media_type=["application/vnd.oci.image.index.v1+json"],
    )
    for entry in index["manifests"]:
        assert "org.opencontainers.image.created" in entry["annotations"]
        _looks_like_what_oras_attach_writes(
            client.get_manifest(f"{host}/{repo}@{entry['digest']}"), digest
        )


@pytest.mark.parametrize("curve", [ec.SECP256R1, ec.SECP384R1], ids=["p256", "p384"])
def test_securesystemslib_verifies_what_a_p256_or_p384_key_signed(
    curve: type[ec.EllipticCurve],
) -> None:
    pair = ecdsa_pair(f"peers-{curve.name}", curve)
    signed = sign(b'{"_type": "x"}', PAYLOAD_TYPE, load_private_key(pair.private)).to_json()
    key = _sslib_key(pair.public)
    assert set(Envelope.from_dict(json.loads(signed)).verify([key], 1)) == {key.keyid}
