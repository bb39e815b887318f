"""Keyless signing and its verification, as far as they run without GitHub and Sigstore.

Refusals need no valid bundle: a bad token is refused before anything leaves, a bundle
from another workflow fails the identity check, and a forged bundle (the right identity
and statement, a self-signed certificate) fails sigstore's own verification against the
production trust root sigstore ships (offline, in a scratch data folder). A real bundle is
made and verified in GitHub CI (.github/workflows/keyless.yml, tests/engine).
"""

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from main.core.attest.errors import AttestationError
from main.core.attest.keyless import (
    BUNDLE_TYPE,
    GITHUB_ISSUER,
    KeylessIdentity,
    Signed,
    identity_token,
    open_bundle,
    sign_keyless,
)
from tests.support.sigstore_bundles import (
    WORKFLOW,
    forged_bundle,
    id_token,
    offline_production_verifier,
    statement,
)

DIGEST = "sha256:" + "a" * 64


@pytest.fixture
def offline_verifier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], object]:
    """Sigstore's production verifier on the trust root sigstore ships, cached in tmp_path."""
    return offline_production_verifier(tmp_path, monkeypatch)


def test_loading_the_module_and_the_keyless_code_leaves_sigstore_unloaded() -> None:
    probe = (
        "import json, sys, main; main.Pipeline; import main.core.attest.keyless, "
        "main.core.attest.oidc; print(json.dumps(sorted(n for n in sys.modules "
        "if n.split('.')[0] in ('sigstore', 'tuf', 'rfc3161_client'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout) == []


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("not-a-jwt", "DecodeError"),
        (id_token(audience="github"), "InvalidAudienceError"),
        (id_token(expires_in=-120), "ExpiredSignatureError"),
    ],
)
def test_a_bad_identity_token_is_one_line_without_it(token: str, why: str) -> None:
    with pytest.raises(AttestationError, match=why) as caught:
        identity_token(token)
    line = str(caught.value)
    assert "\n" not in line
    assert token not in line


def test_a_bad_token_is_refused_before_anything_leaves() -> None:
    # sign_keyless reaches Sigstore only after the token is read: no network here.
    with pytest.raises(AttestationError, match="unusable for Sigstore"):
        sign_keyless([statement(DIGEST)], id_token(expires_in=-120))


def test_sigstore_unreachable_is_one_line_that_never_echoes_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Sigstore cannot be reached from here; its client failing with an answer that
    # echoes the token stands in for a Fulcio that refuses it.
    from sigstore.models import ClientTrustConfig  # noqa: PLC0415 - as the code under test

    token = id_token()

    def unreachable(*_args: object, **_kwargs: object) -> object:
        msg = f"Fulcio said no to {token}\nand more"
        raise ConnectionError(msg)

    monkeypatch.setattr(ClientTrustConfig, "production", unreachable)
    with pytest.raises(AttestationError, match="keyless signing through Sigstore failed") as caught:
        sign_keyless([statement(DIGEST)], token)
    line = str(caught.value)
    assert token[:40] not in line  # not even the start of it: lines are cut at 240 characters
    assert line.endswith("Fulcio said no to ***")


def test_a_good_token_names_the_job() -> None:
    assert identity_token(id_token()).identity == "repo:acme/svc:ref:refs/heads/develop"


@pytest.mark.parametrize(
    ("identity", "issuer", "said"),
    [
        ("", GITHUB_ISSUER, "--certificate-identity"),
        (WORKFLOW, "http://token.actions.githubusercontent.com", "https://"),
    ],
)
def test_an_incomplete_identity_policy_is_one_line(identity: str, issuer: str, said: str) -> None:
    with pytest.raises(AttestationError, match=said):
        KeylessIdentity(identity, issuer)


def test_without_a_policy_the_statement_is_read_unchecked() -> None:
    payload = statement(DIGEST)
    assert open_bundle(forged_bundle(payload), None) == payload


def test_a_bundle_from_another_workflow_fails_the_identity_check(
    offline_verifier: Callable[[], object],
) -> None:
    other = "https://github.com/mallory/svc/.github/workflows/x.yml@refs/heads/main"
    bundle = forged_bundle(statement(DIGEST), identity=other)
    signer = KeylessIdentity(WORKFLOW, verifier=offline_verifier)  # type: ignore[arg-type]
    with pytest.raises(AttestationError, match=r"^identity: .*mallory") as caught:
        open_bundle(bundle, signer)
    assert "\n" not in str(caught.value)


def test_a_bundle_from_another_issuer_fails_the_identity_check(
    offline_verifier: Callable[[], object],
) -> None:
    bundle = forged_bundle(statement(DIGEST), issuer="https://accounts.google.com")
    signer = KeylessIdentity(WORKFLOW, verifier=offline_verifier)  # type: ignore[arg-type]
    with pytest.raises(AttestationError, match=r"^identity: "):
        open_bundle(bundle, signer)


def test_a_forged_bundle_with_the_right_identity_fails_sigstore_verification(
    offline_verifier: Callable[[], object],
) -> None:
    bundle = forged_bundle(statement(DIGEST))
    signer = KeylessIdentity(WORKFLOW, verifier=offline_verifier)  # type: ignore[arg-type]
    with pytest.raises(AttestationError, match=r"^signature: Sigstore verification failed"):
        open_bundle(bundle, signer)


def test_a_trust_root_that_cannot_load_is_said_as_such() -> None:
    def unreachable() -> object:
        msg = "Failed to refresh TUF metadata"
        raise OSError(msg)

    signer = KeylessIdentity(WORKFLOW, verifier=unreachable)  # type: ignore[arg-type]
    with pytest.raises(AttestationError, match=r"^signature: Sigstore's trust root could not"):
        open_bundle(forged_bundle(statement(DIGEST)), signer)


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"{}",
        b"[]",
        b"null",
        b"\xff\xfe",
        b"[" * 100_000,
        b'{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}',
        (
            b'{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", '
            b'"verificationMaterial": {"certificate": {"rawBytes": "AAAA"}, '
            b'"tlogEntries": []}, "dsseEnvelope": {}}'
        ),
    ],
)
def test_what_is_no_bundle_is_one_line(content: bytes) -> None:
    with pytest.raises(AttestationError, match=r"^bundle: ") as caught:
        open_bundle(content, None)
    assert "\n" not in str(caught.value)


def test_a_bundle_of_a_plain_signature_is_no_attestation() -> None:
    document = json.loads(forged_bundle(statement(DIGEST)))
    del document["dsseEnvelope"]
    document["messageSignature"] = {
        "messageDigest": {"algorithm": "SHA2_256", "digest": "AAAA"},
        "signature": "AAAA",
    }
    with pytest.raises(AttestationError, match=r"^bundle: the bundle holds no DSSE envelope"):
        open_bundle(json.dumps(document).encode(), None)


def test_a_bundle_over_something_else_than_a_statement_is_refused() -> None:
    document = json.loads(forged_bundle(statement(DIGEST)))
    document["dsseEnvelope"]["payloadType"] = "text/plain"
    with pytest.raises(AttestationError, match="not a statement"):
        open_bundle(json.dumps(document).encode(), None)


def test_the_artifact_is_the_bundle_under_its_media_type() -> None:
    payload = statement(DIGEST)
    signed = Signed({payload: b"{bundle}"}, WORKFLOW)
    artifact = signed.artifact(payload, "provenance", {"k": "v"})
    assert (artifact.artifact_type, artifact.media_type) == (BUNDLE_TYPE, BUNDLE_TYPE)
    assert artifact.content == b"{bundle}"
    assert artifact.title == "provenance.sigstore.json"
    with pytest.raises(AttestationError, match="not signed keyless"):
        signed.artifact(b"another statement", "sbom", {})
