import pytest

from main.core.config import load_config
from main.core.errors import PipelineError
from main.core.load.settings import LoadSettings
from main.core.load.spec import LoadSpec
from main.core.load.thresholds import Thresholds
from tests.support.pyprojects import pyproject_with


def test_the_table_is_off_by_default_with_a_one_percent_error_limit() -> None:
    settings = load_config(pyproject_with("")).load
    assert settings == LoadSettings()
    assert not settings.enabled
    assert settings.on_breach == "fail"
    assert settings.thresholds() == Thresholds(max_error_rate=0.01)


def test_a_full_table_becomes_the_spec_and_limits_of_a_run() -> None:
    body = (
        "[tool.pipeline.load]\n"
        "enabled = true\nusers = 20\nspawn-rate = 5\nduration = 15\n"
        'tool = "add"\ntool-arguments = { a = 2, b = 40 }\n'
        'health-weight = 1\nmcp-weight = 3\npaths = ["/metrics"]\n'
        "p95-ms = 500\np99-ms = 900.5\nmax-error-rate = 0\nmin-rps = 50\n"
        'on-breach = "warn"\n'
    )
    settings = load_config(pyproject_with(body)).load
    assert settings.enabled
    assert settings.on_breach == "warn"
    assert settings.thresholds() == Thresholds(
        p95_ms=500, p99_ms=900.5, max_error_rate=0, min_rps=50
    )
    spec = settings.spec("http://app:8000", health_path="/health", mcp_path="/mcp")
    assert spec == LoadSpec(
        url="http://app:8000",
        users=20,
        spawn_rate=5.0,
        duration_seconds=15.0,
        tool="add",
        tool_arguments={"a": 2, "b": 40},
        mcp_weight=3,
        paths=("/metrics",),
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "userz = 3",
            r"\[tool.pipeline.load\] has an unknown key 'userz' \(did you mean 'users'\?\)",
        ),
        ("users = 0", r"\[tool.pipeline.load\].users: Input should be greater than or equal to 1"),
        ("users = 2.5", r"\[tool.pipeline.load\].users: Input should be a valid integer"),
        ("duration = -1", r"\[tool.pipeline.load\].duration: Input should be greater than 0"),
        ("max-error-rate = 2", r"\[tool.pipeline.load\].max-error-rate: Input should be less"),
        (
            'on-breach = "maybe"',
            r"\[tool.pipeline.load\].on-breach: Input should be 'fail' or 'warn'",
        ),
        (
            'paths = ["metrics"]',
            r"^\[tool.pipeline.load\].paths: every path must start with '/' \(got \['metrics'\]\)",
        ),
        ('paths = ["/m", "/m"]', r"^\[tool.pipeline.load\].paths: a path is listed twice"),
        ('tool = ""', r"^\[tool.pipeline.load\].tool: String should have at least 1 character"),
        # mistakes in the mix are caught with the config, not after deploy-staging deployed
        (
            "tool-arguments = { a = 1 }",
            r"^\[tool.pipeline.load\].tool-arguments: arguments need a tool: set tool too",
        ),
        (
            "health-weight = 0\nmcp-weight = 0",
            r"^\[tool.pipeline.load\].mcp-weight: health-weight and mcp-weight are both 0",
        ),
    ],
)
def test_a_bad_key_is_one_line_naming_it(body: str, message: str) -> None:
    with pytest.raises(PipelineError, match=message) as caught:
        load_config(pyproject_with(f"[tool.pipeline.load]\n{body}\n"))
    assert "\n" not in str(caught.value)


def test_limits_per_kind_in_the_table() -> None:
    body = (
        "[tool.pipeline.load]\n"
        'paths = ["/metrics"]\n'
        'p95-ms = { default = 500, "mcp.initialize" = 1500 }\n'
        'p99-ms = { "GET /metrics" = 900 }\n'
        "max-error-rate = 0.02\nwarmup = 3\nabort-on-breach = true\n"
    )
    settings = load_config(pyproject_with(body)).load
    assert settings.thresholds() == Thresholds(
        p95_ms=500,
        max_error_rate=0.02,
        p95_by_kind={"mcp.initialize": 1500},
        p99_by_kind={"GET /metrics": 900},
        abort_on_breach=True,
    )
    spec = settings.spec("http://app:8000", health_path="/health", mcp_path="/mcp")
    assert spec.warmup == 3.0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'p95-ms = { "mcp.init" = 1500 }',
            (
                r"^\[tool.pipeline.load\].p95-ms: unknown request kind 'mcp.init' "
                r"\(kinds: default, health, mcp.initialize"
            ),
        ),
        ("p95-ms = { health = 0 }", r"^\[tool.pipeline.load\].p95-ms: the limit of health must be"),
        (
            "max-error-rate = { health = 2 }",
            r"^\[tool.pipeline.load\].max-error-rate: the limit of health must be",
        ),
        ('p99-ms = "fast"', r"^\[tool.pipeline.load\].p99-ms: "),
        ("warmup = -1", r"^\[tool.pipeline.load\].warmup: Input should be greater than or equal"),
    ],
)
def test_a_bad_per_kind_limit_is_one_line_naming_the_key_and_kind(body: str, message: str) -> None:
    with pytest.raises(PipelineError, match=message) as caught:
        load_config(pyproject_with(f"[tool.pipeline.load]\n{body}\n"))
    assert "\n" not in str(caught.value)


def test_an_unknown_top_level_key_still_names_the_top_table() -> None:
    with pytest.raises(PipelineError, match=r"^\[tool.pipeline\] has an unknown key 'lod'"):
        load_config(pyproject_with("lod = 1"))


def test_a_call_overrides_single_settings_validated() -> None:
    settings = LoadSettings(p95_ms=500)
    changed = settings.overridden({"users": 50, "duration": 5.0, "p95_ms": None})
    assert (changed.users, changed.duration, changed.p95_ms) == (50, 5.0, 500)
    assert settings.overridden({}) is settings
    with pytest.raises(
        PipelineError, match=r"^--max-error-rate: Input should be less than or equal to 1"
    ):
        settings.overridden({"max_error_rate": 3.0})


def test_the_effective_settings_show_the_table_in_kebab_case() -> None:
    config = load_config(pyproject_with("[tool.pipeline.load]\nenabled = true\n"))
    dumped = config.model_dump(by_alias=True)["load"]
    assert dumped["enabled"] is True
    assert "max-error-rate" in dumped
