"""Just enough of an MCP client over streamable HTTP to prove a server speaks the protocol.

The official SDK would be the natural client, but the checker must run in a bare
client container with httpx only, and a smoke test wants to see the wire: which status,
which content type, what body. A request is a JSON-RPC POST; the server answers with
JSON or with an SSE stream that carries the reply among other messages. The session id
from ``initialize`` and the negotiated protocol version go back on every later request.
Standard library and httpx only.
"""

import contextlib
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx

PROTOCOL_VERSION = "2025-11-25"
CLIENT_INFO = {"name": "pipeline-smoke", "version": "1"}
SESSION_HEADER = "mcp-session-id"
VERSION_HEADER = "MCP-Protocol-Version"
BODY_LIMIT = 64 * 1024


class McpError(Exception):
    """The server did not answer as the protocol requires; says what came back."""

    def __init__(self, message: str, *, status: int | None = None, body: str | None = None) -> None:
        """Keep the status and the start of the body for the report."""
        super().__init__(message)
        self.status = status
        self.body = body


def _read_bounded(response: httpx.Response) -> str:
    """The start of a streamed body, at most ``BODY_LIMIT`` bytes, decoded leniently."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= BODY_LIMIT:
            break
    return b"".join(chunks)[:BODY_LIMIT].decode(response.encoding or "utf-8", errors="replace")


def sse_messages(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """``(event, data)`` of each server-sent event, per the SSE line format."""
    event, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", list[str]()
        elif line.startswith(":"):
            continue
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                data.append(value)
            elif name == "event":
                event = value
    if data:
        yield event, "\n".join(data)


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
        raise McpError(msg, body=json.dumps(reply))
    result = reply.get("result")
    if not isinstance(result, dict):
        msg = "reply has no result object"
        raise McpError(msg, body=json.dumps(reply))
    return result


class McpSession:
    """One MCP session over an ``httpx.Client``; ``timeout`` gives each request's limit.

    ``timeout`` is called before every request so that the caller's overall deadline
    bounds each one; ``expired`` is checked between SSE lines so that a server
    trickling events cannot hold the run past that deadline either.
    """

    def __init__(
        self,
        client: httpx.Client,
        url: str,
        *,
        timeout: Callable[[], float],
        expired: Callable[[], bool] = lambda: False,
    ) -> None:
        """Talk to the MCP endpoint at ``url`` (absolute, or relative to the client's base)."""
        self._client = client
        self._url = url
        self._timeout = timeout
        self._expired = expired
        self._ids = itertools.count(1)
        self.session_id: str | None = None
        self.protocol_version: str | None = None

    def _headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json",
        }
        if self.session_id is not None:
            headers[SESSION_HEADER] = self.session_id
        if self.protocol_version is not None:
            headers[VERSION_HEADER] = self.protocol_version
        return headers

    def initialize(self) -> dict[str, Any]:
        """The handshake: offer our protocol version, keep the session id and the answer."""
        params = {
            "protocolVersion": PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": CLIENT_INFO,
        }
        result, response = self._request("initialize", params)
        version = result.get("protocolVersion")
        if not isinstance(version, str) or not version:
            msg = "initialize result has no protocolVersion"
            raise McpError(msg, status=response.status_code, body=json.dumps(result))
        self.session_id = response.headers.get(SESSION_HEADER)
        self.protocol_version = version
        return result

    def notify(self, method: str) -> int:
        """Send a notification; the server acknowledges with 202 (or another 2xx)."""
        payload = {"jsonrpc": "2.0", "method": method}
        response = self._client.post(
            self._url, json=payload, headers=self._headers(), timeout=self._timeout()
        )
        if not response.is_success:
            msg = f"notification {method} answered HTTP {response.status_code}"
            raise McpError(msg, status=response.status_code, body=response.text)
        return response.status_code

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a request and return its ``result``, from a JSON or an SSE reply."""
        return self._request(method, params)[0]

    def close(self) -> None:
        """End the session politely (best effort: a server may not support DELETE)."""
        if self.session_id is None:
            return
        with contextlib.suppress(httpx.HTTPError):
            self._client.delete(self._url, headers=self._headers(), timeout=min(self._timeout(), 2))
        self.session_id = None

    def _request(
        self, method: str, params: dict[str, Any] | None
    ) -> tuple[dict[str, Any], httpx.Response]:
        request_id = next(self._ids)
        payload: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            payload["params"] = params
        with self._client.stream(
            "POST", self._url, json=payload, headers=self._headers(), timeout=self._timeout()
        ) as response:
            if not response.is_success:
                msg = f"{method} answered HTTP {response.status_code}"
                raise McpError(msg, status=response.status_code, body=_read_bounded(response))
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind == "text/event-stream":
                reply = self._from_events(response, request_id, method)
            elif kind == "application/json":
                reply = self._from_json(response, request_id, method)
            else:
                msg = (
                    f"{method} answered with content type {kind or 'none'!r}, "
                    "expected application/json or text/event-stream"
                )
                raise McpError(msg, status=response.status_code, body=_read_bounded(response))
            return _result(reply), response

    def _from_json(self, response: httpx.Response, request_id: int, method: str) -> dict[str, Any]:
        body = _read_bounded(response)
        try:
            message = json.loads(body)
        except json.JSONDecodeError as exc:
            msg = f"{method} reply is not JSON ({exc.msg} at char {exc.pos})"
            raise McpError(msg, status=response.status_code, body=body) from None
        reply = _reply_to(message, request_id)
        if reply is None:
            msg = f"{method} reply holds no response to request id {request_id}"
            raise McpError(msg, status=response.status_code, body=body)
        return reply

    def _from_events(
        self, response: httpx.Response, request_id: int, method: str
    ) -> dict[str, Any]:
        seen: list[str] = []

        def lines() -> Iterator[str]:
            for line in response.iter_lines():
                if self._expired():
                    return
                yield line

        for _, data in sse_messages(lines()):
            seen.append(data)
            try:
                message = json.loads(data)
            except json.JSONDecodeError as exc:
                msg = f"{method} event data is not JSON ({exc.msg} at char {exc.pos})"
                raise McpError(msg, status=response.status_code, body=data) from None
            reply = _reply_to(message, request_id)
            if reply is not None:
                return reply
        why = "the overall timeout ran out" if self._expired() else "the stream ended"
        msg = f"{method}: {why} before a response to request id {request_id}"
        raise McpError(msg, status=response.status_code, body="\n".join(seen))
