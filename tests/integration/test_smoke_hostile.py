"""The smoke checker against a hostile server: bounded in time and memory, never a crash.

Each case runs the real command line, as the Dagger function does, and wants the whole
JSON report on stdout, the documented exit code, no traceback, and (for the time
bounds) a run that ends near its --timeout whatever the server does.
"""

import json
import subprocess
import sys
import time
from typing import Any

import pytest

from tests.support.constants import REPO_ROOT
from tests.support.hostile_server import MIB, hostile

TIMEOUT = 1.5
SLACK = 3.0  # interpreter start-up and the client's own teardown, generously


def checker(*args: str) -> tuple[int, dict[str, Any], str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "main.core.smoke", *args],
        cwd=REPO_ROOT / "src",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    took = time.monotonic() - started
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr, took


def check(report: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in report["checks"] if c["name"] == name)
    return found


def test_a_trickled_health_body_is_cut_at_the_deadline() -> None:
    with hostile() as (base, _):
        code, report, _, took = checker(
            base, "--health-path=/trickle", "--no-mcp", f"--timeout={TIMEOUT}"
        )
    assert code == 1
    assert took < TIMEOUT + SLACK
    health = check(report, "health")
    assert health["outcome"] == "failed"
    assert "cut short" in health["error"]


def test_a_never_ending_sse_line_is_cut_at_the_deadline() -> None:
    with hostile() as (base, _):
        code, report, _, took = checker(
            base, "--health-path=/", "--mcp-path=/sse-endless-line", f"--timeout={TIMEOUT}"
        )
    assert code == 1
    assert took < TIMEOUT + SLACK
    initialize = check(report, "mcp.initialize")
    assert initialize["outcome"] == "failed"
    assert "cut short" in initialize["error"]
    assert report["summary"].startswith("smoke test FAILED")


@pytest.mark.parametrize("path", ["/huge", "/endless"])
def test_a_huge_or_endless_health_body_is_read_only_as_far_as_needed(path: str) -> None:
    with hostile() as (base, server):
        code, report, _, _ = checker(base, f"--health-path={path}", "--no-mcp", "--timeout=10")
    assert code == 0, report  # the status is 200: healthy, and the rest was never read
    assert check(report, "health")["outcome"] == "passed"
    # Socket buffers hold a few MiB; the 100 MiB (or endless) body was not read.
    assert server.sent.get(path, 0) < 32 * MIB


def test_a_400_mib_sse_line_stops_at_the_reply_limit() -> None:
    with hostile() as (base, server):
        code, report, _, _ = checker(
            base, "--health-path=/", "--mcp-path=/sse-huge-line", "--timeout=20"
        )
    assert code == 1
    assert "longer than" in check(report, "mcp.initialize")["error"]
    assert server.sent.get("/sse-huge-line", 0) < 64 * MIB


def test_a_redirect_loop_and_bad_gzip_fail_their_check_in_one_line() -> None:
    with hostile() as (base, _):
        loop = '{"name": "loop", "path": "/loop"}'
        gz = '{"name": "gz", "path": "/bad-gzip"}'
        fine = '{"name": "fine", "path": "/gzip-ok", "json-path": "status", "equals": "ok"}'
        code, report, _, _ = checker(
            base, "--health-path=/", "--no-mcp", f"--check={loop}", f"--check={gz}",
            f"--check={fine}", "--timeout=10",
        )  # fmt: skip
    assert code == 1
    assert "TooManyRedirects" in check(report, "check.loop")["error"]
    assert "DecodingError" in check(report, "check.gz")["error"]
    assert check(report, "check.fine")["outcome"] == "passed"


def test_a_stream_that_keeps_dropping_gives_up_after_bounded_resumes() -> None:
    with hostile() as (base, _):
        code, report, _, took = checker(
            base, "--health-path=/", "--mcp-path=/sse-drops", "--timeout=10"
        )
    assert code == 1
    assert took < 10
    assert "after 3 resumes" in check(report, "mcp.initialize")["error"]
