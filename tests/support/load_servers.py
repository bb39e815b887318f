"""Servers whose latency and error rate are known by construction, for the load tests.

- :class:`ShapedHandler` (a threaded HTTP server): of every ``FAIL_EVERY`` requests one
  fails at once with 500, the others answer 200 after ``DELAY`` seconds. It tallies
  what it answered, so a test can hold the generator's counts to the server's own.
- :class:`HangingHandler`: reads the request and never answers (until the test ends).
- :func:`slow_tools_call` (an ASGI app for uvicorn): the real sample MCP server, except
  that every ``TOOLS_FAIL_EVERY``-th ``tools/call`` fails with 500 and the others wait
  ``TOOLS_DELAY`` seconds first; :func:`hanging_tools_call`: its ``tools/call`` hangs.
"""

import asyncio
import importlib
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.support.http_servers import Log, Recorded, RecordingHandler, serving
from tests.support.smoke_servers import App, Message, Receive, Scope, Send

DELAY = 0.05
FAIL_EVERY = 10
TOOLS_DELAY = 0.1
TOOLS_FAIL_EVERY = 5
HANG_LIMIT = 60.0


@dataclass
class Tally:
    """What a shaped server answered: how many, and how many with 500."""

    answered: int = 0
    failed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    numbers: Iterator[int] = field(default_factory=itertools.count)


class ShapedHandler(RecordingHandler):
    """1 in ``FAIL_EVERY`` fails at once with 500; the rest answer 200 after ``DELAY``."""

    tally: Tally

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:  # noqa: ARG002
        """Decide by arrival number, so the shares are exact over whole tens."""
        failing = next(self.tally.numbers) % FAIL_EVERY == FAIL_EVERY - 1
        if not failing:
            threading.Event().wait(DELAY)
        with self.tally.lock:
            self.tally.answered += 1
            self.tally.failed += failing
        if failing:
            return 500, {"Content-Type": "text/plain"}, b"failing on purpose"
        return 200, {"Content-Type": "application/json"}, b'{"status": "ok"}'


class HangingHandler(RecordingHandler):
    """Never answers while the test runs."""

    release: threading.Event

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:  # noqa: ARG002
        """Wait for the end of the test (bounded), then answer too late."""
        self.release.wait(HANG_LIMIT)
        return 200, {}, b"too late"


@contextmanager
def shaped_server() -> Iterator[tuple[str, Tally]]:
    """A shaped server on a free loopback port: its URL and its tally."""
    tally = Tally()
    with serving(ShapedHandler, log=Log(), tally=tally) as base:
        yield base, tally


@contextmanager
def hanging_server() -> Iterator[str]:
    """A server that accepts and never answers; released when the block ends."""
    release = threading.Event()
    try:
        with serving(HangingHandler, log=Log(), release=release) as base:
            yield base
    finally:
        release.set()


def hanging_tools_call() -> App:
    """The sample MCP server whose ``tools/call`` never answers within a test."""
    return _tools_call_app(hang=True)


def slow_tools_call() -> App:
    """The sample MCP server with a slow, sometimes failing ``tools/call``."""
    return _tools_call_app(hang=False)


def _tools_call_app(*, hang: bool) -> App:
    server = importlib.import_module("sample_service.server")
    inner: App = server.build_app()
    calls = itertools.count()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await inner(scope, receive, send)
            return
        messages: list[Message] = []
        more = True
        while more:
            message = await receive()
            messages.append(message)
            more = bool(message.get("more_body"))
        body = b"".join(m.get("body", b"") for m in messages)
        if b'"tools/call"' in body:
            if hang:
                await asyncio.sleep(HANG_LIMIT)
            if next(calls) % TOOLS_FAIL_EVERY == TOOLS_FAIL_EVERY - 1:
                headers = [(b"content-type", b"text/plain"), (b"content-length", b"4")]
                await send({"type": "http.response.start", "status": 500, "headers": headers})
                await send({"type": "http.response.body", "body": b"boom"})
                return
            await asyncio.sleep(TOOLS_DELAY)
        replay = iter(messages)

        async def again() -> Message:
            # The request as read, then the real channel (disconnects reach the app).
            return next(replay, None) or await receive()

        await inner(scope, again, send)

    return app


INITIALIZE_DELAY = 1.0  # TypeScript FastMCP's stateful initialize: ~1.05 s


def slow_initialize() -> App:
    """The sample MCP server whose ``initialize`` answers after ``INITIALIZE_DELAY`` seconds.

    Like TypeScript FastMCP's stateful initialize (about a second by design): one kind
    is slow on purpose while every other kind answers at once.
    """
    server = importlib.import_module("sample_service.server")
    inner: App = server.build_app()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await inner(scope, receive, send)
            return
        messages: list[Message] = []
        more = True
        while more:
            message = await receive()
            messages.append(message)
            more = bool(message.get("more_body"))
        if b'"initialize"' in b"".join(m.get("body", b"") for m in messages):
            await asyncio.sleep(INITIALIZE_DELAY)
        replay = iter(messages)

        async def again() -> Message:
            return next(replay, None) or await receive()

        await inner(scope, again, send)

    return app
