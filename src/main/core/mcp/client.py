"""An MCP client over streamable HTTP that follows the transport, not one server.

The official SDKs would be the natural client, but the checker must run in a bare
client container with httpx only, and a smoke test wants to see the wire. What the
streamable HTTP transport (MCP 2025-11-25) allows, and so what real servers send:

- a request is a JSON-RPC POST; the answer is JSON or an SSE stream;
- an SSE stream may open with a *priming* event (an id and empty data, so a client can
  resume), carry server notifications and requests before the response, and close
  before the response: then the client resumes with ``GET`` and ``Last-Event-ID``;
- ``405`` on ``GET`` means the server offers no standalone stream, which is allowed;
- stateful servers issue an ``Mcp-Session-Id`` that later requests send back;
  stateless ones issue none;
- the server may answer ``initialize`` with an older protocol version; a client that
  supports it continues, and sends the negotiated ``MCP-Protocol-Version`` afterwards.

SSE is parsed as the HTML living standard defines it (``id``, ``event``, ``retry``,
comments, multi-line ``data``); an event whose data is empty, like a priming event,
carries no JSON-RPC message and is read past. Every read is
bounded by the caller's deadline and by size (``wire``). Standard library and httpx.
"""

import contextlib
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from main.core.mcp.wire import (
    EXCERPT_BYTES,
    REPLY_LIMIT,
    Cut,
    Deadline,
    lines,
    read_body,
    text_of,
)

PROTOCOL_VERSION = "2025-11-25"
SUPPORTED_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
CLIENT_INFO = {"name": "pipeline-smoke", "version": "1"}
SESSION_HEADER = "mcp-session-id"
VERSION_HEADER = "MCP-Protocol-Version"
LAST_EVENT_HEADER = "Last-Event-ID"
RESUMES = 3  # reconnects per request: a server that keeps dropping the stream is broken
RETRY_CAP = 1.0  # seconds: a server's `retry:` hint is honoured up to this


class McpError(Exception):
    """The server did not answer as the protocol requires; says what came back."""

    def __init__(self, message: str, *, status: int | None = None, body: str | None = None) -> None:
        """Keep the status and the start of the body for the report."""
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One dispatched server-sent event."""

    data: str
    event: str = "message"
    id: str | None = None


@dataclass
class SseState:
    """What outlives one event: the last event id and the server's reconnection hint."""

    last_id: str | None = None
    retry_ms: int | None = None


def sse_events(source: Iterator[str], state: SseState) -> Iterator[SseEvent]:
    """Events from SSE lines, per the HTML living standard's parsing rules.

    ``state`` keeps the last event id (also from events that are not dispatched, like a
    priming event) and the ``retry`` hint, for a resume.
    """
    data: list[str] = []
    event = ""
    for line in source:
        if not line:
            if data:
                yield SseEvent("\n".join(data), event or "message", state.last_id)
            data, event = [], ""
            continue
        if line.startswith(":"):
            continue  # a comment (servers send them as keep-alives)
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id" and "\0" not in value:
            state.last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            state.retry_ms = int(value)
    # The stream ended: an event without its closing blank line is not dispatched.


def sse_messages(source: Iterator[str]) -> Iterator[tuple[str, str]]:
    """``(event, data)`` of each dispatched event: the simple view of a stream."""
    for event in sse_events(source, SseState()):
        yield event.event, event.data


def _reply_to(message: object, request_id: int) -> dict[str, Any] | None:
    """The JSON-RPC response for ``request_id`` in a message or batch, if present."""
    items = message if isinstance(message, list) else [message]
    for item in items:
        if isinstance(item, dict) and item.get("id") == request_id and "method" not in item:
            return item
    return None


def _result(reply: dict[str, Any]) -> dict[str, Any]:
    error = reply.get("error")
    if error is not None:
        if isinstance(error, dict):
            detail = f"{error.get('code')}: {error.get('message')}"
        else:
            detail = repr(error)
        msg = f"server answered a JSON-RPC error {detail}"
        raise McpError(msg, body=json.dumps(reply)[:EXCERPT_BYTES])
    result = reply.get("result")
    if not isinstance(result, dict):
        msg = "reply has no result object"
        raise McpError(msg, body=json.dumps(reply)[:EXCERPT_BYTES])
    return result


def _kind(response: httpx.Response) -> str:
    kind: str = response.headers.get("content-type", "")
    return kind.split(";", maxsplit=1)[0].strip().lower()


def _excerpt(response: httpx.Response, deadline: Deadline) -> str:
    """The start of a failing answer, for the report; never more than the excerpt size."""
    try:
        return text_of(read_body(response, deadline, EXCERPT_BYTES), response)
    except (Cut, httpx.HTTPError):
        return ""


class McpSession:
    """One MCP session over an ``httpx.Client``, bounded by one deadline.

    ``deadline`` bounds every request, every read and every resume; a server that
    trickles, never ends its stream or keeps dropping it cannot hold the run past it.
    """

    def __init__(self, client: httpx.Client, url: str, *, deadline: Deadline) -> None:
        """Talk to the MCP endpoint at ``url`` (absolute, or relative to the client's base)."""
        self._client = client
        self._url = url
        self._deadline = deadline
        self._ids = itertools.count(1)
        self.session_id: str | None = None
        self.protocol_version: str | None = None
        self.resumed = 0

    def _headers(self, *, stream_only: bool = False) -> dict[str, str]:
        headers = {
            "Accept": "text/event-stream" if stream_only else "application/json, text/event-stream"
        }
        if not stream_only:
            headers["Content-Type"] = "application/json"
        if self.session_id is not None:
            headers[SESSION_HEADER] = self.session_id
        if self.protocol_version is not None:
            headers[VERSION_HEADER] = self.protocol_version
        return headers

    def initialize(self) -> dict[str, Any]:
        """The handshake: offer our protocol version, accept any version we support."""
        params = {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": CLIENT_INFO,
        }
        result, response = self._request("initialize", params)
        version = result.get("protocolVersion")
        if not isinstance(version, str) or not version:
            msg = "initialize result has no protocolVersion"
            raise McpError(
                msg, status=response.status_code, body=json.dumps(result)[:EXCERPT_BYTES]
            )
        if version not in SUPPORTED_VERSIONS:
            msg = (
                f"the server chose protocol version {version!r}, which this client does not "
                f"speak (it supports {', '.join(SUPPORTED_VERSIONS)})"
            )
            raise McpError(msg, status=response.status_code)
        self.session_id = response.headers.get(SESSION_HEADER)
        self.protocol_version = version
        return result

    def notify(self, method: str) -> int:
        """Send a notification; the server acknowledges with 202 (or another 2xx)."""
        payload = {"jsonrpc": "2.0", "method": method}
        with self._posting(payload, f"notification {method}") as response:
            return response.status_code

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a request and return its ``result``, from a JSON or an SSE reply."""
        return self._request(method, params)[0]

    def ping(self) -> None:
        """The protocol's own liveness check: ``ping`` answers with an empty result."""
        self.request("ping")

    def close(self) -> None:
        """End the session politely (best effort: a server may not support DELETE)."""
        if self.session_id is None:
            return
        with contextlib.suppress(httpx.HTTPError):
            self._client.delete(
                self._url, headers=self._headers(), timeout=min(self._deadline.request_timeout(), 2)
            )
        self.session_id = None

    def _request(
        self, method: str, params: dict[str, Any] | None
    ) -> tuple[dict[str, Any], httpx.Response]:
        request_id = next(self._ids)
        payload: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            payload["params"] = params
        try:
            with self._posting(payload, method) as response:
                kind = _kind(response)
                if kind == "application/json":
                    return _result(self._from_json(response, request_id, method)), response
                if kind != "text/event-stream":
                    msg = (
                        f"{method} answered with content type {kind or 'none'!r}, "
                        "expected application/json or text/event-stream"
                    )
                    body = _excerpt(response, self._deadline)
                    raise McpError(msg, status=response.status_code, body=body)
                state = SseState()
                reply = self._reply_in(response, request_id, state)
                if reply is None:
                    reply = self._resume(method, request_id, state, response.status_code)
                return _result(reply), response
        except Cut as exc:
            msg = f"{method}: {exc}"
            raise McpError(msg) from None

    @contextlib.contextmanager
    def _posting(self, payload: dict[str, Any], what: str) -> Iterator[httpx.Response]:
        """POST one JSON-RPC message; its streamed answer, which must be a 2xx."""
        with self._client.stream(
            "POST",
            self._url,
            json=payload,
            headers=self._headers(),
            timeout=self._deadline.request_timeout(),
        ) as response:
            if not response.is_success:
                msg = f"{what} answered HTTP {response.status_code}"
                body = _excerpt(response, self._deadline)
                raise McpError(msg, status=response.status_code, body=body)
            yield response

    def _from_json(self, response: httpx.Response, request_id: int, method: str) -> dict[str, Any]:
        body = text_of(read_body(response, self._deadline, REPLY_LIMIT, strict=True), response)
        try:
            message = json.loads(body)
        except (json.JSONDecodeError, RecursionError) as exc:
            where = (
                f" ({exc.msg} at char {exc.pos})" if isinstance(exc, json.JSONDecodeError) else ""
            )
            msg = f"{method} reply is not JSON{where}"
            raise McpError(msg, status=response.status_code, body=body[:EXCERPT_BYTES]) from None
        reply = _reply_to(message, request_id)
        if reply is None:
            msg = f"{method} reply holds no response to request id {request_id}"
            raise McpError(msg, status=response.status_code, body=body[:EXCERPT_BYTES])
        return reply

    def _reply_in(
        self, response: httpx.Response, request_id: int, state: SseState
    ) -> dict[str, Any] | None:
        """The response to ``request_id`` from an SSE stream; None when the stream ended.

        Server notifications and requests that come first are read past: a smoke test
        has nothing to say to them, and the transport allows them before the response.
        """
        for event in sse_events(lines(response, self._deadline, REPLY_LIMIT), state):
            if not event.data.strip():
                continue  # a priming event (an id to resume from) carries no message
            try:
                message = json.loads(event.data)
            except (json.JSONDecodeError, RecursionError):
                msg = f"an event in the reply to request {request_id} is not JSON"
                raise McpError(
                    msg, status=response.status_code, body=event.data[:EXCERPT_BYTES]
                ) from None
            reply = _reply_to(message, request_id)
            if reply is not None:
                return reply
        return None

    def _resume(self, method: str, request_id: int, state: SseState, status: int) -> dict[str, Any]:
        """Reconnect with ``GET`` + ``Last-Event-ID`` until the response comes or we give up."""
        if state.last_id is None:
            msg = (
                f"{method}: the stream ended before the response to request {request_id}, "
                "and gave no event id to resume from"
            )
            raise McpError(msg, status=status)
        for _ in range(RESUMES):
            if state.retry_ms:
                time.sleep(min(state.retry_ms / 1000, RETRY_CAP, self._deadline.remaining()))
            if self._deadline.expired():
                break
            headers = self._headers(stream_only=True) | {LAST_EVENT_HEADER: state.last_id}
            self.resumed += 1
            with self._client.stream(
                "GET", self._url, headers=headers, timeout=self._deadline.request_timeout()
            ) as response:
                if response.status_code == 405:  # noqa: PLR2004 - "no stream here", per spec
                    msg = (
                        f"{method}: the stream ended before the response, and the server "
                        "offers no stream to resume (GET answered 405)"
                    )
                    raise McpError(msg, status=405)
                if not response.is_success or _kind(response) != "text/event-stream":
                    msg = f"{method}: resuming the stream answered HTTP {response.status_code}"
                    body = _excerpt(response, self._deadline)
                    raise McpError(msg, status=response.status_code, body=body)
                reply = self._reply_in(response, request_id, state)
                if reply is not None:
                    return reply
        why = "the overall timeout ran out" if self._deadline.expired() else f"{RESUMES} resumes"
        msg = f"{method}: no response to request {request_id} after {why}"
        raise McpError(msg, status=status)
