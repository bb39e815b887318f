"""The smoke checker against real servers on 127.0.0.1: the sample MCP server and broken ones."""

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from main.core.smoke.checks import run_smoke
from main.core.smoke.result import SmokeReport
from main.core.smoke.spec import SmokeSpec, parse_http_check, parse_tool_call
from tests.support.constants import REPO_ROOT
from tests.support.processes import free_port, serving_app

SRC = REPO_ROOT / "src"
MCP_CHECKS = ["mcp.initialize", "mcp.initialized", "mcp.tools_list"]


@contextmanager
def serving(factory: str, *, wait: bool = True) -> Iterator[str]:
    """One of ``smoke_servers``' apps under uvicorn on a free port; yields its URL."""
    with serving_app(
        f"tests.support.smoke_servers:{factory}",
        wait=wait,
        extra_args=["--log-level", "warning"],
        cwd=REPO_ROOT,
    ) as base:
        yield base


def names(report: SmokeReport) -> list[str]:
    return [check.name for check in report.checks]


def outcome(report: SmokeReport, name: str) -> str:
    return next(check.outcome for check in report.checks if check.name == name)


# --- the real sample MCP server ------------------------------------------------------


def test_sample_server_passes_every_check(sample_server: str) -> None:
    spec = SmokeSpec(
        url=sample_server,
        timeout=10,
        expected_tools=("add", "word_count"),
        tool_call=parse_tool_call({"name": "add", "arguments": {"a": 2, "b": 40}, "expect": "42"}),
        checks=(
            parse_http_check(
                {"name": "version", "path": "/health", "json-path": "version", "equals": "0.1.0"}
            ),
            parse_http_check({"name": "ok", "path": "/health", "contains": '"ok"'}),
        ),
    )
    report = run_smoke(spec)
    assert report.passed, report.to_json()
    assert names(report) == [
        "ready",
        "health",
        *MCP_CHECKS,
        "mcp.tools_call",
        "check.version",
        "check.ok",
    ]
    assert report.server == {
        "name": "sample-service",
        "version": "0.1.0",
        "protocol_version": "2025-11-25",
    }
    assert set(report.tools) == {"add", "echo", "word_count"}
    assert report.startup_seconds is not None
    assert all(check.latency_ms > 0 for check in report.checks)
    assert "session id issued" in report.checks[2].detail
    assert "42" in report.checks[5].detail


def test_a_missing_tool_fails_tools_list(sample_server: str) -> None:
    report = run_smoke(SmokeSpec(url=sample_server, timeout=10, expected_tools=("add", "deploy")))
    assert report.failed_checks == ["mcp.tools_list"]
    error = report.checks[4].error or ""
    assert "missing tools ['deploy']" in error
    assert "word_count" in error


def test_a_tool_call_with_the_wrong_result_fails(sample_server: str) -> None:
    call = parse_tool_call({"name": "add", "arguments": {"a": 2, "b": 2}, "expect": "5"})
    report = run_smoke(SmokeSpec(url=sample_server, timeout=10, tool_call=call))
    assert report.failed_checks == ["mcp.tools_call"]
    assert report.checks[-1].error == "tool add result does not contain '5'"
    assert "4" in (report.checks[-1].body_excerpt or "")


def test_a_tool_error_fails_the_tool_call(sample_server: str) -> None:
    call = parse_tool_call({"name": "no_such_tool"})
    report = run_smoke(SmokeSpec(url=sample_server, timeout=10, tool_call=call))
    assert report.failed_checks == ["mcp.tools_call"]
    assert "tool no_such_tool reported an error" in (report.checks[-1].error or "")


def test_failed_extra_checks_show_status_and_body(sample_server: str) -> None:
    checks = (
        parse_http_check({"name": "missing", "path": "/metrics"}),
        parse_http_check(
            {"name": "version", "path": "/health", "json-path": "version", "equals": "9.9"}
        ),
        parse_http_check({"name": "field", "path": "/health", "json-path": "build.sha"}),
        parse_http_check({"name": "text", "path": "/health", "contains": "degraded"}),
    )
    report = run_smoke(SmokeSpec(url=sample_server, timeout=10, checks=checks))
    assert report.failed_checks == ["check.missing", "check.version", "check.field", "check.text"]
    by_name = {check.name: check for check in report.checks}
    assert by_name["check.missing"].http_status == 404
    assert by_name["check.missing"].error == "expected HTTP 200, got 404"
    assert by_name["check.version"].error == "JSON field 'version' is '0.1.0', expected '9.9'"
    assert by_name["check.field"].error == "JSON field 'build.sha' is missing (at 'build')"
    assert by_name["check.text"].body_excerpt == '{"status":"ok","version":"0.1.0"}'


# --- the command line, as a subprocess -----------------------------------------------


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "main.core.smoke", *args],
        cwd=SRC,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_cli_passes_on_the_sample_server(sample_server: str) -> None:
    result = run_cli(
        sample_server,
        "--timeout", "10",
        "--expect-tool", "echo",
        "--call", "echo",
        "--call-args", '{"text": "smoke"}',
        "--call-expect", "smoke",
        "--check", json.dumps({"name": "health-json", "path": "/health", "json-path": "status",
                               "equals": "ok"}),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is True
    assert [check["name"] for check in report["checks"]][-2:] == [
        "mcp.tools_call",
        "check.health-json",
    ]
    assert result.stderr.startswith("smoke test PASSED: 7 checks")


def test_cli_exits_1_with_a_report_when_a_check_fails(sample_server: str) -> None:
    result = run_cli(sample_server, "--mcp-path", "/not-mcp", "--timeout", "10")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["failed_checks"] == ["mcp.initialize"]
    assert report["checks"][2]["http_status"] == 404


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("ftp://example.org", "URL must be absolute http:// or https://"),
        ("http://[::1", "is malformed"),
        ("http://x:abc", "is malformed"),
        (f"http://{'a' * 70}.example", "invalid host"),
    ],
)
def test_cli_exits_2_on_bad_arguments_with_a_report_and_one_line(url: str, said: str) -> None:
    result = run_cli(url, "--timeout", "1")
    assert result.returncode == 2
    report = json.loads(result.stdout)  # callers read stdout as JSON whatever happened
    assert report["passed"] is False
    assert said in report["error"]
    assert result.stderr.count("\n") == 1
    assert said in result.stderr
    assert "Traceback" not in result.stderr


# --- broken servers: each failure names its check ------------------------------------


def test_health_500_fails_only_the_health_check() -> None:
    with serving("health_500") as url:
        report = run_smoke(SmokeSpec(url=url, timeout=10))
    assert report.failed_checks == ["health"]
    health = report.checks[1]
    assert health.http_status == 500
    assert health.error == "expected HTTP 200 from /health, got 500"
    assert "database unreachable" in (health.body_excerpt or "")
    assert [outcome(report, name) for name in MCP_CHECKS] == ["passed"] * 3


def test_slow_start_passes_and_measures_the_startup() -> None:
    with serving("slow_start", wait=False) as url:
        report = run_smoke(SmokeSpec(url=url, timeout=20))
    assert report.passed, report.to_json()
    assert report.startup_seconds is not None
    assert report.startup_seconds >= 2.0
    assert "attempts" in report.checks[0].detail


def test_never_ready_fails_at_the_timeout() -> None:
    with serving("never_ready") as url:
        report = run_smoke(SmokeSpec(url=url, timeout=1.0))
    assert report.failed_checks == ["ready"]
    assert report.startup_seconds is None
    assert (
        report.checks[0].error
        == f"{url}/health was not ready within 1 s: last attempt HTTP 503 (warming up)"
    )
    assert 1.0 <= report.duration_seconds < 3.0
    assert {check.outcome for check in report.checks[1:]} == {"skipped"}


def test_no_mcp_endpoint_fails_initialize_and_skips_the_rest() -> None:
    with serving("no_mcp") as url:
        report = run_smoke(SmokeSpec(url=url, timeout=5, expected_tools=("add",)))
    assert report.failed_checks == ["mcp.initialize"]
    assert report.checks[2].http_status == 404
    assert report.checks[2].error == "initialize answered HTTP 404"
    assert [outcome(report, name) for name in MCP_CHECKS[1:]] == ["skipped", "skipped"]


def test_a_non_json_body_fails_initialize_with_the_body() -> None:
    with serving("not_json") as url:
        report = run_smoke(SmokeSpec(url=url, timeout=5))
    assert report.failed_checks == ["mcp.initialize"]
    assert (report.checks[2].error or "").startswith("initialize reply is not JSON")
    assert "Welcome to nginx" in (report.checks[2].body_excerpt or "")


def test_no_mcp_mode_checks_a_plain_http_service() -> None:
    with serving("no_mcp") as url:
        report = run_smoke(SmokeSpec(url=url, mcp_path=None, timeout=5))
    assert report.passed
    assert names(report) == ["ready", "health"]


def test_nothing_listening_fails_ready_at_the_timeout() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    report = run_smoke(SmokeSpec(url=url, timeout=0.5))
    assert report.failed_checks == ["ready"]
    assert "ConnectError" in (report.checks[0].error or "")
    assert report.duration_seconds >= 0.5


def test_a_server_that_never_answers_cannot_outlast_the_timeout() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        accepted: list[socket.socket] = []
        stop = threading.Event()

        def accept() -> None:
            listener.settimeout(0.1)
            while not stop.is_set():
                try:
                    accepted.append(listener.accept()[0])
                except TimeoutError:
                    continue

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        port = listener.getsockname()[1]
        try:
            report = run_smoke(SmokeSpec(url=f"http://127.0.0.1:{port}", timeout=1.0))
        finally:
            stop.set()
            thread.join()
            for conn in accepted:
                conn.close()
    assert report.failed_checks == ["ready"]
    assert "ReadTimeout" in (report.checks[0].error or "")
    assert report.duration_seconds < 3.0


def test_https_targets_go_through_tls(sample_server: str) -> None:
    # The sample server speaks plain HTTP: a TLS handshake with it must fail, not be skipped.
    url = sample_server.replace("http://", "https://")
    report = run_smoke(SmokeSpec(url=url, timeout=0.5))
    assert report.failed_checks == ["ready"]
    assert "SSL" in (report.checks[0].error or "")
