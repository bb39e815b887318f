"""A kubeconfig as kubectl reads it: server, CA, token or client certificate; one-line errors."""

import base64
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from main.core.deploy.errors import DeployError
from main.core.deploy.kubernetes.kubeconfig import ClusterAccess, read_kubeconfig

SECRET = "s3cr3t-token-value"  # noqa: S105 - a made-up token, looked for in messages


def kubeconfig(user: str, cluster: str = "    server: https://127.0.0.1:6443\n") -> str:
    return (
        "apiVersion: v1\nkind: Config\ncurrent-context: stg\n"
        "clusters:\n- name: c\n  cluster:\n" + cluster + "contexts:\n"
        "- name: stg\n  context: {cluster: c, user: u, namespace: team}\n"
        "- name: other\n  context: {cluster: c, user: u}\n"
        "users:\n- name: u\n  user:\n" + user
    )


def test_token_and_server() -> None:
    access = read_kubeconfig(kubeconfig(f"    token: {SECRET}\n"))
    assert access.server == "https://127.0.0.1:6443"
    assert access.namespace == "team"
    assert access.headers() == {"Authorization": f"Bearer {SECRET}"}
    assert SECRET not in repr(access)


def test_token_file(tmp_path: Path) -> None:
    (tmp_path / "token").write_text(SECRET + "\n")
    access = read_kubeconfig(kubeconfig(f"    tokenFile: {tmp_path / 'token'}\n"))
    assert access.headers() == {"Authorization": f"Bearer {SECRET}"}


def test_a_named_context() -> None:
    access = read_kubeconfig(kubeconfig(f"    token: {SECRET}\n"), context="other")
    assert access.namespace == ""


def test_insecure_skip_tls_verify() -> None:
    cluster = "    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true\n"
    access = read_kubeconfig(kubeconfig(f"    token: {SECRET}\n", cluster))
    assert access.verify is False


def test_a_token_is_never_sent_over_plain_http() -> None:
    # kubectl (client-go) sends no bearer token to an http:// server either.
    cluster = "    server: http://127.0.0.1:8080\n"
    with pytest.raises(DeployError, match="plain HTTP") as caught:
        read_kubeconfig(kubeconfig(f"    token: {SECRET}\n", cluster))
    assert SECRET not in str(caught.value)


def test_ca_data_makes_a_verifying_context() -> None:
    data = base64.b64encode(self_signed_pem()).decode()
    cluster = f"    server: https://127.0.0.1:6443\n    certificate-authority-data: {data}\n"
    access = read_kubeconfig(kubeconfig(f"    token: {SECRET}\n", cluster))
    context = access.verify
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("[1, 2", "not YAML"),
        ("- a\n- b\n", "not a kubeconfig"),
        (kubeconfig("    token: x\n").replace("current-context: stg", ""), "no current-context"),
        (kubeconfig("    token: x\n").replace("name: c\n", "name: d\n"), 'cluster "c"'),
        (kubeconfig("    token: x\n", "    insecure-skip-tls-verify: true\n"), "no server"),
        (kubeconfig("    exec: {command: aws}\n"), "exec credential plugins"),
        (kubeconfig("    auth-provider: {name: gcp}\n"), "auth-provider"),
        (kubeconfig("    username: a\n"), "no token or client certificate"),
        (kubeconfig("    client-certificate-data: eA==\n"), "client-key"),
        (kubeconfig(f"    tokenFile: /nonexistent/{SECRET}\n"), "tokenFile"),
    ],
)
def test_mistakes_are_one_line(text: str, message: str) -> None:
    with pytest.raises(DeployError, match=message) as caught:
        read_kubeconfig(text)
    assert "\n" not in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


def test_a_bad_context_name() -> None:
    with pytest.raises(DeployError, match='context "nope"'):
        read_kubeconfig(kubeconfig("    token: x\n"), context="nope")


def test_access_is_a_plain_value() -> None:
    access = ClusterAccess(server="https://x", token=SECRET)
    assert SECRET not in str(access)


def self_signed_pem() -> bytes:
    """A throwaway self-signed CA certificate, made here: only its loading is tested."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)
