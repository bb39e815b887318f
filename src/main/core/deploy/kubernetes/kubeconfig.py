"""A kubeconfig, read as kubectl reads it: the context's cluster and user, nothing run.

What the deploy needs from it is where the API server is (``server``), whom to trust
(``certificate-authority[-data]`` or ``insecure-skip-tls-verify``) and who we are (a
bearer ``token``/``tokenFile`` or a client certificate and key). Credential plugins
(``exec``, ``auth-provider``) would run programs from a file the deploy was handed: they
are refused with a line saying what to give instead. No error ever quotes a credential.
"""

import base64
import binascii
import ssl
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from main.core.deploy.errors import DeployError


@dataclass(frozen=True, slots=True)
class ClusterAccess:
    """How to reach one API server and who to be there; the token never prints."""

    server: str
    namespace: str = ""  # the context's namespace, when it names one
    token: str = field(default="", repr=False)
    verify: ssl.SSLContext | bool = True

    def headers(self) -> dict[str, str]:
        """The authentication headers of every request."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def _fail(what: str) -> DeployError:
    return DeployError(f"kubeconfig: {what}")


def _named(config: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    """The ``kind`` body (cluster, user, context) of the entry called ``name``."""
    for entry in config.get(f"{kind}s") or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            body = entry.get(kind)
            return body if isinstance(body, dict) else {}
    msg = f'{kind} "{name}" is not defined in the {kind}s list'
    raise _fail(msg)


def _bytes(entry: dict[str, Any], key: str) -> bytes | None:
    """``KEY-data`` (base64) or the file ``KEY`` names, as bytes; None when neither is set."""
    data = entry.get(f"{key}-data")
    if data:
        try:
            return base64.b64decode(str(data), validate=True)
        except (binascii.Error, ValueError):
            msg = f"{key}-data is not base64"
            raise _fail(msg) from None
    path = entry.get(key)
    if not path:
        return None
    try:
        return Path(str(path)).expanduser().read_bytes()
    except OSError as exc:
        msg = f"{key} {path}: {exc.strerror or exc}"
        raise _fail(msg) from None


def _token(user: dict[str, Any]) -> str:
    if user.get("token"):
        return str(user["token"]).strip()
    if user.get("tokenFile"):
        try:
            return Path(str(user["tokenFile"])).read_text(encoding="utf-8").strip()
        except OSError as exc:
            msg = f"tokenFile cannot be read: {exc.strerror or exc}"
            raise _fail(msg) from None
    return ""


def _tls(cluster: dict[str, Any], user: dict[str, Any]) -> ssl.SSLContext | bool:
    """Whom to trust, and the client certificate to show, as one TLS context."""
    insecure = cluster.get("insecure-skip-tls-verify") is True
    authority = _bytes(cluster, "certificate-authority")
    certificate, key = _bytes(user, "client-certificate"), _bytes(user, "client-key")
    if (certificate is None) != (key is None):
        msg = "a client certificate needs both client-certificate[-data] and client-key[-data]"
        raise _fail(msg)
    if authority is None and certificate is None:
        return not insecure
    context = ssl.create_default_context()
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif authority is not None:
        try:
            context.load_verify_locations(cadata=authority.decode("ascii", "replace"))
        except ssl.SSLError:
            msg = "certificate-authority is not a PEM certificate"
            raise _fail(msg) from None
    if certificate is not None and key is not None:
        _load_client(context, certificate, key)
    return context


def _load_client(context: ssl.SSLContext, certificate: bytes, key: bytes) -> None:
    """Ssl loads a key pair only from files: private ones, gone once loaded."""
    with tempfile.TemporaryDirectory(prefix="kube-") as folder:
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        for path, data in ((cert_file, certificate), (key_file, key)):
            path.touch(mode=0o600)
            path.write_bytes(data)
        try:
            context.load_cert_chain(cert_file, key_file)
        except ssl.SSLError:
            msg = "client-certificate and client-key are not a matching PEM pair"
            raise _fail(msg) from None


def read_kubeconfig(text: str, *, context: str = "") -> ClusterAccess:
    """The access the kubeconfig's ``context`` (default: current-context) describes.

    Raises:
        DeployError: one line naming what is missing or wrong, never a credential.
    """
    if not text.strip():
        raise _fail(what="the file is empty")
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError:
        raise _fail(what="not YAML (or JSON)") from None
    if not isinstance(config, dict):
        raise _fail(what="not a kubeconfig (a mapping with clusters, users and contexts)")
    name = context or str(config.get("current-context") or "")
    if not name:
        raise _fail(what="no current-context: set one or pass the context to use")
    chosen = _named(config, "context", name)
    cluster = _named(config, "cluster", str(chosen.get("cluster", "")))
    user = _named(config, "user", str(chosen.get("user", "")))
    server = str(cluster.get("server") or "").rstrip("/")
    if not server:
        msg = f'cluster "{chosen.get("cluster")}" has no server URL'
        raise _fail(msg)
    for plugin in ("exec", "auth-provider"):
        if user.get(plugin):
            msg = (
                f"{plugin} credential plugins are not run by the deploy: give the user a "
                "token (e.g. `kubectl create token SERVICE-ACCOUNT`) or a client certificate"
            )
            raise _fail(msg)
    token = _token(user)
    if token and not server.lower().startswith("https://"):
        msg = (
            f"server {server} is plain HTTP: a token is sent only over TLS (kubectl "
            "sends none either); use the cluster's https:// address"
        )
        raise _fail(msg)
    verify = _tls(cluster, user)
    has_certificate = user.get("client-certificate") or user.get("client-certificate-data")
    if not token and not has_certificate:
        msg = f'user "{chosen.get("user")}" has no token or client certificate'
        raise _fail(msg)
    return ClusterAccess(
        server=server, namespace=str(chosen.get("namespace") or ""), token=token, verify=verify
    )
