import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.load.cli import EXIT_BAD_ARGUMENTS, argv_for, main, parse
from main.core.load.spec import LoadSpec
from main.core.load.thresholds import Thresholds
from tests.support.constants import REPO_ROOT

URL = "http://app:8000"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: URL"),
        ([URL, "--users", "many"], "argument --users: invalid int value: 'many'"),
        ([URL, "--users", "0"], "--users must be a whole number from 1"),
        ([URL, "--tool-args", "{a:1}"], "--tool-args is not valid JSON"),
        ([URL, "--tool-args", "[1]"], "--tool-args must be a JSON object"),
        ([URL, "--tool", "add", "--no-mcp"], "--tool and --tool-args need MCP"),
        ([URL, "--max-error-rate", "5"], "--max-error-rate is a share from 0 to 1"),
        ([URL, "--workers", "2", "--worker"], "not allowed with argument"),
        ([URL, "--master-port", "70000"], "--master-port must be a TCP port"),
        (["app:8000"], "URL must be absolute"),
        # a master waiting NaN or infinite seconds for its workers would never give up
        ([URL, "--master", "--connect-timeout", "nan"], "--connect-timeout must be a positive"),
        ([URL, "--master", "--connect-timeout=inf"], "--connect-timeout must be a positive"),
        ([URL, "--connect-timeout=-1"], "--connect-timeout must be a positive"),
        # one process (or one Dagger service) per worker: a typo must not start thousands
        ([URL, "--workers", "5000"], "--workers must be a whole number from 0 to 64"),
        ([URL, "--master", "--expect-workers=5000"], "--expect-workers must be a whole number"),
    ],
)
def test_bad_usage_is_one_line_exit_two_and_a_json_document(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == EXIT_BAD_ARGUMENTS
    out, err = capsys.readouterr()
    assert message in err
    assert len(err.strip().splitlines()) == 1
    document = json.loads(out)
    assert document["passed"] is False
    assert document["requests"] == {}
    assert message in document["breaches"][0]


def test_bad_usage_never_loads_locust() -> None:
    probe = (
        "import sys\nfrom main.core.load.cli import main\n"
        "try:\n    main(['--users', 'x'])\nexcept SystemExit:\n    pass\n"
        "print('locust' in sys.modules, 'gevent' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"PYTHONPATH": str(REPO_ROOT / "src")},
    )
    assert done.stdout.splitlines()[-1].split() == ["False", "False"]


paths = st.lists(
    st.from_regex(r"/[a-z0-9/_.-]{0,12}", fullmatch=True), max_size=3, unique=True
).filter(lambda found: "/health" not in found)
limits = st.none() | st.floats(min_value=0.5, max_value=1e5)


@given(
    users=st.integers(1, 500),
    duration=st.floats(min_value=0.1, max_value=3600),
    tool=st.none()
    | st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1),
    extra=paths,
    p95=limits,
    rate=st.none() | st.floats(min_value=0, max_value=1),
    no_health=st.booleans(),
)
def test_the_command_line_carries_a_run_exactly(  # noqa: PLR0913, PLR0917 - one per spec part
    users: int,
    duration: float,
    tool: str | None,
    extra: list[str],
    p95: float | None,
    rate: float | None,
    no_health: bool,  # noqa: FBT001 - drawn by hypothesis
) -> None:
    spec = LoadSpec(
        url=URL,
        users=users,
        duration_seconds=duration,
        health_path=None if no_health else "/health",
        tool=tool,
        tool_arguments={"text": "-- not an option"} if tool else {},
        paths=tuple(extra) or (() if not no_health else ("/metrics",)),
        mcp_weight=3,
    )
    thresholds = Thresholds(p95_ms=p95, max_error_rate=rate)
    _, parsed, parsed_limits = parse(argv_for(spec, thresholds))
    assert parsed == spec
    assert parsed_limits == thresholds


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--json-out=/", "--json-out names a directory, not a file: '/'"),
        ("--csv-prefix=/proc/no-such/run", "--csv-prefix: cannot create the folder /proc/no-such"),
        (
            "--json-out=/proc/no-such/load.json",
            "--json-out: cannot create the folder /proc/no-such",
        ),
    ],
)
def test_an_output_that_cannot_be_written_is_bad_usage_before_the_run(
    option: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found after the run, it was a traceback and no JSON document at all.
    with pytest.raises(SystemExit) as caught:
        parse([URL, option])
    assert caught.value.code == EXIT_BAD_ARGUMENTS
    out, err = capsys.readouterr()
    assert message in err
    assert message in json.loads(out)["breaches"][0]


def test_a_json_out_in_a_folder_that_takes_no_file_is_bad_usage_before_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # /proc exists, so the folder check passed; the file could not be created, and that
    # was found after the whole run, as a traceback.
    with pytest.raises(SystemExit) as caught:
        parse([URL, "--json-out=/proc/x.json"])
    assert caught.value.code == EXIT_BAD_ARGUMENTS
    out, err = capsys.readouterr()
    assert "--json-out: cannot write a file in /proc" in err
    assert len(err.strip().splitlines()) == 1
    assert "--json-out: cannot write a file in /proc" in json.loads(out)["breaches"][0]


def test_a_json_out_check_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "out" / "load.json"
    parse([URL, f"--json-out={target}"])
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize("option", ["--health-path", "--mcp-path", "--path"])
@pytest.mark.parametrize("bad", ["/x\r\nX: y", "/x\ny", "/a b", "/x\x00"])
def test_a_path_that_would_inject_a_header_is_bad_usage_up_front(
    option: str, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # It ran the whole test and failed every request with httpx's InvalidURL.
    with pytest.raises(SystemExit) as caught:
        parse([URL, f"{option}={bad}"])
    assert caught.value.code == EXIT_BAD_ARGUMENTS
    _, err = capsys.readouterr()
    assert f"{option} must be a URL path without spaces or control characters" in err
    assert len(err.strip().splitlines()) == 1


def test_limits_per_kind_on_top_of_the_global_ones() -> None:
    _, _, limits = parse(
        [
            URL,
            "--p95-ms=500",
            "--p95-ms",
            "mcp.initialize=1500",
            "--p99-ms=health=90",
            "--max-error-rate=0.01",
            "--max-error-rate=mcp.tools_call=0.2",
        ]
    )
    assert limits == Thresholds(
        p95_ms=500,
        max_error_rate=0.01,
        p95_by_kind={"mcp.initialize": 1500},
        p99_by_kind={"health": 90},
        error_rate_by_kind={"mcp.tools_call": 0.2},
    )


def test_a_kind_of_an_extra_path_takes_a_limit_too() -> None:
    _, _, limits = parse([URL, "--path=/a=b", "--p95-ms=GET /a=b=25"])
    assert limits.p95_by_kind == {"GET /a=b": 25}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([URL, "--p95-ms=mcp.init=1500"], "--p95-ms names an unknown request kind 'mcp.init'"),
        ([URL, "--no-mcp", "--p95-ms=mcp.initialize=9"], "unknown request kind 'mcp.initialize'"),
        ([URL, "--p95-ms=health=fast"], "--p95-ms health=fast: the limit must be a number"),
        ([URL, "--p95-ms=fast"], "--p95-ms fast: the limit must be a number"),
        ([URL, "--p95-ms=1", "--p95-ms=2"], "--p95-ms is given twice (for every kind)"),
        ([URL, "--p99-ms=health=1", "--p99-ms=health=2"], "--p99-ms is given twice for health"),
        ([URL, "--max-error-rate=health=2"], "--max-error-rate health is a share from 0 to 1"),
        ([URL, "--p95-ms==5"], "--p95-ms =5: name a request kind before '='"),
        ([URL, "--warmup=30", "--duration=10"], "--warmup (30 s) must be shorter than"),
        ([URL, "--warmup=-1"], "--warmup must be 0 or more seconds"),
        # as issue #23 writes the seams: negative, NaN, infinite, duplicate, equal warm-up
        ([URL, "--p95-ms=-5"], "--p95-ms must be a positive number"),
        ([URL, "--p95-ms=nan"], "--p95-ms must be a positive number, got nan"),
        ([URL, "--p99-ms=mcp.initialize=inf"], "--p99-ms mcp.initialize must be a positive"),
        ([URL, "--p99-ms=mcp.initialize=-1"], "--p99-ms mcp.initialize must be a positive"),
        ([URL, "--max-error-rate=nan"], "--max-error-rate is a share from 0 to 1"),
        ([URL, "--max-error-rate=-0.1"], "--max-error-rate is a share from 0 to 1"),
        ([URL, "--max-error-rate=health=nan"], "--max-error-rate health is a share from 0"),
        ([URL, "--p95-ms=mcp.initialize=1", "--p95-ms=mcp.initialize=2"], "given twice for mcp"),
        ([URL, "--warmup=nan"], "--warmup must be 0 or more seconds"),
        ([URL, "--warmup=5", "--duration=5"], "--warmup (5 s) must be shorter than --duration"),
        # the numbers as given: rounded to one decimal, 1.00001 and 1 read "(1 s) ... (1 s)"
        (
            [URL, "--warmup=1.00001", "--duration=1"],
            "--warmup (1.00001 s) must be shorter than --duration (1 s)",
        ),
        (
            [URL, "--warmup=1.04", "--duration=1.01"],
            "--warmup (1.04 s) must be shorter than --duration (1.01 s)",
        ),
        (
            [URL, "--warmup=1e-7", "--duration=1e-8"],
            "--warmup (0.0000001 s) must be shorter than --duration (0.00000001 s)",
        ),
        ([URL, "--p95-ms=GET /nope=5"], "unknown request kind 'GET /nope'"),
        (["ftp://app:8000"], "URL must be absolute http:// or https://"),
        ([URL, "--health-path=health"], "--health-path must start with '/'"),
        ([URL, "--mcp-path=mcp"], "--mcp-path must start with '/'"),
        ([URL, "--path=metrics"], "--path must start with '/'"),
    ],
)
def test_bad_limits_are_bad_usage(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == EXIT_BAD_ARGUMENTS
    _, err = capsys.readouterr()
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_the_warm_up_defaults_to_the_ramp_up() -> None:
    _, spec, limits = parse([URL, "--users=20", "--spawn-rate=10", "--duration=10"])
    assert spec.warmup == 2.0
    _, spec, _ = parse([URL, "--users=20", "--spawn-rate=10", "--duration=10", "--warmup=0"])
    assert spec.warmup == 0.0
    # a ramp-up as long as the run would judge nothing: then everything is judged
    _, spec, _ = parse([URL, "--users=20", "--spawn-rate=1", "--duration=10"])
    assert spec.warmup == 0.0
    assert not limits.abort_on_breach
    _, _, limits = parse([URL, "--abort-on-breach"])
    assert limits.abort_on_breach


def test_the_default_warm_up_covers_the_users_opening_their_sessions() -> None:
    # 3 users at 100 per second is a 0.03 s ramp-up, but Locust's users send their first
    # initialize tens of ms after their nominal start: a 0.03 s warm-up judged every one
    # (TypeScript FastMCP's ~1 s initialize failed --p95-ms 500). Rounded up to a whole
    # second, it covers them.
    _, spec, _ = parse([URL, "--users=3", "--spawn-rate=100", "--duration=3"])
    assert spec.warmup == 1.0
    _, spec, _ = parse([URL, "--users=25", "--spawn-rate=10", "--duration=10"])
    assert spec.warmup == 3.0
    # rounded up only while something is left to judge: else the ramp-up itself
    _, spec, _ = parse([URL, "--users=3", "--spawn-rate=100", "--duration=1"])
    assert spec.warmup == 0.03
    # a warm-up just under the run is allowed, kept as given
    _, spec, _ = parse([URL, "--warmup=0.99999", "--duration=1"])
    assert spec.warmup == 0.99999


@given(
    p95=st.dictionaries(st.sampled_from(["health", "mcp.initialize"]), st.floats(0.5, 1e5)),
    rate=st.dictionaries(st.sampled_from(["mcp.tools_call", "GET /m"]), st.floats(0, 1)),
    warmup=st.none() | st.floats(0, 5),
    abort=st.booleans(),
)
def test_per_kind_limits_and_warm_up_travel_on_the_command_line(
    p95: dict[str, float],
    rate: dict[str, float],
    warmup: float | None,
    abort: bool,  # noqa: FBT001 - drawn by hypothesis
) -> None:
    spec = LoadSpec(url=URL, duration_seconds=10, paths=("/m",), warmup_seconds=warmup)
    thresholds = Thresholds(
        p95_ms=500, p95_by_kind=p95, error_rate_by_kind=rate, abort_on_breach=abort
    )
    _, parsed, parsed_limits = parse(argv_for(spec, thresholds))
    assert parsed == spec
    assert parsed_limits == thresholds


def test_a_markdown_out_that_cannot_be_written_is_bad_usage_before_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as caught:
        parse([URL, "--markdown-out=/proc/x.md"])
    assert caught.value.code == EXIT_BAD_ARGUMENTS
    _, err = capsys.readouterr()
    assert "--markdown-out: cannot write a file in /proc" in err
    with pytest.raises(SystemExit):
        parse([URL, "--markdown-out=/"])
    assert "--markdown-out names a directory, not a file: '/'" in capsys.readouterr().err
