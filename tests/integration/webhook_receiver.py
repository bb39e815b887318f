"""A real HTTP server on 127.0.0.1 that stands in for Slack, Discord and Teams webhooks.

It records every request (method, path, headers, body) and answers the way it is told
(status, body, delay), so tests check the exact bytes a notification sends and how
the sender copes with errors and slowness, over a real socket.
"""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.integration.http_servers import in_background


@dataclass(frozen=True)
class Recorded:
    """One request as the receiver saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:  # noqa: ANN401 - a JSON document
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class Answer:
    """How the receiver replies: status, body and a delay before answering."""

    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0


@dataclass
class Receiver:
    """The running receiver: its URL, what it recorded, and how it will answer."""

    url: str
    answer: Answer
    requests: list[Recorded] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


@contextmanager
def receiving() -> Iterator[Receiver]:
    """Serve on a free loopback port until the block ends."""
    state = Receiver(url="", answer=Answer())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.requests.append(
                Recorded("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            if state.answer.delay:
                state.release.wait(state.answer.delay)
            self.send_response(state.answer.status)
            self.send_header("Content-Length", str(len(state.answer.body)))
            self.end_headers()
            self.wfile.write(state.answer.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
            """Keep test output quiet."""

    with in_background(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as url:
        state.url = url
        try:
            yield state
        finally:
            state.release.set()  # a delayed answer must not hold up the shutdown
