"""The interop matrix: the whole smoke suite against real MCP servers of both official SDKs.

Each row starts a real server on 127.0.0.1 and runs every check, tool call included.
A row that cannot start here says why and is skipped; on CI every row runs.
"""

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx
import pytest

from main.core.mcp.client import McpSession, SseState, sse_events
from main.core.mcp.wire import Deadline
from main.core.smoke.checks import run_smoke
from main.core.smoke.result import SmokeReport
from main.core.smoke.spec import SmokeSpec, parse_tool_call
from tests.support.constants import REPO_ROOT
from tests.support.interop_servers import MANY_TOOLS
from tests.support.processes import free_port, running, serving_app

TYPESCRIPT = REPO_ROOT / "tests" / "fixtures" / "mcp-servers" / "typescript"
EVERYTHING = TYPESCRIPT / "node_modules/@modelcontextprotocol/server-everything/dist/index.js"


@contextmanager
def python_server(factory: str) -> Iterator[str]:
    """One of ``interop_servers``' Python SDK apps under uvicorn; yields its URL."""
    with serving_app(
        f"tests.support.interop_servers:{factory}",
        extra_args=["--log-level", "warning"],
        cwd=REPO_ROOT,
    ) as base:
        yield base


@contextmanager
def typescript_everything() -> Iterator[str]:
    """The TypeScript SDK's reference server over streamable HTTP; yields its URL."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("interop row skipped: Node.js is not installed (scripts/install needs it)")
    if not EVERYTHING.is_file():
        pytest.skip(
            "interop row skipped: server-everything is not installed; "
            f"run `npm ci` in {TYPESCRIPT.relative_to(REPO_ROOT)} (scripts/install does)"
        )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [node, str(EVERYTHING), "streamableHttp"]
    # It has no health endpoint: a GET on /mcp without a session answers 400, which
    # shows it listens.
    with running(argv, ready_url=f"{base}/mcp", env={"PORT": str(port), "PATH": "/usr/bin:/bin"}):
        yield base


def smoke(base: str, *, health: bool, call: Mapping[str, object]) -> SmokeReport:
    return run_smoke(
        SmokeSpec(
            url=base,
            health_path="/health" if health else None,
            timeout=20,
            tool_call=parse_tool_call(call),
        )
    )


def assert_passed(report: SmokeReport, *, expected: list[str]) -> None:
    assert report.passed, report.to_json()
    assert [check.name for check in report.checks] == expected


PYTHON_ROWS = ["resumable", "json_replies", "stateless"]
WITH_HEALTH = ["ready", "health", "mcp.initialize", "mcp.initialized", "mcp.tools_list"]
WITH_HEALTH = [*WITH_HEALTH, "mcp.tools_call"]


@pytest.mark.parametrize("factory", PYTHON_ROWS)
def test_python_sdk_servers_in_every_transport_mode(factory: str) -> None:
    with python_server(factory) as base:
        report = smoke(
            base, health=True, call={"name": "add", "arguments": {"a": 2, "b": 40}, "expect": "42"}
        )
    assert_passed(report, expected=WITH_HEALTH)
    initialize = report.checks[2]
    assert ("no session id" in initialize.detail) == (factory == "stateless")


def test_the_sample_service_row(sample_server: str) -> None:
    report = smoke(
        sample_server,
        health=True,
        call={"name": "echo", "arguments": {"text": "hi"}, "expect": "hi"},
    )
    assert_passed(report, expected=WITH_HEALTH)


def test_the_typescript_reference_server_without_a_health_endpoint() -> None:
    with typescript_everything() as base:
        echo = {"name": "echo", "arguments": {"message": "hi"}, "expect": "hi"}
        report = smoke(base, health=False, call=echo)
    mcp = ["mcp.initialize", "mcp.initialized", "mcp.tools_list", "mcp.tools_call"]
    assert_passed(report, expected=["ready", *mcp, "mcp.ping"])
    assert report.health.startswith("MCP: initialize for readiness, ping for liveness")
    assert report.server["name"] == "mcp-servers/everything"


def test_a_stream_closed_before_the_response_is_resumed_with_last_event_id() -> None:
    with python_server("resumable") as base:
        report = smoke(
            base,
            health=True,
            call={"name": "handover", "arguments": {"text": "x"}, "expect": "handed over: x"},
        )
    assert_passed(report, expected=WITH_HEALTH)


def test_the_priming_event_was_the_false_failure() -> None:
    # What the TypeScript server's first bytes look like (seen on the wire): an event with
    # an id and empty data, then the reply. Reading the first event as the reply was
    # the bug: "initialize event data is not JSON (Expecting value at char 0)".
    wire = ["id: 474cfb87", "data: ", "", "event: message", "id: 08be6c35"]
    wire += ['data: {"jsonrpc":"2.0","id":1,"result":{}}', ""]
    state = SseState()
    events = list(sse_events(iter(wire), state))
    assert [event.data for event in events] == ["", '{"jsonrpc":"2.0","id":1,"result":{}}']
    assert state.last_id == "08be6c35"


def test_the_resume_really_happens_on_a_new_get() -> None:
    with python_server("resumable") as base, httpx.Client() as client:
        session = McpSession(client, f"{base}/mcp", deadline=Deadline(10))
        session.initialize()
        session.notify("notifications/initialized")
        result = session.request("tools/call", {"name": "handover", "arguments": {"text": "y"}})
        session.close()
    assert session.resumed == 1
    assert result["content"][0]["text"] == "handed over: y"


def test_a_tools_list_over_64_kib_parses() -> None:
    # The old client cut replies at 64 KiB and failed healthy servers with many tools.
    with python_server("many_tools") as base:
        report = smoke(base, health=True, call={"name": "tool_299", "arguments": {"text": "z"}})
    assert_passed(report, expected=WITH_HEALTH)
    assert len(report.tools) > MANY_TOOLS
