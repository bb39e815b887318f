"""Per-kind limits, the warm-up and --abort-on-breach, against servers of known latency.

``slow_initialize`` answers ``initialize`` after 1 s (as TypeScript FastMCP does) and
everything else at once (the sample server's own speed, a few ms; a loaded two-core
machine has been seen adding ~160 ms, so the global limit is 500 ms, as in the issue);
``shaped_server`` fails exactly 1 in 10.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_load import load
from tests.support.constants import REPO_ROOT
from tests.support.load_servers import INITIALIZE_DELAY, shaped_server
from tests.support.processes import serving_app

USERS = 3
SLOW_MS = INITIALIZE_DELAY * 1000


@pytest.fixture(scope="module")
def slow_initialize_server() -> Iterator[str]:
    with serving_app(
        "tests.support.load_servers:slow_initialize",
        extra_args=["--log-level", "warning"],
        cwd=REPO_ROOT,
    ) as base:
        yield base


def run(base: str, *extra: str) -> tuple[int, dict[str, Any], str]:
    return load(
        base,
        f"--users={USERS}",
        "--spawn-rate=100",
        "--duration=2.5",
        "--tool=echo",
        '--tool-args={"text": "hi"}',
        *extra,
    )


def test_one_global_limit_fails_a_service_whose_initialize_is_slow_by_design(
    slow_initialize_server: str,
) -> None:
    code, document, _ = run(slow_initialize_server, "--p95-ms=500", "--warmup=0")
    assert code == 1
    (breach,) = [line for line in document["breaches"] if line.startswith("mcp.initialize")]
    assert breach.startswith("mcp.initialize p95 ")
    assert breach.endswith(" ms > limit 500 ms")


def test_a_limit_of_its_own_for_the_slow_kind_passes_it_and_still_judges_the_rest(
    slow_initialize_server: str, tmp_path: Path
) -> None:
    markdown = tmp_path / "report" / "load.md"
    code, document, stderr = run(
        slow_initialize_server,
        "--p95-ms=500",
        "--p95-ms",
        f"mcp.initialize={SLOW_MS + 700:g}",
        "--warmup=0",
        f"--markdown-out={markdown}",
    )
    assert code == 0, stderr
    requests = document["requests"]
    assert isinstance(requests, dict)
    initialize = requests["mcp.initialize"]
    assert initialize["p50_ms"] >= SLOW_MS  # slow indeed, and judged
    assert initialize["judged"] == initialize["count"] == USERS
    assert requests["mcp.tools_list"]["p95_ms"] < 500
    # The Markdown the result renders, written beside the JSON.
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("### Load test ✅ passed\n")
    assert "| `mcp.initialize` | 3 |" in text
    # the same per-kind limit, now too tight: only that kind breaks it
    code, document, _ = run(slow_initialize_server, "--p95-ms=mcp.initialize=900", "--warmup=0")
    assert code == 1
    assert [line.split()[0] for line in document["breaches"]] == ["mcp.initialize"]


def test_requests_sent_during_the_warm_up_are_reported_but_not_judged(
    slow_initialize_server: str,
) -> None:
    # Every user initializes once, at its start: inside a 0.5 s warm-up.
    code, document, stderr = run(slow_initialize_server, "--p95-ms=500", "--warmup=0.5")
    assert code == 0, stderr
    requests = document["requests"]
    assert isinstance(requests, dict)
    assert requests["mcp.initialize"]["count"] == USERS
    assert requests["mcp.initialize"]["p50_ms"] >= SLOW_MS  # reported
    assert requests["mcp.initialize"]["judged"] == 0  # not judged
    assert 0 < requests["mcp.tools_list"]["judged"] <= requests["mcp.tools_list"]["count"]
    assert document["warmup_s"] == 0.5


def test_abort_on_breach_stops_a_run_that_cannot_recover() -> None:
    # 1 in 10 fails against a limit of 1%: after a few seconds no run of 20 s could recover.
    with shaped_server() as (base, _):
        code, document, _ = load(
            base,
            "--no-mcp",
            "--users=5",
            "--duration=20",
            "--warmup=0",
            "--max-error-rate=0.01",
            "--abort-on-breach",
        )
    assert code == 1
    assert document["duration_s"] < 10
    assert str(document["aborted"]).startswith("health error rate > limit 1% whatever comes")
    assert str(document["breaches"][0]).startswith("health error rate ")
    assert any("--abort-on-breach" in note for note in document["notes"])


def test_without_abort_on_breach_the_run_lasts_its_duration() -> None:
    with shaped_server() as (base, _):
        code, document, _ = load(
            base, "--no-mcp", "--users=3", "--duration=2", "--max-error-rate=0.01"
        )
    assert code == 1
    assert document["aborted"] is None
    assert document["duration_s"] >= 2
