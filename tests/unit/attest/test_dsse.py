"""DSSE envelopes signed with an ECDSA P-256 key, signatures DER as cosign writes them."""

import base64
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from main.core.attest.dsse import (
    Envelope,
    load_private_key,
    load_public_key,
    pae,
    read_envelope,
    sign,
    verify,
)
from main.core.attest.errors import AttestationError
from tests.support.signing_keys import (
    ecdsa_pair,
    ed25519_pair,
    encrypted_private,
    rsa_pair,
)

PAYLOAD = b'{"_type":"https://in-toto.io/Statement/v1"}'
TYPE = "application/vnd.in-toto+json"


def test_pae_is_the_specs_encoding() -> None:
    # The example of the DSSE protocol document.
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_a_signature_is_der_ecdsa_sha256_over_the_pae() -> None:
    pair = ecdsa_pair()
    envelope = sign(PAYLOAD, TYPE, load_private_key(pair.private))
    document = json.loads(envelope.to_json())
    assert document["payloadType"] == TYPE
    assert base64.b64decode(document["payload"]) == PAYLOAD
    (signature,) = document["signatures"]
    public = serialization.load_pem_public_key(pair.public)
    assert isinstance(public, ec.EllipticCurvePublicKey)
    # cryptography's verify takes DER: a raw r||s signature would raise here.
    public.verify(base64.b64decode(signature["sig"]), pae(TYPE, PAYLOAD), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        public.verify(base64.b64decode(signature["sig"]), PAYLOAD, ec.ECDSA(hashes.SHA256()))


def test_verify_returns_the_payload_for_the_right_key() -> None:
    pair = ecdsa_pair()
    envelope = read_envelope(sign(PAYLOAD, TYPE, load_private_key(pair.private)).to_json())
    assert verify(envelope, load_public_key(pair.public)) == PAYLOAD


def test_the_keyid_is_the_same_when_signing_and_verifying() -> None:
    pair = ecdsa_pair()
    assert load_private_key(pair.private).keyid == load_public_key(pair.public).keyid


def test_a_wrong_key_is_one_line() -> None:
    envelope = sign(PAYLOAD, TYPE, load_private_key(ecdsa_pair("a").private))
    with pytest.raises(AttestationError, match="not signed by the given key") as caught:
        verify(envelope, load_public_key(ecdsa_pair("b").public))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("part", ["payload", "payloadType"])
def test_a_tampered_envelope_does_not_verify(part: str) -> None:
    pair = ecdsa_pair()
    document = json.loads(sign(PAYLOAD, TYPE, load_private_key(pair.private)).to_json())
    if part == "payload":
        document["payload"] = base64.b64encode(PAYLOAD.replace(b"v1", b"v2")).decode()
    else:
        document["payloadType"] = "application/json"
    with pytest.raises(AttestationError, match="not signed by the given key"):
        verify(read_envelope(json.dumps(document).encode()), load_public_key(pair.public))


def test_an_unsigned_envelope_does_not_verify() -> None:
    pair = ecdsa_pair()
    envelope = Envelope(payload=PAYLOAD, payload_type=TYPE, signatures=())
    with pytest.raises(AttestationError, match="no signature"):
        verify(envelope, load_public_key(pair.public))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"nope", "not a DSSE envelope"),
        (b'{"payload": "!!", "payloadType": "x", "signatures": []}', "base64"),
        (b'{"payload": "", "signatures": []}', "payloadType"),
        (b'{"payload": "", "payloadType": "x", "signatures": {}}', "signatures"),
        (
            b'{"payload": "", "payloadType": "x", "signatures": [{"sig": 1}]}',
            "signatures",
        ),
        (
            json.dumps(
                {"payload": "", "payloadType": "x", "signatures": [{"sig": "AA=="}] * 100}
            ).encode(),
            "signatures",
        ),
    ],
)
def test_what_is_not_an_envelope_is_one_line(data: bytes, words: str) -> None:
    with pytest.raises(AttestationError, match=words) as caught:
        read_envelope(data)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("pem", "words"),
    [
        (b"", "not a PEM"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a PEM"),
        (rsa_pair().private, "ECDSA"),
        (ed25519_pair().private, "ECDSA"),
        (ecdsa_pair().public, "not a PEM private key"),
        (encrypted_private(ecdsa_pair(), b"pw"), "encrypted"),
    ],
)
def test_an_unusable_private_key_is_one_line_without_the_key(pem: bytes, words: str) -> None:
    with pytest.raises(AttestationError, match=words) as caught:
        load_private_key(pem)
    message = str(caught.value)
    assert "\n" not in message
    assert "BEGIN" not in message
    assert pem.decode()[40:80] not in message or not pem


@pytest.mark.parametrize(
    ("pem", "words"),
    [
        (b"junk", "not a PEM public key"),
        (ecdsa_pair().private, "not a PEM public key"),
        (rsa_pair().public, "ECDSA"),
    ],
)
def test_an_unusable_public_key_is_one_line(pem: bytes, words: str) -> None:
    with pytest.raises(AttestationError, match=words) as caught:
        load_public_key(pem)
    assert "\n" not in str(caught.value)


def test_the_private_key_never_shows_in_its_repr_or_the_envelope() -> None:
    pair = ecdsa_pair()
    key = load_private_key(pair.private)
    body = b"".join(pair.private.splitlines()[1:-1]).decode()
    envelope = sign(PAYLOAD, TYPE, key).to_json().decode()
    for text in (repr(key), str(key), envelope):
        assert body[:24] not in text
        assert "PRIVATE" not in text
