"""Settings by family: [tool.pipeline.smoke], .scan, .validate, .retention, and the flat keys.

The flat keys of the previous release still work for one more: each is moved to its
family key, and the run report (``ci`` and ``deploy-staging`` alike) carries one line
naming those read. A key given both ways, or a typo inside a family table, is one line.
"""

from dataclasses import replace
from typing import Any

import pytest

from main.core.config import PipelineConfig, load_config, validate_config
from main.core.errors import PipelineError
from main.core.flat_keys import FLAT_KEYS
from main.core.report.markdown import cell, render
from main.core.run import Occasion, Reach, ci, deploy_staging
from main.core.service import load_service
from tests.support.fake_stages import SAMPLE, STARTED, FakeStages, target

# One valid value per family key, different from its default, so a move is visible.
VALUES: dict[str, Any] = {
    "smoke.timeout": 5.0,
    "smoke.env": {"LOG_LEVEL": "debug"},
    "smoke.mcp": False,
    "smoke.expected-tools": ["add"],
    "smoke.tool-call": {"name": "add", "arguments": {"a": 1}, "expect": "2"},
    "smoke.checks": [{"name": "version", "path": "/health"}],
    "smoke.secret-env": ["API_KEY"],
    "smoke.services": [{"alias": "db", "image": "postgres:16-alpine", "ports": [5432]}],
    "scan.severities": ["CRITICAL"],
    "scan.scanners": ["vuln", "secret"],
    "scan.ignore-unfixed": False,
    "scan.db-repositories": ["mirror.example/trivy-db:2"],
    "scan.trivyignore": "security/trivyignore",
    "validate.lint": ["ruff check src"],
    "validate.typecheck": ["mypy src"],
    "validate.test": ["pytest -q tests/unit"],
    "validate.ci-test": ["pytest -q tests"],
    "validate.python-image": "python:3.13-slim",
    "validate.extras": ["dev"],
    "validate.uv-sources": False,
    "validate.tools": ["ruff"],
    "validate.post-deploy-test": ["pytest -q tests/staging"],
    "validate.post-deploy-on-failure": "warn",
    "retention.keep": 3,
    "retention.keep-newer-than": "12h",
}


def _read(config: PipelineConfig, family: str, key: str) -> object:
    table = config.validation if family == "validate" else getattr(config, family)
    return getattr(table, key.replace("-", "_"))


@pytest.mark.parametrize("flat", list(FLAT_KEYS))
def test_every_flat_key_lands_on_its_family_key_and_is_named_once(flat: str) -> None:
    family, key = FLAT_KEYS[flat]
    value = VALUES[f"{family}.{key}"]
    by_flat = validate_config({flat: value})
    by_family = validate_config({family: {key: value}})
    assert (
        _read(by_flat, family, key)
        == _read(by_family, family, key)
        != _read(validate_config({}), family, key)
    )
    assert by_flat.deprecations() == (
        f"settings: {flat} -> [tool.pipeline.{family}] {key}; flat keys go in the next release",
    )
    assert by_family.deprecations() == ()


def test_every_family_key_has_a_test_value() -> None:
    # The table above covers every flat key's home: a new one needs a value here too.
    assert {f"{family}.{key}" for family, key in FLAT_KEYS.values()} == set(VALUES)


def test_the_family_form_reads_every_table() -> None:
    config = load_config(
        """
[tool.pipeline.smoke]
timeout = 12
[[tool.pipeline.smoke.checks]]
name = "version"
path = "/health"
[tool.pipeline.scan]
severities = ["HIGH"]
[tool.pipeline.validate]
test = "pytest -q"
[tool.pipeline.retention]
keep = 4
"""
    )
    assert config.smoke.timeout == 12
    assert config.smoke_spec("http://app:8000").checks[0].name == "version"
    assert config.scan.severities == ["HIGH"]
    assert config.argv("test") == [["pytest", "-q"]]
    assert config.retention.keep == 4
    assert config.deprecations() == ()


def test_several_flat_keys_make_one_line_in_the_order_written() -> None:
    config = load_config(
        '[tool.pipeline]\nstaging-keep = 3\nsmoke-timeout = 9\nlint = "ruff check ."\n'
    )
    assert config.deprecations() == (
        (
            "settings: staging-keep -> [tool.pipeline.retention] keep, "
            "smoke-timeout -> [tool.pipeline.smoke] timeout, "
            "lint -> [tool.pipeline.validate] lint; flat keys go in the next release"
        ),
    )


def test_flat_and_family_keys_mix_in_one_family() -> None:
    config = load_config("[tool.pipeline]\nsmoke-timeout = 9\n[tool.pipeline.smoke]\nmcp = false\n")
    assert (config.smoke.timeout, config.smoke.mcp) == (9, False)


def test_ci_keeps_the_note_when_it_swaps_in_its_own_tests() -> None:
    config = load_config('[tool.pipeline]\nci-test = "pytest -q"\n')
    assert config.for_ci().deprecations() == config.deprecations() != ()
    assert config.for_ci().argv("test") == [["pytest", "-q"]]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            "[tool.pipeline]\nsmoke-timeout = 5\n[tool.pipeline.smoke]\ntimeout = 3\n",
            (
                "[tool.pipeline] sets both 'smoke-timeout' and [tool.pipeline.smoke] timeout: "
                "keep [tool.pipeline.smoke] timeout and remove 'smoke-timeout'"
            ),
        ),
        (
            (
                '[tool.pipeline]\nstaging-keep-newer-than = "1d"\n'
                '[tool.pipeline.retention]\nkeep-newer-than = "2d"\n'
            ),
            (
                "[tool.pipeline] sets both 'staging-keep-newer-than' and "
                "[tool.pipeline.retention] keep-newer-than"
            ),
        ),
    ],
)
def test_a_key_given_both_ways_is_one_line_naming_both(text: str, line: str) -> None:
    with pytest.raises(PipelineError) as caught:
        load_config(text)
    assert str(caught.value).startswith(line)
    assert "\n" not in str(caught.value)


# The smoke-deps keys, which arrived flat beside the families: one TOML line per form.
DEPENDENCY_KEYS: dict[str, tuple[str, str]] = {
    "smoke-secret-env": ('["API_KEY"]', '["TOKEN"]'),
    "smoke-services": (
        '[{ alias = "db", image = "postgres:16-alpine" }]',
        '[{ alias = "cache", image = "redis:7" }]',
    ),
    "post-deploy-test": ('"pytest -q tests/staging"', '"pytest -q tests/live"'),
    "post-deploy-on-failure": ('"warn"', '"rollback"'),
}


def _family_text(flat: str, value: str) -> str:
    family, key = FLAT_KEYS[flat]
    return f"[tool.pipeline.{family}]\n{key} = {value}\n"


@pytest.mark.parametrize("flat", list(DEPENDENCY_KEYS))
def test_a_dependency_key_reads_the_same_from_its_family_table_and_its_flat_alias(
    flat: str,
) -> None:
    family, key = FLAT_KEYS[flat]
    value, _ = DEPENDENCY_KEYS[flat]
    by_family = load_config(_family_text(flat, value))
    by_flat = load_config(f"[tool.pipeline]\n{flat} = {value}\n")
    assert _read(by_flat, family, key) == _read(by_family, family, key)
    assert _read(by_family, family, key) != _read(load_config(None), family, key)
    assert by_flat.deprecations() == (
        f"settings: {flat} -> [tool.pipeline.{family}] {key}; flat keys go in the next release",
    )
    assert by_family.deprecations() == ()


@pytest.mark.parametrize("flat", list(DEPENDENCY_KEYS))
def test_a_dependency_key_given_both_ways_is_one_line_naming_both(flat: str) -> None:
    family, key = FLAT_KEYS[flat]
    flat_value, family_value = DEPENDENCY_KEYS[flat]
    text = f"[tool.pipeline]\n{flat} = {flat_value}\n" + _family_text(flat, family_value)
    with pytest.raises(PipelineError) as caught:
        load_config(text)
    assert str(caught.value) == (
        f"[tool.pipeline] sets both '{flat}' and [tool.pipeline.{family}] {key}: "
        f"keep [tool.pipeline.{family}] {key} and remove '{flat}'"
    )


def test_a_bad_helper_service_under_the_flat_key_names_it_and_its_home() -> None:
    with pytest.raises(PipelineError) as caught:
        load_config('[[tool.pipeline.smoke-services]]\nalias = "db"\nimage = "postgres"\n')
    line = str(caught.value)
    assert line.startswith("[tool.pipeline].smoke-services: helper service 'db''s image")
    assert line.endswith("it moves to [tool.pipeline.smoke] services")
    assert "\n" not in line


def test_a_secret_also_in_the_plain_env_is_refused_whichever_form_wrote_them() -> None:
    texts = (
        '[tool.pipeline.smoke]\nenv = { API_KEY = "x" }\nsecret-env = ["API_KEY"]\n',
        '[tool.pipeline]\nsmoke-env = { API_KEY = "x" }\nsmoke-secret-env = ["API_KEY"]\n',
        (
            '[tool.pipeline]\nsmoke-secret-env = ["API_KEY"]\n'
            '[tool.pipeline.smoke]\nenv = { API_KEY = "x" }\n'
        ),
    )
    for text in texts:
        with pytest.raises(PipelineError, match="API_KEY is in env too"):
            load_config(text)


@pytest.mark.parametrize(
    ("family", "typo", "meant"),
    [
        ("smoke", "timout", "timeout"),
        ("scan", "severites", "severities"),
        ("validate", "typechek", "typecheck"),
        ("retention", "kep", "keep"),
    ],
)
def test_a_typo_inside_a_family_table_names_the_table_and_the_key_meant(
    family: str, typo: str, meant: str
) -> None:
    with pytest.raises(PipelineError) as caught:
        load_config(f"[tool.pipeline.{family}]\n{typo} = 1\n")
    assert str(caught.value).startswith(
        f"[tool.pipeline.{family}] has an unknown key '{typo}' (did you mean '{meant}'?)"
    )


def test_a_misspelt_flat_key_points_to_its_family_home() -> None:
    with pytest.raises(PipelineError, match=r"did you mean \[tool.pipeline.smoke\] timeout\?"):
        load_config("[tool.pipeline]\nsmoke-timout = 5\n")


def test_a_bad_value_under_a_flat_key_names_the_key_written_and_its_home() -> None:
    with pytest.raises(PipelineError) as caught:
        load_config("[tool.pipeline]\nsmoke-timeout = -5\n")
    assert str(caught.value) == (
        "[tool.pipeline].smoke-timeout: Input should be greater than 0 (got -5); "
        "it moves to [tool.pipeline.smoke] timeout"
    )
    with pytest.raises(PipelineError, match=r"^\[tool.pipeline.smoke\].timeout: "):
        load_config("[tool.pipeline.smoke]\ntimeout = -5\n")


def test_a_family_that_is_not_a_table_is_one_line() -> None:
    with pytest.raises(PipelineError, match=r"^\[tool.pipeline\].smoke: "):
        load_config("[tool.pipeline]\nsmoke = 5\nsmoke-timeout = 3\n")


def _flat_target(ref: str = "develop") -> Any:  # noqa: ANN401 - the fake stages' Target
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "[tool.pipeline.validate]\n", "[tool.pipeline.validate]\nci-test = ['pytest -q']\n"
    )
    text = text.replace('staging-label = "deploy-to-staging"\n', "smoke-timeout = 9\n")
    return replace(target(ref), service=load_service(text))


NOTE = "settings: smoke-timeout -> [tool.pipeline.smoke] timeout; flat keys go in the next release"


@pytest.mark.anyio
async def test_both_run_reports_carry_the_one_deprecation_line() -> None:
    staging = await deploy_staging(FakeStages(), _flat_target(), Reach(), Occasion(started=STARTED))
    production = await ci(FakeStages(), _flat_target("release/1.0"), Reach(), Occasion())
    for report in (staging, production):
        assert report.notes.count(NOTE) == 1, report.notes
        assert f"- {cell(NOTE, 500)}" in render(report)
        assert NOTE in report.to_json()


@pytest.mark.anyio
async def test_a_report_of_family_settings_carries_no_such_line() -> None:
    report = await deploy_staging(FakeStages(), target(), Reach(), Occasion(started=STARTED))
    assert not any(note.startswith("settings:") for note in report.notes)
