"""The load generator (``python -m main.core.load``) against real servers on 127.0.0.1.

Figures are checked against servers whose behaviour is known by construction
(tests/support/load_servers.py), with these tolerances:

- counts: the generator counts at most what the server answered, and at most one
  request per user less (requests in flight when the run stops are not counted);
- error rate: the server fails exactly 1 in 10 by arrival, so the counted share is
  within 3 points of 10% (the uncounted in-flight requests and a partial last ten);
- latency: nothing answers before its delay, so p50 and p95 are at least the delay;
  a loaded two-core machine may add scheduling time, so the upper bound is the delay
  plus 150 ms.

Each run is 1-2 s; the generator runs as a subprocess because Locust monkey-patches
the interpreter that imports it.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest

from main.core.load.backoff import attempts_within
from main.core.load.result import JUDGED, STAT_KEYS
from main.core.load.thresholds import apart
from tests.support.constants import REPO_ROOT
from tests.support.load_servers import (
    DELAY,
    TOOLS_DELAY,
    hanging_server,
    shaped_server,
)
from tests.support.processes import free_port, serving_app

SLACK_MS = 150.0
MCP_KINDS = ["mcp.initialize", "mcp.tools_list", "mcp.tools_call"]


def load(*argv: str, timeout: float = 60) -> tuple[int, dict[str, Any], str]:
    """Run the generator; its exit status, its JSON document and its stderr."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "main.core.load", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    return done.returncode, json.loads(done.stdout), done.stderr


@pytest.fixture(scope="module")
def slow_tools_server() -> Iterator[str]:
    with serving_app(
        "tests.support.load_servers:slow_tools_call",
        extra_args=["--log-level", "warning"],
        cwd=REPO_ROOT,
    ) as base:
        yield base


@pytest.fixture(scope="module")
def trailing_slash_server() -> Iterator[str]:
    """The SDK's server at ``/mcp/``, as FastMCP serves it: ``/mcp`` answers 307."""
    with serving_app(
        "tests.support.interop_servers:trailing_slash",
        extra_args=["--log-level", "warning"],
        cwd=REPO_ROOT,
    ) as base:
        yield base


def test_an_endpoint_behind_a_trailing_slash_redirect_is_followed(
    trailing_slash_server: str,
) -> None:
    # It failed by 100% ("initialize answered HTTP 307"), while the smoke test passed.
    code, document, stderr = load(
        trailing_slash_server,
        "--users=2",
        "--duration=1.5",
        "--mcp-path=/mcp",
        "--tool=echo",
        '--tool-args={"text": "hi"}',
        "--max-error-rate=0",
    )
    assert code == 0, stderr
    for kind in MCP_KINDS:
        assert document["requests"][kind]["failures"] == 0, kind
        assert document["requests"][kind]["count"] > 0, kind
    assert document["requests"]["mcp.initialize"]["count"] == 2


def test_a_failing_initialize_backs_off_instead_of_hammering(trailing_slash_server: str) -> None:
    users, seconds = 3, 1.5
    code, document, _ = load(
        trailing_slash_server,
        "--no-health",
        f"--users={users}",
        f"--duration={seconds}",
        "--mcp-path=/nope",
    )
    assert code == 1
    initialize = document["requests"]["mcp.initialize"]
    assert initialize["failures"] == initialize["count"] > 0
    # Without a pause each user started hundreds of handshakes a second.
    assert initialize["count"] <= users * attempts_within(seconds)
    assert document["breaches"][0].startswith("target failing: all ")


def test_the_sample_mcp_service_under_load_passes(sample_server: str) -> None:
    code, document, stderr = load(
        sample_server,
        "--users=4",
        "--duration=2",
        "--tool=add",
        '--tool-args={"a": 2, "b": 40}',
        "--p95-ms=2000",
        "--max-error-rate=0",
    )
    assert code == 0, stderr
    assert document["passed"] is True
    assert document["breaches"] == []
    assert list(document["requests"]) == ["health", *MCP_KINDS]
    for kind, stats in document["requests"].items():
        assert set(stats) == {*STAT_KEYS, JUDGED}
        assert stats["failures"] == 0, kind
        assert stats["count"] > 0, kind
        assert 0 < stats["p50_ms"] <= stats["p95_ms"] <= stats["p99_ms"] <= stats["max_ms"]
    # every user opened exactly one session; nothing made it open another
    assert document["requests"]["mcp.initialize"]["count"] == 4
    assert document["users"] == 4
    assert stderr.strip().endswith("from 4 users")


def test_without_a_configured_tool_a_tool_needing_arguments_is_skipped_and_said(
    sample_server: str,
) -> None:
    code, document, _ = load(sample_server, "--users=2", "--duration=1")
    assert code == 0
    assert document["requests"]["mcp.tools_call"]["count"] == 0
    assert document["requests"]["mcp.tools_list"]["count"] > 0
    (note,) = document["notes"]
    assert note == (
        "tools/call skipped: no tool configured, and the first listed tool 'add' needs "
        "arguments (a, b); set the tool and its arguments"
    )


def test_figures_match_a_server_known_by_construction() -> None:
    users = 5
    with shaped_server() as (base, tally):
        code, document, _ = load(base, "--no-mcp", f"--users={users}", "--duration=2")
    assert code == 0
    health = document["requests"]["health"]
    assert list(document["requests"]) == ["health"]
    # Every request the server saw is counted, answered after the stop, or was still in
    # flight when the users were killed (the server may or may not have answered it). It
    # flaked as `answered - users <= count`: a user whose answer came just after the stop
    # sent another request before the kill reached it.
    late = document["after_stop"].get("health", 0)
    waiting = document["in_flight"].get("health", 0)
    assert health["count"] + late <= tally.answered <= health["count"] + late + waiting
    assert health["failures"] <= tally.failed <= health["failures"] + late + waiting
    assert abs(health["failures"] / health["count"] - 0.1) <= 0.03
    delay_ms = DELAY * 1000
    assert delay_ms <= health["p50_ms"] <= delay_ms + SLACK_MS
    assert delay_ms <= health["p95_ms"] <= delay_ms + SLACK_MS
    # closed loop: no user can finish more than one answer per delay, 9 in 10 of them
    assert health["rps"] <= users / (DELAY * 0.9)
    assert health["rps"] == pytest.approx(health["count"] / document["duration_s"], rel=0.01)
    timeline = document["timeline"]
    assert [point["start_s"] for point in timeline] == [0.0, 1.0]
    assert sum(point["failures"] for point in timeline) == health["failures"]
    assert document["errors"] == [
        f"health: GET /health answered HTTP 500 ({health['failures']} times)"
    ]


def test_broken_limits_exit_one_naming_limit_kind_value_and_limit() -> None:
    with shaped_server() as (base, _):
        code, document, stderr = load(
            base,
            "--no-mcp",
            "--users=3",
            "--duration=1",
            "--p95-ms=5",
            "--max-error-rate=0.02",
            "--warmup=0",  # every request judged: the breach quotes the figures reported
        )
    assert code == 1
    assert document["passed"] is False
    p95, rate = document["breaches"]
    measured = document["requests"]["health"]
    assert p95 == f"health p95 {round(measured['p95_ms'], 1):g} ms > limit 5 ms"
    assert rate.startswith("health error rate ")
    assert rate.endswith(f"({measured['failures']} of {measured['count']}) > limit 2%")
    assert stderr.startswith(f"load test failed: {p95} (+1 more)")


def test_per_kind_figures_of_a_slow_failing_tool(slow_tools_server: str) -> None:
    code, document, _ = load(
        slow_tools_server,
        "--users=4",
        "--duration=2",
        "--tool=echo",
        '--tool-args={"text": "hi"}',
        "--max-error-rate=0.05",
        "--warmup=0",  # every request judged: the breach quotes the figures reported
    )
    assert code == 1
    calls = document["requests"]["mcp.tools_call"]
    listing = document["requests"]["mcp.tools_list"]
    assert listing["failures"] == 0
    assert document["requests"]["health"]["failures"] == 0
    # the server fails exactly 1 in 5 calls, the generator misses at most 4 in flight
    assert abs(calls["failures"] / calls["count"] - 0.2) <= 4 / calls["count"] + 0.02
    assert calls["p95_ms"] >= TOOLS_DELAY * 1000
    assert listing["p50_ms"] < calls["p95_ms"]
    # The figure has as few decimals as tell it from the limit (thresholds.apart, unit-tested):
    # one here, as 5% is far away (19.12% reads 19.1%).
    rate, _ = apart(calls["failures"] / calls["count"] * 100, 5.0)
    assert rate == f"{round(round(calls['failures'] / calls['count'] * 100, 2), 1):g}"
    expected = f"mcp.tools_call error rate {rate}% ({calls['failures']} of {calls['count']})"
    assert document["breaches"] == [f"{expected} > limit 5%"]
    assert any("tools/call answered HTTP 500" in line for line in document["errors"])


def test_a_tool_call_that_hangs_fails_the_run_instead_of_passing_without_figures() -> None:
    with serving_app(
        "tests.support.load_servers:hanging_tools_call",
        extra_args=["--log-level", "warning"],
        cwd=REPO_ROOT,
    ) as base:
        code, document, _ = load(
            base, "--users=2", "--duration=1.5", "--tool=echo", '--tool-args={"text": "hi"}'
        )
    assert code == 1
    assert document["requests"]["mcp.tools_call"]["count"] == 0
    # Whether a user's first round is a health check or MCP is random (weights 1:1), so the
    # health count may be 0; every user ends stuck in the hanging call well before 1.5 s.
    assert document["in_flight"] == {"mcp.tools_call": 2}
    assert document["breaches"] == [
        "target failing: no mcp.tools_call request finished in 1.5 s (2 still waiting at the stop)"
    ]


def test_a_hanging_target_cannot_hold_the_run_past_its_duration() -> None:
    # Without the hard stop a request would wait its full 10 s timeout, and Locust would
    # wait for it: the subprocess timeout (8 s) would fail the test.
    with hanging_server() as base:
        code, document, _ = load(base, "--no-mcp", "--users=3", "--duration=1", timeout=8)
    assert code == 1
    assert document["breaches"] == ["target failing: no request finished in 1 s"]
    assert document["requests"]["health"]["count"] == 0


def test_a_port_nobody_listens_on_is_a_failing_target_not_a_crash() -> None:
    code, document, stderr = load(f"http://127.0.0.1:{free_port()}", "--users=2", "--duration=1")
    assert code == 1
    (breach,) = document["breaches"]
    assert breach.startswith("target failing: all ")
    assert "Connection refused" in breach
    assert "Traceback" not in stderr


def test_bad_usage_exits_two_with_one_line_and_a_json_document() -> None:
    code, document, stderr = load("http://127.0.0.1:9", "--users=-1")
    assert code == 2
    assert document == {
        "passed": False,
        "breaches": ["bad usage: --users must be a whole number from 1 to 10000, got -1"],
        "requests": {},
        "summary": "bad usage: --users must be a whole number from 1 to 10000, got -1",
    }
    assert len(stderr.strip().splitlines()) == 1


def test_two_workers_report_every_request_to_the_master(tmp_path: Path) -> None:
    users = 4
    with shaped_server() as (base, tally):
        code, document, stderr = load(
            base,
            "--no-mcp",
            f"--users={users}",
            "--duration=2",
            "--workers=2",
            f"--csv-prefix={tmp_path / 'run'}",
        )
    assert code == 0, stderr
    assert document["workers"] == 2
    health = document["requests"]["health"]
    late = document["after_stop"].get("health", 0)
    waiting = document["in_flight"].get("health", 0)
    assert health["count"] + late <= tally.answered <= health["count"] + late + waiting
    assert abs(health["failures"] / health["count"] - 0.1) <= 0.03
    assert DELAY * 1000 <= health["p50_ms"] <= DELAY * 1000 + SLACK_MS
    with (tmp_path / "run_stats.csv").open(encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    # Locust's own count (aggregated from the workers' reports) agrees with ours
    assert abs(int(rows["health"]["Request Count"]) - health["count"]) <= users
    assert (tmp_path / "run_stats_history.csv").exists()


def children_of(pid: int) -> set[int]:
    """The processes ``pid`` started (Linux /proc), by id."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with suppress(OSError):
            found |= {int(n) for n in (task / "children").read_text().split()}
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize(("workers", "signum"), [(3, signal.SIGTERM), (0, signal.SIGINT)])
def test_a_signal_stops_every_process_and_still_reports_what_was_measured(
    workers: int, signum: signal.Signals
) -> None:
    # SIGTERM to the master left its 3 workers loading the target for about a minute,
    # and the master printed nothing.
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    argv = [sys.executable, "-m", "main.core.load", "--no-mcp", "--users=3", "--duration=120"]
    with shaped_server() as (base, tally):
        master = subprocess.Popen(
            [*argv, base, f"--workers={workers}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            limit = time.monotonic() + 90
            while tally.answered < 20 and time.monotonic() < limit:
                time.sleep(0.1)
            assert tally.answered >= 20, "the run never sent traffic"
            started = children_of(master.pid)
            assert len(started) == workers
            master.send_signal(signum)
            out, err = master.communicate(timeout=60)
        finally:
            if master.poll() is None:
                master.kill()
                master.wait()
    assert master.returncode == 1, err
    document = json.loads(out)
    assert document["interrupted"] == signum.name
    assert document["requests"]["health"]["count"] > 0
    assert document["breaches"][0].startswith(f"run interrupted by {signum.name} after ")
    assert document["duration_s"] < 120
    assert [pid for pid in started if alive(pid)] == []
    assert "Traceback" not in err
