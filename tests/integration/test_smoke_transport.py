"""The smoke checker's transport against what a real deployment may serve it.

A self-signed (or private-CA) certificate, a gzip bomb, and a redirect to another
host carrying the URL's credentials: each through the real command line, to real
servers on loopback (127.0.0.1 and 127.0.0.2, a second host on the same machine).
"""

import os
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

from tests.integration.test_smoke_hostile import check, checker
from tests.support.constants import REPO_ROOT
from tests.support.http_servers import QuietServer
from tests.support.tls import loopback_tls

SECRET = "s3cr3t-pw"  # noqa: S105 - a made-up password the output must not show
INFLATED = 1024**3  # the bomb: 1 GiB of spaces, about 1 MiB on the wire


def _bomb() -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip stream
    block = b" " * 1024**2
    return b"".join(packer.compress(block) for _ in range(INFLATED // len(block))) + packer.flush()


class Handler(BaseHTTPRequestHandler):
    """``/health`` 200, ``/bomb`` a gzip bomb, ``/away`` a redirect to ``elsewhere``."""

    protocol_version = "HTTP/1.1"
    bomb: ClassVar[bytes] = b""
    elsewhere: ClassVar[str] = ""
    seen: ClassVar[list[tuple[str, str, str | None]]] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Quiet: tests read ``seen``."""

    def do_GET(self) -> None:
        """Record the request (host, path, Authorization), then answer by path."""
        host = str(self.connection.getsockname()[0])  # the address it was reached at
        self.seen.append((host, self.path, self.headers.get("authorization")))
        if self.path == "/bomb":
            headers = {"content-type": "application/json", "content-encoding": "gzip"}
            self._answer(200, headers, self.bomb)
        elif self.path == "/away":
            self._answer(302, {"location": f"{self.elsewhere}/health"}, b"")
        else:
            self._answer(200, {}, b"ok")

    def do_POST(self) -> None:
        """Read the request body (an MCP message), then answer as a GET."""
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.do_GET()

    def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except ConnectionError:
            return  # the client stopped reading: what a bounded client does


@contextmanager
def server(host: str = "127.0.0.1", *, tls: bool = False) -> Iterator[tuple[str, int]]:
    """A :class:`Handler` server on a free port of ``host``: (host, port)."""
    httpd = QuietServer((host, 0), Handler)
    if tls:
        httpd.socket = loopback_tls().server_context().wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield host, int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_an_untrusted_certificate_fails_ready_in_one_line_that_says_what_to_do() -> None:
    with server(tls=True) as (host, port):
        code, report, stderr, _ = checker(
            f"https://user:{SECRET}@{host}:{port}", "--no-mcp", "--timeout=1"
        )
    assert code == 1
    error = check(report, "ready")["error"]
    assert "CERTIFICATE_VERIFY_FAILED" in error
    assert "SSL_CERT_FILE" in error  # the fix: trust the server's CA
    assert len(stderr.strip().splitlines()) == 1
    assert SECRET not in stderr
    assert SECRET not in str(report)


def test_a_certificate_whose_ca_is_trusted_passes(tmp_path: Path) -> None:
    authority = tmp_path / "ca.pem"
    authority.write_bytes(loopback_tls().ca_pem)
    with server(tls=True) as (host, port):
        done = subprocess.run(
            [sys.executable, "-m", "main.core.smoke", f"https://{host}:{port}", "--no-mcp"],
            cwd=REPO_ROOT / "src",
            env=os.environ | {"SSL_CERT_FILE": str(authority)},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 0, done.stderr


def test_a_gzip_bomb_is_inflated_only_as_far_as_a_reply_may_be() -> None:
    Handler.bomb = _bomb()
    assert Handler.bomb[:2] == b"\x1f\x8b"  # gzip's magic
    assert len(Handler.bomb) < 2 * 1024**2
    with server() as (host, port):
        base = f"http://{host}:{port}"
        bomb = '{"name": "bomb", "path": "/bomb", "json-path": "status", "equals": "ok"}'
        code, report, stderr, _ = checker(base, "--no-mcp", f"--check={bomb}", "--timeout=20")
        assert code == 1
        # Said as what happened, not as "body is not JSON (... at char 4194304)".
        assert check(report, "check.bomb")["error"] == (
            "body is larger than 4096 KiB: read no further, so not parsed as JSON"
        )
        assert len(stderr.strip().splitlines()) == 1
        # The same bomb as the MCP endpoint's answer: cut at the reply limit, one line.
        code, report, _, _ = checker(base, "--mcp-path=/bomb", "--timeout=20")
    assert code == 1
    assert "larger than" in check(report, "mcp.initialize")["error"]


def test_a_redirect_to_another_host_does_not_carry_the_urls_credentials() -> None:
    Handler.seen = []
    with server("127.0.0.2") as (other, other_port), server() as (host, port):
        Handler.elsewhere = f"http://{other}:{other_port}"
        code, report, stderr, _ = checker(
            f"http://user:{SECRET}@{host}:{port}", "--health-path=/away", "--no-mcp"
        )
    assert code == 0, stderr
    sent: dict[str, Any] = {f"{h}{path}": auth for h, path, auth in Handler.seen}
    assert sent[f"{host}/away"] is not None  # the credentials went to their own host
    assert sent[f"{other}/health"] is None  # and not to the one it redirected to
    assert SECRET not in stderr
    assert SECRET not in str(report)
