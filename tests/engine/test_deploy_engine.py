"""`dagger call deploy` where an engine exists: the refusals that need no staging host.

The deployment itself runs in the module's own process and is tested for real against
the local staging host in tests/integration/test_deploy_function.py; from inside the
engine, that host's loopback address would be the module's own container.
"""

from pathlib import Path

import pytest

from tests.plan.test_deploy_plan import PYPROJECT
from tests.support.constants import REPO_ROOT, SAMPLE_SUBPATH
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


@pytest.mark.parametrize(
    ("host", "said"), [("127.0.0.1", "is loopback"), ("staging.invalid", "does not resolve")]
)
def test_a_host_the_engine_cannot_reach_is_refused_up_front(
    dagger: DaggerCall, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, host: str, said: str
) -> None:
    # Inside the engine, SSH leaves from the module's runtime container (#19 item 3).
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(host=host), encoding="utf-8")
    (tmp_path / "compose.yml").write_text("services:\n  app:\n    image: x\n", encoding="utf-8")
    monkeypatch.setenv("PIPELINE_TEST_SSH_KEY", "not a key")
    result = dagger(
        "-m", str(REPO_ROOT), "call", "--source", str(tmp_path), "deploy",
        "--ssh-key", "env://PIPELINE_TEST_SSH_KEY", "--image", "sha256:" + "a" * 64,
    )  # fmt: skip
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"the staging host {host} {said}" in output
    assert "public or LAN name" in output
    assert "Traceback" not in output
