"""`dagger call deploy` where an engine exists: the refusals that need no staging host.

The deployment itself runs in the module's own process and is tested for real against
the local staging host in tests/integration/test_deploy_function.py; from inside the
engine, that host's loopback address would be the module's own container.
"""

import pytest

from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import DaggerCall


def test_help_names_every_argument(dagger: DaggerCall) -> None:
    result = dagger("call", "deploy", "--help")
    assert result.returncode == 0, result.stderr
    for flag in (
        "--ssh-key",
        "--image",
        "--rollback",
        "--registry-token",
        "--registry-api",
        "--ref",
    ):
        assert flag in result.stdout
    assert "smoke-test it live, roll back if it fails" in result.stdout


def test_a_service_without_a_host_is_one_line(
    dagger: DaggerCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_TEST_SSH_KEY", "not a key")
    result = dagger(
        "call", "--subpath", SAMPLE_SUBPATH, "deploy", "--ssh-key", "env://PIPELINE_TEST_SSH_KEY"
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "deploy needs a staging host: add a [tool.pipeline.deploy] table" in output
    assert "Traceback" not in output
    assert "not a key" not in output
