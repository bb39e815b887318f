"""The load-test function takes what the CLI takes: per-kind limits, warm-up, early stop.

The function's arguments end up as the generator's command line; these tests run the
real function with the engine's one answer (the generator's JSON result) given, and
read the command line the generator was asked to run.
"""

import dagger
import pytest

from main._sdk import FunctionError
from main.core.load.cli import parse
from main.core.load.result import Sample, summarize
from main.core.load.thresholds import Thresholds, judge
from main.pipeline import Pipeline
from tests.support.lazy import calls

URL = "https://stg.example"


@pytest.fixture
def generator_argv(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The generator's command lines, answered with a passing run."""
    asked: list[list[str]] = []
    started = 1_000.0
    samples = [Sample("health", started + 0.5, 10.0) for _ in range(5)]
    run = summarize(samples, target=URL, users=1, started=started, ended=started + 1)
    document = judge(run, Thresholds())

    async def stdout(self: dagger.Container) -> str:
        execs = [call for call in calls(self) if call.name == "withExec"]
        argv = list(execs[-1].args["args"])
        assert argv[:3] == ["python", "-m", "main.core.load"], argv
        asked.append(argv[3:])
        return document.to_json()

    monkeypatch.setattr(dagger.Container, "stdout", stdout)
    return asked


def options(argv: list[str], name: str) -> list[str]:
    prefix = f"--{name}="
    return [arg.removeprefix(prefix) for arg in argv if arg.startswith(prefix)]


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_limits_per_kind_warmup_and_abort_reach_the_generator(
    sample_pipeline: Pipeline, generator_argv: list[list[str]]
) -> None:
    await sample_pipeline.load_test(
        url=URL,
        p95_ms=["500", "mcp.initialize=1500"],
        p99_ms=["mcp.tools_call=900"],
        max_error_rate=["0.05", "health=0"],
        warmup=2.5,
        abort_on_breach=True,
    )
    [argv] = generator_argv
    assert options(argv, "p95-ms") == ["500.0", "mcp.initialize=1500.0"]
    assert options(argv, "p99-ms") == ["mcp.tools_call=900.0"]
    assert options(argv, "max-error-rate") == ["0.05", "health=0.0"]
    assert options(argv, "warmup") == ["2.5"]
    assert "--abort-on-breach" in argv
    # the generator reads them back as the same limits
    _args, spec, thresholds = parse(argv)
    assert spec.warmup_seconds == 2.5
    assert (thresholds.p95_ms, dict(thresholds.p95_by_kind)) == (500, {"mcp.initialize": 1500})
    assert dict(thresholds.p99_by_kind) == {"mcp.tools_call": 900}
    assert (thresholds.max_error_rate, dict(thresholds.error_rate_by_kind)) == (0.05, {"health": 0})
    assert thresholds.abort_on_breach


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_a_limit_of_one_kind_keeps_the_configured_global_limit(
    sample_pipeline: Pipeline, generator_argv: list[list[str]]
) -> None:
    # The sample's [tool.pipeline.load] leaves max-error-rate at its default, 0.01:
    # a limit for one kind is added beside it, not in its place.
    await sample_pipeline.load_test(url=URL, max_error_rate=["health=0.5"])
    [argv] = generator_argv
    assert options(argv, "max-error-rate") == ["0.01", "health=0.5"]
    assert options(argv, "warmup") == []
    assert "--abort-on-breach" not in argv


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_a_global_limit_given_replaces_the_configured_one(
    sample_pipeline: Pipeline, generator_argv: list[list[str]]
) -> None:
    await sample_pipeline.load_test(url=URL, max_error_rate=["0.2"])
    [argv] = generator_argv
    assert options(argv, "max-error-rate") == ["0.2"]


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"p95_ms": ["mcp.initialize=fast"]},
            r"^--p95-ms mcp.initialize=fast: the limit must be a number, as VALUE or KIND=VALUE$",
        ),
        (
            {"p99_ms": ["=900"]},
            r"^--p99-ms =900: name a request kind before '=' \(e.g. mcp.initialize=1500\)$",
        ),
        ({"p95_ms": ["500", "600"]}, r"^--p95-ms is given twice \(for every kind\): give it once$"),
        (
            {"max_error_rate": ["health=0.1", "health=0.2"]},
            r"^--max-error-rate is given twice for health: give it once$",
        ),
        ({"p95_ms": ["mcp.initalize=1500"]}, r"^--p95-ms: unknown request kind 'mcp.initalize'"),
        ({"p95_ms": ["health=-1"]}, r"^--p95-ms: the limit of health must be a positive number"),
        ({"max_error_rate": ["2"]}, r"^--max-error-rate: Input should be less than or equal to 1"),
        ({"warmup": -1.0}, r"^--warmup: Input should be greater than or equal to 0"),
        ({"warmup": 60.0}, r"^--warmup \(60 s\) must be shorter than --duration"),
    ],
)
async def test_a_bad_limit_is_one_line_before_anything_runs(
    sample_pipeline: Pipeline,
    generator_argv: list[list[str]],
    overrides: dict[str, object],
    message: str,
) -> None:
    with pytest.raises(FunctionError, match=message) as caught:
        await sample_pipeline.load_test(url=URL, **overrides)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)
    assert generator_argv == []
