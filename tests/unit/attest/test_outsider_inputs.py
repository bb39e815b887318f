"""Inputs an outsider hands the attestation seam: other tools' SBOMs, provenance and keys.

Each is written as that tool writes it (syft's CycloneDX 1.5, an SPDX 2.3 JSON document,
GitHub's ``actions/attest-build-provenance`` SLSA v1 statement, cosign's key files),
from the formats' documentation, not from our own writer.
"""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from main.core.attest.dsse import (
    Envelope,
    Signature,
    load_private_key,
    load_public_key,
    sign,
    verify,
)
from main.core.attest.errors import AttestationError
from main.core.attest.sbom import read_sbom
from main.core.attest.statement import PAYLOAD_TYPE, read_statement, source_of
from tests.support.signing_keys import ecdsa_pair

DIGEST = "ab" * 32
COMMIT = "0123456789abcdef0123456789abcdef01234567"

SYFT_CYCLONEDX = {
    "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "serialNumber": "urn:uuid:1b2f3e9d-4b8d-4a38-9d43-63a0b5a7d4a1",
    "version": 1,
    "metadata": {
        "tools": {"components": [{"type": "application", "name": "syft", "version": "1.18.1"}]},
        "component": {"bom-ref": "af63", "type": "container", "name": "acme/svc"},
    },
    "components": [
        {"bom-ref": "pkg:deb/debian/libc6@2.36-9", "type": "library", "name": "libc6"},
        {"bom-ref": "pkg:pypi/httpx@0.28.1", "type": "library", "name": "httpx"},
        {"bom-ref": "os:debian", "type": "operating-system", "name": "debian"},
        {"bom-ref": "file:/etc/os-release", "type": "file", "name": "/etc/os-release"},
    ],
}

SPDX = {
    "spdxVersion": "SPDX-2.3",
    "dataLicense": "CC0-1.0",
    "SPDXID": "SPDXRef-DOCUMENT",
    "name": "acme/svc",
    "documentNamespace": "https://anchore.com/syft/image/acme-svc-1b2f3e9d",
    "creationInfo": {"creators": ["Tool: syft-1.18.1"], "created": "2026-12-07T08:00:00Z"},
    "packages": [
        {"name": "libc6", "SPDXID": "SPDXRef-Package-deb-libc6", "downloadLocation": "NONE"},
        {
            "name": "httpx",
            "SPDXID": "SPDXRef-Package-python-httpx",
            "downloadLocation": "NOASSERTION",
            "primaryPackagePurpose": "LIBRARY",
        },
        {
            "name": "acme/svc",
            "SPDXID": "SPDXRef-DocumentRoot-Image-acme-svc",
            "downloadLocation": "NOASSERTION",
            "primaryPackagePurpose": "CONTAINER",
        },
        {
            "name": "debian",
            "SPDXID": "SPDXRef-OperatingSystem-debian",
            "downloadLocation": "NONE",
            "primaryPackagePurpose": "OPERATING-SYSTEM",
        },
    ],
    "relationships": [
        {
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": "SPDXRef-DocumentRoot-Image-acme-svc",
        }
    ],
}

# What GitHub's actions/attest-build-provenance writes (buildType workflow/v1).
GITHUB_PROVENANCE = {
    "_type": "https://in-toto.io/Statement/v1",
    "subject": [{"name": "ghcr.io/acme/svc", "digest": {"sha256": DIGEST}}],
    "predicateType": "https://slsa.dev/provenance/v1",
    "predicate": {
        "buildDefinition": {
            "buildType": "https://actions.github.io/buildtypes/workflow/v1",
            "externalParameters": {
                "workflow": {
                    "ref": "refs/heads/main",
                    "repository": "https://github.com/acme/svc",
                    "path": ".github/workflows/release.yml",
                }
            },
            "internalParameters": {"github": {"event_name": "push", "repository_id": "1"}},
            "resolvedDependencies": [
                {
                    "uri": "git+https://github.com/acme/svc@refs/heads/main",
                    "digest": {"gitCommit": COMMIT},
                }
            ],
        },
        "runDetails": {
            "builder": {
                "id": "https://github.com/acme/svc/.github/workflows/release.yml@refs/heads/main"
            },
            "metadata": {"invocationId": "https://github.com/acme/svc/actions/runs/1/attempts/1"},
        },
    },
}


def test_syfts_cyclonedx_1_5_counts_its_libraries() -> None:
    sbom = read_sbom(json.dumps(SYFT_CYCLONEDX).encode())
    assert (sbom.format, sbom.spec_version, sbom.packages) == ("CycloneDX", "1.5", 2)


def test_a_minimal_cyclonedx_1_6_document_is_an_sbom_of_no_package() -> None:
    data = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}).encode()
    assert read_sbom(data).packages == 0


def test_an_spdx_json_document_is_an_sbom_counting_its_packages_not_the_image() -> None:
    sbom = read_sbom(json.dumps(SPDX).encode())
    assert (sbom.format, sbom.spec_version, sbom.packages) == ("SPDX", "SPDX-2.3", 2)
    assert sbom.predicate_type == "https://spdx.dev/Document"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"packages": {}}, "packages"),
        ({"packages": ["x"]}, "packages"),
        ({"spdxVersion": 2.3}, "spdxVersion"),
    ],
)
def test_an_spdx_document_that_is_not_one_is_one_line(
    changes: dict[str, object], words: str
) -> None:
    with pytest.raises(AttestationError, match=words) as caught:
        read_sbom(json.dumps(SPDX | changes).encode())
    assert "\n" not in str(caught.value)


def test_githubs_workflow_provenance_names_its_repository_and_commit() -> None:
    facts = source_of(read_statement(json.dumps(GITHUB_PROVENANCE).encode()))
    assert (facts.repository, facts.commit) == ("https://github.com/acme/svc", COMMIT)
    assert facts.builder.endswith("release.yml@refs/heads/main")


def test_a_git_dependency_alone_names_the_repository() -> None:
    statement = json.loads(json.dumps(GITHUB_PROVENANCE))
    statement["predicate"]["buildDefinition"]["externalParameters"] = {}
    dependencies = statement["predicate"]["buildDefinition"]["resolvedDependencies"]
    dependencies.insert(0, {"uri": "pkg:docker/python@3.12", "digest": {"sha256": DIGEST}})
    facts = source_of(read_statement(json.dumps(statement).encode()))
    assert (facts.repository, facts.commit) == ("https://github.com/acme/svc", COMMIT)


def test_a_subject_of_several_digests_names_each() -> None:
    statement = json.loads(json.dumps(GITHUB_PROVENANCE))
    statement["subject"] = [
        {"name": "a", "digest": {"sha256": "cd" * 32, "sha512": "ef" * 64}},
        {"name": "b", "digest": {"sha256": DIGEST}},
    ]
    assert read_statement(json.dumps(statement).encode()).digests == {
        f"sha256:{'cd' * 32}",
        f"sha256:{DIGEST}",
    }


def _pem(label: str, body: bytes) -> bytes:
    lines = base64.encodebytes(body).decode().strip()
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n".encode()


COSIGN_BODY = json.dumps(
    {
        "kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1}, "salt": "c2FsdA=="},
        "cipher": {"name": "nacl/secretbox", "nonce": "bm9uY2U="},
        "ciphertext": base64.b64encode(b"\x00" * 138).decode(),
    }
).encode()


@pytest.mark.parametrize(
    "label", ["ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"]
)
def test_an_encrypted_cosign_key_is_refused_in_one_line_saying_what_to_give(label: str) -> None:
    with pytest.raises(AttestationError, match="cosign") as caught:
        load_private_key(_pem(label, COSIGN_BODY))
    message = str(caught.value)
    assert "\n" not in message
    assert "PKCS#8" in message
    assert "ciphertext" not in message


def test_cosigns_public_key_file_is_a_public_key() -> None:
    # cosign.pub is a SubjectPublicKeyInfo PEM ("PUBLIC KEY"), as openssl writes it.
    pair = ecdsa_pair("cosign-pub")
    assert load_public_key(pair.public).keyid


def test_a_p384_key_signs_with_sha384_and_verifies() -> None:
    pair = ecdsa_pair("p384", ec.SECP384R1)
    envelope = sign(b"{}", PAYLOAD_TYPE, load_private_key(pair.private))
    assert verify(envelope, load_public_key(pair.public)) == b"{}"


@pytest.mark.parametrize("sig", [b"", b"\x00" * 64, b"not der at all", b"\x30\x02\x02\x00"])
def test_a_signature_that_is_not_der_is_not_a_signature(sig: bytes) -> None:
    pair = ecdsa_pair("non-der")
    envelope = Envelope(b"{}", PAYLOAD_TYPE, (Signature("k", sig),))
    with pytest.raises(AttestationError, match="not signed by the given key") as caught:
        verify(envelope, load_public_key(pair.public))
    assert "\n" not in str(caught.value)


def test_many_signatures_verify_when_one_is_the_keys() -> None:
    pair = ecdsa_pair("many")
    good = sign(b"{}", PAYLOAD_TYPE, load_private_key(pair.private)).signatures[0]
    junk = tuple(Signature(str(n), b"\x00" * 70) for n in range(15))
    envelope = Envelope(b"{}", PAYLOAD_TYPE, (*junk, good))
    assert verify(envelope, load_public_key(pair.public)) == b"{}"
