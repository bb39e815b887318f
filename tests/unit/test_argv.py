"""The command-line seams keep an option's value exactly, ``--`` included."""

from main.core.argv import ValueKeepingParser
from main.core.smoke.cli import spec_from_args
from main.core.smoke.spec import SmokeSpec, ToolCall, argv_for


def test_a_value_that_is_exactly_two_dashes_is_kept() -> None:
    parser = ValueKeepingParser()
    parser.add_argument("--expect")
    parser.add_argument("--tool", action="append", default=[])
    parser.add_argument("rest", nargs="*")
    args = parser.parse_args(["--expect=--", "--tool=--", "--tool=a", "x"])
    assert args.expect == "--"
    assert args.tool == ["--", "a"]
    assert args.rest == ["x"]


def test_a_smoke_spec_round_trips_with_such_a_value() -> None:
    # Found by hypothesis: Python 3.12.1's argparse turned "--call-expect=--" into [].
    spec = SmokeSpec(
        url="http://127.0.0.1:1", tool_call=ToolCall(name="t", arguments={}, expect="--")
    )
    assert spec_from_args(argv_for(spec)) == spec
