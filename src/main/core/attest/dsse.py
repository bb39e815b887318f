"""DSSE envelopes: sign a payload with an ECDSA key, verify it with the public key.

The envelope is the Dead Simple Signing Envelope (github.com/secure-systems-lab/dsse):
the signature covers ``PAE(payloadType, payload)``, so neither the payload nor its type
can be swapped. Signatures are ASN.1 DER ECDSA, the form Sigstore/cosign write and
securesystemslib reads, with the hash that goes with the curve (P-256 with SHA-256).

Keys arrive as PEM: a PKCS#8 private key (from a ``dagger.Secret`` or a file) and a
SubjectPublicKeyInfo public key. A key object never shows its material: not in its
``repr``, not in an error message (errors say what is wrong with the key, never quote it).
The ``keyid`` of both halves is the SHA-256 of the public key's DER, so a verifier can
tell which key a signature claims without trusting the claim.
"""

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from main.core.attest.errors import AttestationError

MAX_ENVELOPE_BYTES = 384 * 1024 * 1024  # an SBOM of 256 MiB, base64
MAX_SIGNATURES = 16
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "secp256r1": hashes.SHA256,
    "secp384r1": hashes.SHA384,
    "secp521r1": hashes.SHA512,
}
_CURVES = "ECDSA P-256, P-384 or P-521"
# cosign 2+ and cosign 1 PEM labels of its encrypted private key.
_COSIGN_LABELS = (b"BEGIN ENCRYPTED SIGSTORE PRIVATE KEY", b"BEGIN ENCRYPTED COSIGN PRIVATE KEY")


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding: ``DSSEv1 SP len(type) SP type SP len(body) SP body``."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


def _keyid(public: ec.EllipticCurvePublicKey) -> str:
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _hash_for(curve: ec.EllipticCurve) -> hashes.HashAlgorithm:
    algorithm = _HASHES.get(curve.name)
    if algorithm is None:
        msg = f"the key is on curve {curve.name}; use {_CURVES}"
        raise AttestationError(msg)
    return algorithm()


class SigningKey:
    """A private ECDSA key that signs and never shows itself."""

    __slots__ = ("_key", "keyid")

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        """Keep the key; check its curve has a hash."""
        _hash_for(key.curve)
        self._key = key
        self.keyid = _keyid(key.public_key())

    def sign(self, data: bytes) -> bytes:
        """A DER ECDSA signature over ``data``."""
        return self._key.sign(data, ec.ECDSA(_hash_for(self._key.curve)))

    def __repr__(self) -> str:
        """Which key, never what key."""
        return f"SigningKey(keyid={self.keyid[:16]}...)"


@dataclass(frozen=True, slots=True)
class VerifyingKey:
    """A public ECDSA key."""

    key: ec.EllipticCurvePublicKey
    keyid: str

    def verifies(self, signature: bytes, data: bytes) -> bool:
        """Whether ``signature`` (DER) over ``data`` was made by this key's private half."""
        try:
            self.key.verify(signature, data, ec.ECDSA(_hash_for(self.key.curve)))
        except InvalidSignature:
            return False
        return True


def load_private_key(pem: bytes) -> SigningKey:
    """A PKCS#8 PEM ECDSA private key, unencrypted; anything else is one clear line.

    cosign's own key file (``cosign generate-key-pair``) is always encrypted, in a
    format of its own (scrypt and NaCl secretbox): it is named and refused, with the
    way to a key both can use.
    """
    if any(label in pem for label in _COSIGN_LABELS):
        msg = (
            "the signing key is cosign's encrypted key file, which this does not decrypt: "
            "give an unencrypted PKCS#8 PEM key (openssl genpkey -algorithm EC -pkeyopt "
            "ec_paramgen_curve:P-256), which `cosign import-key-pair --key` also takes"
        )
        raise AttestationError(msg)
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError:
        msg = "the signing key is encrypted: give it unencrypted, held as a secret"
        raise AttestationError(msg) from None
    except (ValueError, UnsupportedAlgorithm):
        msg = f"the signing key is not a PEM private key: give a PKCS#8 PEM {_CURVES} key"
        raise AttestationError(msg) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        msg = f"the signing key is a {type(key).__name__.lstrip('_')}; give an {_CURVES} key"
        raise AttestationError(msg)
    return SigningKey(key)


def load_public_key(pem: bytes) -> VerifyingKey:
    """A SubjectPublicKeyInfo PEM ECDSA public key."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm):
        msg = f"the verification key is not a PEM public key: give the {_CURVES} public key"
        raise AttestationError(msg) from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        msg = f"the verification key is a {type(key).__name__.lstrip('_')}; give an {_CURVES} key"
        raise AttestationError(msg)
    _hash_for(key.curve)
    return VerifyingKey(key, _keyid(key))


@dataclass(frozen=True, slots=True)
class Signature:
    """One DSSE signature and the key id it claims."""

    keyid: str
    sig: bytes


@dataclass(frozen=True, slots=True)
class Envelope:
    """A DSSE envelope: payload, its type, and signatures over both."""

    payload: bytes
    payload_type: str
    signatures: tuple[Signature, ...]

    def to_json(self) -> bytes:
        """The envelope's JSON, as DSSE, cosign and in-toto read it."""
        return json.dumps(
            {
                "payload": base64.b64encode(self.payload).decode(),
                "payloadType": self.payload_type,
                "signatures": [
                    {"keyid": s.keyid, "sig": base64.b64encode(s.sig).decode()}
                    for s in self.signatures
                ],
            },
            sort_keys=True,
            separators=(",", ":"),
        ).encode()


def sign(payload: bytes, payload_type: str, key: SigningKey) -> Envelope:
    """An envelope over ``payload`` signed by ``key``."""
    signature = Signature(key.keyid, key.sign(pae(payload_type, payload)))
    return Envelope(payload, payload_type, (signature,))


def verify(envelope: Envelope, key: VerifyingKey) -> bytes:
    """The payload, when one of the envelope's signatures is ``key``'s over its PAE."""
    if not envelope.signatures:
        msg = "the envelope carries no signature"
        raise AttestationError(msg)
    signed = pae(envelope.payload_type, envelope.payload)
    if any(key.verifies(s.sig, signed) for s in envelope.signatures):
        return envelope.payload
    msg = f"the envelope is not signed by the given key (keyid {key.keyid[:16]}...)"
    raise AttestationError(msg)


def read_envelope(data: bytes) -> Envelope:
    """Parse a DSSE envelope's JSON, bounded in size and number of signatures."""
    if len(data) > MAX_ENVELOPE_BYTES:
        msg = f"the envelope is {len(data)} bytes, more than {MAX_ENVELOPE_BYTES}"
        raise AttestationError(msg)
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        msg = "the attestation is not a DSSE envelope (not a JSON object)"
        raise AttestationError(msg)
    payload_type = document.get("payloadType")
    if not isinstance(payload_type, str):
        msg = "the DSSE envelope has no payloadType"
        raise AttestationError(msg)
    return Envelope(
        _b64(document.get("payload"), "payload"),
        payload_type,
        _signatures(document.get("signatures")),
    )


def _signatures(entries: object) -> tuple[Signature, ...]:
    if not isinstance(entries, list) or len(entries) > MAX_SIGNATURES:
        msg = f"the DSSE envelope's signatures are not a list of at most {MAX_SIGNATURES}"
        raise AttestationError(msg)
    found = []
    for entry in entries:
        sig = entry.get("sig") if isinstance(entry, dict) else None
        if not isinstance(sig, str):
            msg = "the DSSE envelope's signatures hold an entry without a sig string"
            raise AttestationError(msg)
        keyid = _entry(entry).get("keyid", "")
        found.append(Signature(keyid if isinstance(keyid, str) else "", _b64(sig, "signature")))
    return tuple(found)


def _entry(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        msg = f"the DSSE envelope's {what} is not a string"
        raise AttestationError(msg)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        msg = f"the DSSE envelope's {what} is not base64"
        raise AttestationError(msg) from None
