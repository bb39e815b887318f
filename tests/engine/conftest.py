import shutil
import subprocess
from collections.abc import Callable

import pytest

from tests.integration.processes import REPO_ROOT

SAMPLE_SUBPATH = "tests/fixtures/sample-service"
DaggerCall = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def dagger_cli() -> str:
    """The Dagger CLI, or a skip that says why the engine tier cannot run here."""
    cli = shutil.which("dagger")
    if cli is None:
        pytest.skip(
            "engine tier: no Dagger CLI on PATH (and so no engine); "
            "this repository's GitHub workflow runs it"
        )
    return cli


@pytest.fixture(scope="session")
def dagger(dagger_cli: str) -> DaggerCall:
    """Run ``dagger <args>`` in the module's folder and return the finished process."""

    def run(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [dagger_cli, "--progress=plain", *args],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
