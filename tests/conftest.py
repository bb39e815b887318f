"""The fixtures of every tier, in one place; the helpers they use live in tests/support."""

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from dagger import dag

from main.pipeline import Pipeline
from tests.support.answers import answer_commit
from tests.support.compose import FLAVORS
from tests.support.constants import GIT_URL, REPO_ROOT
from tests.support.ecs_emulator import Moto, moto_server
from tests.support.engine import DaggerCall
from tests.support.offline import answer_reads_from_disk, answer_secrets_from_calls
from tests.support.pipelines import pipeline_for_sample
from tests.support.processes import registry_server, serving_app
from tests.support.registration import ModuleDef, build_module_definition
from tests.support.staging_host import HostUnavailable, StagingHost, staging_host


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --- plan tier: the engine's answers, offline ---------------------------------------------


@pytest.fixture
def offline_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_reads_from_disk(monkeypatch)


@pytest.fixture
def offline_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answer the engine round trips of functions that run in the module's own process.

    The service's files come from disk, a secret's plaintext from the call that made it.
    """
    answer_reads_from_disk(monkeypatch)
    answer_secrets_from_calls(monkeypatch)


@pytest.fixture
def sample_pipeline() -> Pipeline:
    """The pipeline pointed at the sample service, as `--subpath` would point it."""
    return pipeline_for_sample()


@pytest.fixture
def git_pipeline(monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    """The sample service with git history whose HEAD is the issue's example commit."""
    answer_commit(monkeypatch)
    return pipeline_for_sample(repo=dag.git(GIT_URL))


@pytest.fixture(scope="session")
def module_def() -> ModuleDef:
    """The module's typedefs as ``dagger functions`` would see them, built once per run."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return build_module_definition(monkeypatch, "Pipeline")


# --- integration tier: real servers on loopback ---------------------------------------------


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


@pytest.fixture(scope="session")
def moto() -> Iterator[Moto]:
    """One moto server (the AWS API, ECS included) for the whole run, stopped by its handle.

    Starting one takes seconds under load; every ECS test makes its own cluster (a
    random name), so the tests share the server without sharing state.
    """
    with moto_server() as server:
        yield server


@pytest.fixture(scope="session", name="staging_host", params=FLAVORS, ids=lambda f: f"compose-{f}")
def staging_host_fixture(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[StagingHost]:
    """A real staging host: sshd, a private dockerd and a registry with the test images.

    Once per Compose flavour (v1: Debian's docker-compose; v2: `docker compose`), so
    every deploy test runs against both.
    """
    flavor = request.param
    with ExitStack() as stack:
        try:
            host = stack.enter_context(
                staging_host(tmp_path_factory.mktemp(f"staging-host-{flavor}"), flavor=flavor)
            )
        except HostUnavailable as exc:
            pytest.skip(f"staging host ({flavor}): {exc.reason}")
        yield host


# --- engine tier: the real Dagger CLI ----------------------------------------------------------


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
