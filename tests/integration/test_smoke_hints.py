"""What the smoke verdict says when a real server answers a common misconfiguration.

Real official-SDK servers on 127.0.0.1 (``tests/support/interop_servers.py``): one with
no health route (none of the official SDKs, FastMCP or server-everything has one), and
one whose DNS-rebinding guard allows only the alias a Dagger service binding uses. The
verdict line is what a CI log keeps, so the hint must be on it.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager

import pytest

from main.core.smoke.checks import run_smoke
from main.core.smoke.spec import SmokeSpec
from tests.support.constants import REPO_ROOT
from tests.support.processes import free_port, serving_app


def serve(factory: str, *, wait: bool = True) -> AbstractContextManager[str]:
    return serving_app(
        f"tests.support.interop_servers:{factory}",
        wait=wait,
        extra_args=["--log-level", "warning"],
        cwd=REPO_ROOT,
    )


@pytest.fixture(scope="module")
def no_health_server() -> Iterator[str]:
    with serve("no_health", wait=False) as base:
        yield base


def test_a_missing_health_endpoint_beside_a_working_mcp_says_how_to_skip_it(
    no_health_server: str,
) -> None:
    report = run_smoke(SmokeSpec(url=no_health_server, timeout=20))
    assert report.failed_checks == ["health"]
    assert all(c.outcome == "passed" for c in report.checks if c.name.startswith("mcp."))
    summary = report.summary()
    assert summary.startswith("smoke test FAILED: health (health: expected HTTP 200 from /health,")
    assert "got 404" in summary
    assert "the server has no health endpoint at /health, while MCP answers" in summary
    assert "--no-health" in summary
    assert 'health-path = ""' in summary


def test_a_404_health_with_a_failing_mcp_gets_no_such_hint(no_health_server: str) -> None:
    # The hint is for a working server without the endpoint, not for a wrong address.
    report = run_smoke(SmokeSpec(url=no_health_server, mcp_path="/nope", timeout=20))
    assert report.failed_checks[:2] == ["health", "mcp.initialize"]
    assert "no health endpoint" not in report.summary()


def test_the_sdk_host_guard_421_gets_a_hint_about_the_service_alias() -> None:
    with serve("host_guarded") as base:
        report = run_smoke(SmokeSpec(url=base, timeout=20))
    assert report.failed_checks[0] == "mcp.initialize"
    first = next(c for c in report.checks if c.failed)
    assert first.http_status == 421
    summary = report.summary()
    assert "HTTP 421" in summary
    assert "DNS-rebinding" in summary
    assert "Host header" in summary
    assert "alias" in summary


def test_the_verdict_line_on_stderr_carries_no_url_password() -> None:
    # The ready check quotes the URL it polled; the JSON was scrubbed, stderr was not.
    url = f"http://deploy-bot:s3cr3t-P%40ss@127.0.0.1:{free_port()}"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "main.core.smoke", url, "--timeout=0.3"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert "smoke test FAILED: ready" in done.stderr
    assert "s3cr3t" not in done.stderr
    assert "deploy-bot:" not in done.stderr
    assert "s3cr3t" not in done.stdout
    assert "http://***@127.0.0.1" in done.stderr
