"""`dagger call` on the sample service, where a Dagger CLI and engine exist."""

import json

from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import DaggerCall
from tests.support.module_shape import PIPELINE_FUNCTIONS


def test_functions_are_listed(dagger: DaggerCall) -> None:
    result = dagger("functions")
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()}
    assert {name.replace("_", "-") for name in PIPELINE_FUNCTIONS} <= listed


def test_version_of_the_sample_service(dagger: DaggerCall) -> None:
    result = dagger("call", "--subpath", SAMPLE_SUBPATH, "version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0.1.0"


def test_config_of_the_sample_service(dagger: DaggerCall) -> None:
    result = dagger("call", "--subpath", SAMPLE_SUBPATH, "--port", "9100", "config")
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["port"] == 9100
    assert config["image"] == "ghcr.io/example/sample-service"


def test_a_missing_pyproject_is_one_clear_line(dagger: DaggerCall) -> None:
    result = dagger("call", "--subpath", "tests", "version")
    assert result.returncode != 0
    assert "no pyproject.toml in the service folder 'tests'" in result.stdout + result.stderr
