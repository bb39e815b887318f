"""Sigstore bundles and OIDC tokens made here, for what keyless signing refuses.

A real bundle needs Fulcio, Rekor and a GitHub job's token; none is reachable here (the
real one is signed and verified in .github/workflows/keyless.yml). What is made here
has the exact v0.3 bundle shape sigstore parses (certificate, one log entry with its
inclusion proof and promise, a DSSE envelope really signed by the certificate's key),
but its certificate is self-signed and its log entry invented: a forgery, which the
verifier must refuse however right its identity and statement look.
"""

import base64
import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from main.core.attest.dsse import pae

ISSUER = "https://token.actions.githubusercontent.com"
WORKFLOW = "https://github.com/acme/svc/.github/workflows/staging.yml@refs/heads/develop"
OIDC_ISSUER_OID = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
STATEMENT_TYPE = "application/vnd.in-toto+json"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def statement(digest: str, predicate_type: str = "https://slsa.dev/provenance/v1") -> bytes:
    """A minimal in-toto statement v1 about ``digest``."""
    return json.dumps(
        {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "ghcr.io/acme/svc", "digest": {"sha256": digest[7:]}}],
            "predicateType": predicate_type,
            "predicate": {},
        }
    ).encode()


def forged_bundle(payload: bytes, *, identity: str = WORKFLOW, issuer: str = ISSUER) -> bytes:
    """A v0.3 bundle of ``payload`` whose certificate names ``identity``, self-signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstore.dev")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(minutes=10))
        .add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(identity)]),
            critical=False,
        )
        .add_extension(x509.UnrecognizedExtension(OIDC_ISSUER_OID, issuer.encode()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
        .sign(key, hashes.SHA256())
    )
    der = cert.public_bytes(serialization.Encoding.DER)
    signature = key.sign(pae(STATEMENT_TYPE, payload), ec.ECDSA(hashes.SHA256()))
    body = {"apiVersion": "0.0.1", "kind": "dsse", "spec": {}}
    document: dict[str, Any] = {
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "certificate": {"rawBytes": _b64(der)},
            "tlogEntries": [
                {
                    "logIndex": "7",
                    "logId": {"keyId": _b64(hashlib.sha256(b"log").digest())},
                    "kindVersion": {"kind": "dsse", "version": "0.0.1"},
                    "integratedTime": str(int(time.time())),
                    "inclusionPromise": {"signedEntryTimestamp": _b64(b"not a signature")},
                    "inclusionProof": {
                        "logIndex": "7",
                        "rootHash": _b64(hashlib.sha256(b"root").digest()),
                        "treeSize": "8",
                        "hashes": [_b64(hashlib.sha256(b"sibling").digest())],
                        "checkpoint": {"envelope": "rekor.sigstore.dev - 1\n8\nAAAA\n\n"},
                    },
                    "canonicalizedBody": _b64(json.dumps(body).encode()),
                }
            ],
        },
        "dsseEnvelope": {
            "payload": _b64(payload),
            "payloadType": STATEMENT_TYPE,
            "signatures": [{"sig": _b64(signature)}],
        },
    }
    return json.dumps(document).encode()


def offline_production_verifier(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], object]:
    """Sigstore's production verifier on the trust root sigstore ships: no network.

    sigstore caches its trust root under the user's data folder: ``folder`` instead.
    """
    monkeypatch.setenv("XDG_DATA_HOME", str(folder / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder / "cache"))
    from sigstore.verify import Verifier  # noqa: PLC0415 - loaded where it is used

    return lambda: Verifier.production(offline=True)


def id_token(*, audience: str = "sigstore", expires_in: int = 300) -> str:
    """A JWT with GitHub's claims (signed with a throwaway HMAC key: never checked here)."""
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "repo:acme/svc:ref:refs/heads/develop",
        "aud": audience,
        "iat": now - 10,
        "nbf": now - 10,
        "exp": now + expires_in,
        "job_workflow_ref": WORKFLOW.removeprefix("https://github.com/"),
    }
    return jwt.encode(claims, "throwaway-key-for-tests-only-32bytes!", algorithm="HS256")
