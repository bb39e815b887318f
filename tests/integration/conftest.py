import os
import shutil
from collections.abc import Iterator

import pytest

from tests.integration.processes import (
    SAMPLE_SERVICE,
    free_port,
    registry_server,
    running,
    uvicorn_argv,
)


def sample_env() -> dict[str, str]:
    """The environment that lets a child Python import the sample service from source."""
    paths = [str(SAMPLE_SERVICE / "src"), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


@pytest.fixture(scope="session")
def sample_server() -> Iterator[str]:
    """The real sample MCP server under uvicorn on a free loopback port; yields its URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = uvicorn_argv("sample_service.server:build_app", port)
    with running(argv, ready_url=f"{base}/health", env=sample_env()):
        yield base


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's docker-registry (distribution 2.8) on a free port, deletes enabled."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.skip("docker-registry is not installed (scripts/test installs it with apt-get)")
    with registry_server(tmp_path_factory.mktemp("registry"), binary) as base:
        yield base
