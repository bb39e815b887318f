from typing import Any

import pytest

from main.core.errors import PipelineError
from main.core.load.spec import HEALTH, LoadSpec, path_kind
from main.core.load.thresholds import Thresholds

URL = "http://127.0.0.1:8000"


def test_the_defaults_suit_an_mcp_server_with_a_health_path() -> None:
    spec = LoadSpec(URL + "/")
    assert spec.base_url == URL
    assert (spec.health_path, spec.mcp_path, spec.tool) == ("/health", "/mcp", None)
    assert spec.plain_paths == ("/health",)


def test_extra_paths_are_kinds_of_their_own() -> None:
    spec = LoadSpec(URL, paths=("/metrics", "/version"))
    assert spec.plain_paths == ("/health", "/metrics", "/version")
    assert [spec.kind_of(path) for path in spec.plain_paths] == [
        HEALTH,
        "GET /metrics",
        "GET /version",
    ]
    assert path_kind("/x") == "GET /x"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "ftp://x"}, "absolute http"),
        ({"users": 0}, "--users must be a whole number from 1"),
        ({"users": True}, "--users must be a whole number"),
        ({"spawn_rate": 0.0}, "--spawn-rate must be a positive number"),
        ({"spawn_rate": float("inf")}, "--spawn-rate must be a positive number"),
        ({"duration_seconds": -1.0}, "--duration must be a positive number of seconds"),
        ({"duration_seconds": 90_000.0}, "--duration must be at most"),
        ({"health_path": "health"}, "--health-path must start with '/'"),
        ({"mcp_path": "mcp"}, "--mcp-path must start with '/'"),
        ({"paths": ("metrics",)}, "--path must start with '/'"),
        ({"paths": ("/m", "/m")}, "names a path twice"),
        ({"paths": ("/health",)}, "names a path twice"),
        ({"mcp_path": None, "tool": "add"}, "--tool and --tool-args need MCP"),
        ({"tool_arguments": {"a": 1}}, "--tool-args needs --tool NAME"),
        ({"tool": ""}, "--tool must be a tool name"),
        ({"health_path": None, "mcp_path": None}, "nothing to send"),
        ({"health_weight": -1}, "--health-weight must be a whole number from 0"),
        ({"health_weight": 0, "mcp_weight": 0}, "both 0"),
        ({"mcp_path": None, "health_weight": 0}, "both 0"),
    ],
)
def test_a_spec_that_could_only_measure_a_mistake_is_refused(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(PipelineError, match=message):
        LoadSpec(**{"url": URL, **changes})  # type: ignore[arg-type]


def test_a_plain_http_service_needs_no_mcp() -> None:
    spec = LoadSpec(URL, mcp_path=None, paths=("/metrics",))
    assert spec.plain_paths == ("/health", "/metrics")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"p95_ms": 0.0}, "--p95-ms must be a positive number"),
        ({"p99_ms": float("nan")}, "--p99-ms must be a positive number"),
        ({"min_rps": -5.0}, "--min-rps must be a positive number"),
        ({"max_error_rate": 5.0}, r"--max-error-rate is a share from 0 to 1 \(0.01 = 1%\)"),
        ({"max_error_rate": -0.1}, "--max-error-rate is a share"),
    ],
)
def test_a_limit_no_run_can_be_held_to_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        Thresholds(**changes)


def test_a_zero_error_rate_is_a_valid_limit() -> None:
    assert Thresholds(max_error_rate=0.0).max_error_rate == 0.0


def test_a_ramp_up_longer_than_the_run_is_said_with_the_users_that_ran() -> None:
    # 5 users at 0.3 per second: one starts at once, the next only after 3.3 s, so a
    # 2 s run measures one user; the report must not read as if five had run.
    slow = LoadSpec(url="http://t", users=5, spawn_rate=0.3, duration_seconds=2)
    assert slow.ramp_up_note() == (
        "the ramp-up (5 users at 0.3 per second: 16.7 s) is longer than the 2 s run: "
        "about 1 of the 5 users ran"
    )
    assert LoadSpec(url="http://t", users=50, spawn_rate=10, duration_seconds=2).ramp_up_note() == (
        "the ramp-up (50 users at 10 per second: 5 s) is longer than the 2 s run: "
        "about 21 of the 50 users ran"
    )
    assert (
        LoadSpec(url="http://t", users=5, spawn_rate=5, duration_seconds=2).ramp_up_note() is None
    )


def test_a_ramp_up_just_longer_than_the_run_does_not_read_as_equal() -> None:
    # 1002 users at 100 per second take 10.02 s: rounded to one decimal, "10 s is longer
    # than the 10 s run" would contradict itself.
    note = LoadSpec(url="http://t", users=1002, spawn_rate=100, duration_seconds=10).ramp_up_note()
    assert note is not None
    assert "100 per second: 10.02 s) is longer than the 10 s run" in note
