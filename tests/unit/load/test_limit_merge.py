"""Limits given on a command line, laid over the configured ones."""

import pytest

from main.core.errors import PipelineError
from main.core.load.limits import merge_limits, parse_limits


def test_the_global_and_per_kind_limits_are_read_apart() -> None:
    given = ["500", "mcp.initialize=1500", "GET /a=b=70"]
    assert parse_limits("--p95-ms", given) == (500, {"mcp.initialize": 1500, "GET /a=b": 70})


@pytest.mark.parametrize(
    ("current", "given", "merged"),
    [
        (None, [], None),
        (500.0, [], 500.0),
        (None, ["500"], 500.0),
        (500.0, ["600"], 600.0),
        (500.0, ["mcp.initialize=1500"], {"default": 500.0, "mcp.initialize": 1500.0}),
        (None, ["health=20"], {"health": 20.0}),
        ({"default": 500.0, "health": 20.0}, ["health=30"], {"default": 500.0, "health": 30.0}),
        ({"default": 500.0, "health": 20.0}, ["400"], {"default": 400.0, "health": 20.0}),
        (
            {"health": 20.0},
            ["400", "mcp.tools_call=900"],
            {"default": 400.0, "health": 20.0, "mcp.tools_call": 900.0},
        ),
    ],
)
def test_given_limits_replace_only_what_they_name(
    current: float | dict[str, float] | None,
    given: list[str],
    merged: float | dict[str, float] | None,
) -> None:
    assert merge_limits(current, "--p95-ms", given) == merged


def test_a_bad_value_names_the_option_and_the_value() -> None:
    with pytest.raises(PipelineError, match=r"^--p99-ms health=x: the limit must be a number"):
        merge_limits(500.0, "--p99-ms", ["health=x"])
