import shutil
from collections.abc import Iterator

import pytest

from tests.integration.processes import registry_server, serving_app


@pytest.fixture(scope="session")
def sample_server() -> Iterator[str]:
    """The real sample MCP server under uvicorn on a free loopback port; yields its URL."""
    with serving_app("sample_service.server:build_app") as base:
        yield base


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's docker-registry (distribution 2.8) on a free port, deletes enabled."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.skip("docker-registry is not installed (scripts/test installs it with apt-get)")
    with registry_server(tmp_path_factory.mktemp("registry"), binary) as base:
        yield base
