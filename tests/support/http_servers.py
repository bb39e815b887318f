"""Real HTTP servers on 127.0.0.1 for the hosted services a test cannot reach.

Each is a ``ThreadingHTTPServer`` on a free port in a background thread, speaking
HTTP/1.1 with keep-alive like the real services, and recording every request it got
so that a test can check the exact requests the code under test made. Every stand-in
(registry auth front, GitHub package API, SARIF upload, chat webhooks) is a
:class:`RecordingHandler` run by :func:`serving`.
"""

import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Recorded:
    """One request as received: method, raw path, query, headers (lower-case names)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    target: str = ""
    """The request target exactly as sent (path and raw query)."""

    def json(self) -> Any:  # noqa: ANN401 - a JSON document
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class Log:
    """Requests in arrival order, safe to append from handler threads."""

    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, request: Recorded) -> None:
        """Record one request."""
        with self.lock:
            self.requests.append(request)


class RecordingHandler(BaseHTTPRequestHandler):
    """Reads each request fully, records it, and hands it to :meth:`answer`."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    log: Log  # class attributes like this one are set by `serving`

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for ``request``; subclasses decide."""
        raise NotImplementedError

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Recorded(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            target=self.path,
        )
        self.log.add(request)
        status, headers, payload = self.answer(request)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if "content-length" not in {name.lower() for name in headers}:
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _handle  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Quiet: the test reads the recorded requests instead."""


class QuietServer(ThreadingHTTPServer):
    """A test server for which a client hanging up is expected, not an error to print."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet about clients that went away; report anything else as usual."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # BrokenPipeError, ConnectionResetError: the client hung up
        super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serving(handler: type[RecordingHandler], **attributes: object) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port until the block ends; yields the URL.

    ``attributes`` (at least ``log``) become class attributes of a fresh subclass, so
    that two servers of one kind never share state.
    """
    bound = type(handler.__name__, (handler,), attributes)
    server = QuietServer(("127.0.0.1", 0), bound)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
