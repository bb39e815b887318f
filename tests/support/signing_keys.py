"""Fresh signing keys for the attestation tests, as PEM.

The forms `openssl genpkey` writes: PKCS#8 private keys and SubjectPublicKeyInfo public keys.
"""

from dataclasses import dataclass
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa


@dataclass(frozen=True)
class KeyPair:
    """A private key and its public key, both PEM."""

    private: bytes
    public: bytes


def _pem(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey,
) -> KeyPair:
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return KeyPair(private, public)


@cache
def ecdsa_pair(name: str = "a", curve: type[ec.EllipticCurve] = ec.SECP256R1) -> KeyPair:
    """A P-256 (or other curve) pair; the same ``name`` gives the same pair in one run."""
    del name  # only the cache key: two names, two pairs
    return _pem(ec.generate_private_key(curve()))


def rsa_pair() -> KeyPair:
    """An RSA pair: a key type the signer refuses."""
    return _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def ed25519_pair() -> KeyPair:
    """An Ed25519 pair: a key type the signer refuses."""
    return _pem(ed25519.Ed25519PrivateKey.generate())


def encrypted_private(pair: KeyPair, password: bytes) -> bytes:
    """The private key of ``pair`` encrypted with ``password`` (PKCS#8, best available)."""
    key = serialization.load_pem_private_key(pair.private, None)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )
