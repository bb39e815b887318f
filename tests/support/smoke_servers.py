"""Broken variants of an MCP service, served by uvicorn for the smoke-test integration tests.

Each factory is an ASGI app (``uvicorn --factory tests.support.smoke_servers:NAME``).
Where the fault is in one place only, the real sample MCP server handles everything
else, so a test can show that exactly one check fails and names itself.
"""

import importlib
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

SLOW_START_SECONDS = 2.0


def _sample_app() -> App:
    # Imported on use: the MCP SDK takes over a second to import, which the apps that
    # only imitate a server should not pay. (By name: the fixture is outside mypy's path.)
    server = importlib.import_module("sample_service.server")
    app: App = server.build_app()
    return app


async def _answer(send: Send, status: int, body: bytes, content_type: str) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _health_replaced(status: int, body: dict[str, str]) -> App:
    """The sample MCP server, except that /health answers ``status``."""
    inner = _sample_app()
    payload = json.dumps(body).encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/health":
            await _answer(send, status, payload, "application/json")
        else:
            await inner(scope, receive, send)

    return app


def health_500() -> App:
    """Speaks MCP, but its health check reports a broken dependency."""
    return _health_replaced(500, {"status": "error", "reason": "database unreachable"})


def never_ready() -> App:
    """Listens, but its health check says "warming up" (503) forever."""
    return _plain(health_status=503)


def slow_start() -> App:
    """The sample MCP server, listening only after a two-second start-up."""
    time.sleep(SLOW_START_SECONDS)
    return _sample_app()


def _plain(
    mcp_status: int = 404,
    mcp_body: bytes = b"Not Found",
    mcp_type: str = "text/plain",
    *,
    health_status: int = 200,
) -> App:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
        elif scope["path"] == "/health":
            state = b'{"status": "ok"}' if health_status == 200 else b'{"status": "starting"}'
            await _answer(send, health_status, state, "application/json")
        elif scope["path"] == "/mcp":
            await _answer(send, mcp_status, mcp_body, mcp_type)
        else:
            await _answer(send, 404, b"Not Found", "text/plain")

    return app


def no_mcp() -> App:
    """A healthy web app that is not an MCP server at all: /mcp is 404."""
    return _plain()


def not_json() -> App:
    """Claims JSON on /mcp but sends an HTML page (a misrouted proxy does this)."""
    return _plain(200, b"<html><body>Welcome to nginx!</body></html>", "application/json")
