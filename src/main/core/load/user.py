"""The simulated client: an MCP session per user, rounds of MCP and plain GETs.

Each user opens a session with the project's one MCP client (``core/mcp/client``):
``initialize`` and ``notifications/initialized``, timed together as
``mcp.initialize``. Then, round after round, it either GETs a plain path (``health``
and each extra path, each with the health weight) or makes an MCP round with the MCP
weight: ``tools/list`` and, when a tool is known, ``tools/call``. A session the server
forgot (HTTP 404, a dropped connection) is opened again on the next MCP round. A
handshake that fails is followed by a pause (``backoff``: 50 ms doubling to 1 s), and
redirects are followed, as every MCP client does.

Every request fires Locust's ``request`` event with its kind as the name, its time and
its exception, so Locust's statistics and CSV see it and the runner records the exact
sample. Nothing a server does raises out of a user: a refused connection, a timeout,
a JSON-RPC error are failures of their kind. Only Locust's own stop (``GreenletExit``)
ends a user. No wait between rounds: each user is one client going as fast as the
service lets it, so throughput is what the service sustains for that many clients.

This module imports Locust, which patches the standard library for gevent: it is
loaded only by the runner, never by ``import main.core.load``.
"""

import random
import time
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

import httpx
from locust import User, constant, task

from main.core.load.backoff import Backoff
from main.core.load.spec import (
    MCP_INITIALIZE,
    MCP_KINDS,
    MCP_TOOLS_CALL,
    MCP_TOOLS_LIST,
    LoadSpec,
)
from main.core.load.tools import first_callable_tool
from main.core.mcp.client import McpError, McpSession
from main.core.mcp.tls import LazyTlsTransport
from main.core.mcp.wire import EXCERPT_BYTES, REQUEST_CAP, Cut, Deadline, fetch
from main.core.text import clip

MCP_ROUND = "mcp"
ERROR_LENGTH = 300
GONE = 404  # streamable HTTP: the session is unknown to the server, start a new one


class Notes(Protocol):
    """Where a user leaves a remark for the report (the runner's recorder)."""

    def note(self, text: str) -> None:
        """Keep ``text`` once, however many users say it."""

    def begin(self, kind: str) -> None:
        """A request of ``kind`` was sent."""

    def end(self, kind: str) -> None:
        """A request of ``kind`` ended; one the stop kills never does."""


class StatusError(Exception):
    """A plain GET answered an error status."""


class ToolError(Exception):
    """``tools/call`` answered a result flagged ``isError``."""


def new_client(spec: LoadSpec) -> httpx.Client:
    """The HTTP client of one simulated user.

    Redirects are followed as by every MCP client and by the smoke test: FastMCP
    answers ``/mcp`` with a 307 to ``/mcp/``, the SDK's mounts the same. The CA bundle
    is loaded only for an ``https://`` target (:class:`LazyTlsTransport`): loading it
    costs ~30 ms of CPU, and users start one after another in one gevent thread, so
    with it every user sent its first request later than the ramp-up says.
    """
    return httpx.Client(base_url=spec.base_url, follow_redirects=True, transport=LazyTlsTransport())


def describe(exc: BaseException) -> str:
    """One line for a failed request: the client's words, or the error type and message."""
    if isinstance(exc, McpError | StatusError | ToolError | Cut):
        return clip(str(exc), ERROR_LENGTH)
    return clip(f"{type(exc).__name__}: {exc}", ERROR_LENGTH)


class McpUser(User):
    """One simulated MCP client; the runner makes a subclass carrying the spec."""

    abstract = True
    wait_time = constant(0)
    spec: ClassVar[LoadSpec]
    notes: ClassVar[Notes]

    def on_start(self) -> None:
        """Open the HTTP client and, when MCP is on, the session."""
        spec = self.spec
        # The runner's stop ends the run on time; this only bounds each read, and is
        # generous so that a worker whose users started late never times out on its own.
        self.deadline = Deadline(spec.duration_seconds + REQUEST_CAP)
        self.client = new_client(spec)
        self.backoff = Backoff()
        self.session: McpSession | None = None
        self.tool = spec.tool
        self.tool_known = spec.tool is not None
        choices: list[str] = list(spec.plain_paths) if spec.health_weight else []
        weights = [spec.health_weight] * len(choices)
        if spec.mcp_path is not None and spec.mcp_weight:
            choices.append(MCP_ROUND)
            weights.append(spec.mcp_weight)
        self.choices, self.weights = choices, weights
        if spec.mcp_path is not None:
            self._open()

    def on_stop(self) -> None:
        """Close the session politely and the connections."""
        if self.session is not None:
            self.session.close()
        self.client.close()

    @task
    def one_round(self) -> None:
        """One round: a plain GET or an MCP round, drawn by weight."""
        choice = random.choices(self.choices, self.weights)[0]  # noqa: S311 - a traffic mix, not a secret
        if choice == MCP_ROUND:
            self._mcp_round()
        else:
            self._get(choice)

    def _fire(
        self, kind: str, request_type: str, started: float, error: BaseException | None
    ) -> None:
        self.environment.events.request.fire(
            request_type=request_type,
            name=kind,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            response=None,
            context={},
            exception=None if error is None else _Failure(describe(error)),
        )

    def _timed(self, kind: str, call: Callable[[], Any]) -> tuple[bool, Any]:
        """Run one request, fire its event; (succeeded, what it returned)."""
        request_type = "MCP" if kind in MCP_KINDS else "GET"
        started = time.perf_counter()
        self.notes.begin(kind)
        try:
            value = call()
        except Exception as exc:  # noqa: BLE001 - whatever the server does is a failure, never a crash
            self.notes.end(kind)
            self._fire(kind, request_type, started, exc)
            self._forget_session_after(exc)
            return False, exc
        # Not in a `finally`: the stop's GreenletExit must leave the request counted as waiting.
        self.notes.end(kind)
        self._fire(kind, request_type, started, None)
        return True, value

    def _get(self, path: str) -> None:
        def call() -> None:
            answer = fetch(self.client, "GET", path, self.deadline, EXCERPT_BYTES)
            if answer.status >= 400:  # noqa: PLR2004 - HTTP's own line between success and error
                msg = f"GET {path} answered HTTP {answer.status}"
                raise StatusError(msg)

        self._timed(self.spec.kind_of(path), call)

    def _open(self) -> None:
        session = McpSession(self.client, self.spec.mcp_path or "", deadline=self.deadline)

        def handshake() -> None:
            session.initialize()
            session.notify("notifications/initialized")

        ok, _ = self._timed(MCP_INITIALIZE, handshake)
        self.session = session if ok else None
        if ok:
            self.backoff.succeeded()
        else:
            # A failing handshake answers fast: without a pause a broken endpoint would
            # be hit hundreds of times a second. The stop ends this sleep like a request.
            time.sleep(self.backoff.failed())

    def _forget_session_after(self, exc: Exception) -> None:
        if isinstance(exc, httpx.TransportError) or (
            isinstance(exc, McpError) and exc.status == GONE
        ):
            self.session = None

    def _mcp_round(self) -> None:
        if self.session is None:
            self._open()
        session = self.session
        if session is None:
            return
        ok, listed = self._timed(MCP_TOOLS_LIST, lambda: session.request("tools/list"))
        if not ok:
            return
        if not self.tool_known:
            self.tool, note = first_callable_tool(listed.get("tools"))
            self.tool_known = True
            self.notes.note(note)
        if self.tool is None or self.session is None:
            return
        params = {"name": self.tool, "arguments": dict(self.spec.tool_arguments)}

        def call() -> None:
            result = session.request("tools/call", params)
            if result.get("isError"):
                msg = f"tools/call {self.tool!r} returned an error result"
                raise ToolError(msg)

        self._timed(MCP_TOOLS_CALL, call)


class _Failure(Exception):  # noqa: N818 - what Locust records as the failure's text
    """A failure as Locust shows it: the one-line description, not the raw exception."""
