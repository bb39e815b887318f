"""Real MCP servers in the transport modes the smoke client must follow (the interop matrix).

Each factory is an ASGI app (``uvicorn --factory tests.support.interop_servers:NAME``)
built on the official Python SDK with the sample service's tools and health route:

- ``resumable``: SSE replies with an event store, so every stream opens with a
  *priming* event (an id, empty data), and a ``handover`` tool that closes its stream
  before answering, so the client must resume with ``GET`` + ``Last-Event-ID``;
- ``json_replies``: plain JSON answers instead of SSE;
- ``stateless``: no session id at all.
"""

import asyncio
import importlib
import itertools
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.streamable_http import EventCallback, EventMessage, EventStore
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import JSONRPCMessage
from starlette.applications import Starlette

RETRY_MS = 50


class MemoryEventStore(EventStore):
    """Every event of every stream, in memory, for replay after a reconnect."""

    def __init__(self) -> None:
        """An empty store."""
        self._ids = itertools.count(1)
        self._events: list[tuple[str, str, JSONRPCMessage | None]] = []

    async def store_event(self, stream_id: str, message: JSONRPCMessage | None) -> str:
        """Keep ``message`` (None for a priming event) under a new id."""
        event_id = str(next(self._ids))
        self._events.append((event_id, stream_id, message))
        return event_id

    async def replay_events_after(
        self, last_event_id: str, send_callback: EventCallback
    ) -> str | None:
        """Send the stream's events after ``last_event_id``; its stream id, or None."""
        found = [i for i, (event_id, *_) in enumerate(self._events) if event_id == last_event_id]
        if not found:
            return None
        _, stream_id, _ = self._events[found[0]]
        for event_id, stream, message in self._events[found[0] + 1 :]:
            if stream == stream_id and message is not None:
                await send_callback(EventMessage(message, event_id))
        return stream_id


def _sample_server() -> MCPServer:
    server: MCPServer = importlib.import_module("sample_service.server").build_server()
    return server


def _app(server: MCPServer, **options: Any) -> Starlette:  # noqa: ANN401 - the SDK's options
    app: Starlette = server.streamable_http_app(host="0.0.0.0", **options)  # noqa: S104
    return app


def resumable() -> Starlette:
    """SSE with priming events, and a tool whose stream closes before its answer."""
    server = _sample_server()

    async def handover(text: str, ctx: Context) -> str:
        """Close this request's stream, then answer: the reply arrives on a resume."""
        await ctx.close_sse_stream()
        await asyncio.sleep(0.05)
        return f"handed over: {text}"

    server.tool()(handover)
    return _app(server, event_store=MemoryEventStore(), retry_interval=RETRY_MS)


def json_replies() -> Starlette:
    """Answers as application/json, never as an event stream."""
    return _app(_sample_server(), json_response=True)


def stateless() -> Starlette:
    """No session: every request stands alone and no Mcp-Session-Id is issued."""
    return _app(_sample_server(), stateless_http=True)


MANY_TOOLS = 300


def many_tools() -> Starlette:
    """A healthy server whose tools/list reply is far over 64 KiB (about 300 KiB)."""
    server = _sample_server()
    for number in range(MANY_TOOLS):

        def tool(text: str) -> str:
            return text

        tool.__name__ = f"tool_{number:03d}"
        tool.__doc__ = f"Tool {number}: " + "a long description of what it does. " * 25
        server.tool()(tool)
    return _app(server)


def no_health() -> Starlette:
    """The sample tools without a health route: like the official SDKs' own examples."""
    tools = importlib.import_module("sample_service.tools")
    server = MCPServer(name="no-health", version="1")
    for tool in (tools.add, tools.echo, tools.word_count):
        server.tool()(tool)
    return _app(server)


def trailing_slash() -> Starlette:
    """MCP at ``/mcp/`` as FastMCP serves it: ``POST /mcp`` answers 307 to ``/mcp/``."""
    return _app(_sample_server(), streamable_http_path="/mcp/")


def host_guarded() -> Starlette:
    """The SDK's DNS-rebinding guard on, for one service alias: 421 to any other Host."""
    guard = TransportSecuritySettings(allowed_hosts=["app:8000"])
    app: Starlette = _sample_server().streamable_http_app(transport_security=guard)
    return app
