"""The sample service is a real MCP server: the subject every later stage is tried on."""

import subprocess
import sys

import httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.support.constants import SAMPLE_SERVICE
from tests.support.processes import sample_env, tool


def test_health_answers_200(sample_server: str) -> None:
    reply = httpx.get(f"{sample_server}/health", timeout=5)
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok", "version": "0.1.0"}


@pytest.mark.anyio
async def test_official_mcp_client_lists_the_tools(sample_server: str) -> None:
    async with (
        streamable_http_client(f"{sample_server}/mcp") as (read, write),
        ClientSession(read, write) as session,
    ):
        init = await session.initialize()
        listed = await session.list_tools()
        called = await session.call_tool("add", {"a": 2, "b": 40})
    assert init.server_info.name == "sample-service"
    assert {"add", "echo", "word_count"} <= {tool.name for tool in listed.tools}
    assert not called.is_error
    assert "42" in str(called.content)


def test_the_service_own_tests_pass() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=SAMPLE_SERVICE,
        env=sample_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout


def test_containerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [tool("hadolint"), str(SAMPLE_SERVICE / "Containerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_containerfile_runs_as_non_root_in_a_separate_stage() -> None:
    text = (SAMPLE_SERVICE / "Containerfile").read_text(encoding="utf-8")
    stages = [line for line in text.splitlines() if line.startswith("FROM ")]
    assert len(stages) >= 2
    runtime = text.split(stages[-1], 1)[1]
    user_lines = [line for line in runtime.splitlines() if line.startswith("USER ")]
    assert user_lines
    assert user_lines[-1].split()[1] not in {"root", "0"}


def test_registry_fixture_serves_the_distribution_api(registry: str) -> None:
    reply = httpx.get(f"{registry}/v2/", timeout=5)
    assert reply.status_code == 200
    assert reply.headers.get("Docker-Distribution-API-Version") == "registry/2.0"
