"""A server at its worst, byte by byte, for the smoke checker's bounds (time and memory).

Each path is one hostile behaviour. Huge bodies are generated as they are sent, never
held in memory, and the server counts what it managed to send before the client hung
up: that count is how a test sees that the client stopped reading.
"""

import gzip
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler

from tests.support.http_servers import QuietServer

MIB = 1024 * 1024
HUGE_BODY = 100 * MIB
HUGE_LINE = 400 * MIB
PIECE = 64 * 1024


class HostileServer(QuietServer):
    """Counts the body bytes each path sent before the client stopped reading."""

    def __init__(self) -> None:
        """Listen on a free loopback port."""
        super().__init__(("127.0.0.1", 0), HostileHandler)
        self.sent: dict[str, int] = {}
        self.lock = threading.Lock()

    def count(self, path: str, size: int) -> None:
        """Add ``size`` bytes to what ``path`` sent."""
        with self.lock:
            self.sent[path] = self.sent.get(path, 0) + size


class HostileHandler(BaseHTTPRequestHandler):
    """GET/POST paths, each a fault; anything else is a plain 200."""

    server: HostileServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Quiet: a test reads the server's counts, not its log."""

    def do_GET(self) -> None:
        """Serve the fault the path names."""
        self._serve()

    def do_POST(self) -> None:
        """Serve the fault the path names (the request body is read first)."""
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self._serve()

    def do_DELETE(self) -> None:
        """Sessions end without fuss."""
        self._head(200, {"content-length": "0"})

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return False  # the client hung up: expected here, not an error
        self.server.count(self.path, len(data))
        return True

    def _stream(self, pieces: Iterator[bytes], *, chunked: bool = False) -> None:
        for piece in pieces:
            data = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
            if not self._send(data):
                return
        self.close_connection = True

    def _serve(self) -> None:
        path = self.path
        if path == "/trickle":
            self._head(200, {"content-length": "100000"})
            self._stream(_trickle(b"x", 0.05, 100000))
        elif path == "/endless":
            self._head(200, {"transfer-encoding": "chunked"})
            self._stream(_forever(b"x" * 1024), chunked=True)
        elif path == "/huge":
            self._head(200, {"content-length": str(HUGE_BODY)})
            self._stream(_sized(HUGE_BODY))
        elif path == "/loop":
            self._head(302, {"location": "/loop", "content-length": "0"})
        elif path == "/bad-gzip":
            body = b"this is not gzip at all"
            headers = {"content-encoding": "gzip", "content-length": str(len(body))}
            self._head(200, headers)
            self._send(body)
        elif path == "/gzip-ok":
            body = gzip.compress(b'{"status": "ok"}')
            self._head(200, {"content-encoding": "gzip", "content-length": str(len(body))})
            self._send(body)
        elif path == "/sse-endless-line":
            self._sse_head()
            self._stream(itertools.chain([b"data: "], _trickle(b"x", 0.05, 10**9)))
        elif path == "/sse-huge-line":
            self._sse_head()
            self._stream(iter([b"data: ", *_sized(HUGE_LINE)]))
        elif path == "/sse-drops":
            self._sse_head()  # a priming event, then the stream ends without the response
            self._stream(iter([f"id: {time.monotonic_ns()}\n\n".encode()]))
        else:
            self._head(200, {"content-length": "2"})
            self._send(b"ok")

    def _sse_head(self) -> None:
        self._head(200, {"content-type": "text/event-stream", "cache-control": "no-cache"})


def _trickle(piece: bytes, pause: float, count: int) -> Iterator[bytes]:
    for _ in range(count):
        yield piece
        time.sleep(pause)


def _forever(piece: bytes) -> Iterator[bytes]:
    while True:
        yield piece


def _sized(total: int) -> Iterator[bytes]:
    block = b"x" * PIECE
    for _ in range(total // PIECE):
        yield block


@contextmanager
def hostile() -> Iterator[tuple[str, HostileServer]]:
    """The hostile server on a free loopback port: its base URL and its counts."""
    server = HostileServer()
    thread = threading.Thread(target=server.serve_forever, name="hostile", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
