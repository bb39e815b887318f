"""``smoke-test`` end to end without an engine: the planned checker runs on the host.

No engine runs here, so the few engine round trips the function awaits are answered
locally, in the spirit of ``tests/plan/offline.py``: ``Service.start``/``stop`` record
the planned service, and the checker container's ``stdout``/``stderr``/``exit_code``
come from running that container's exact planned command on the host, against the
real sample MCP server standing in for the service bound as ``app``. What is checked is
the function's own logic: the plan it builds, the report it reads back, the result.
"""

import subprocess
import sys
from dataclasses import dataclass

import dagger
import pytest
from dagger import dag

from main.pipeline import Pipeline
from main.smoke import SERVICE_ALIAS
from tests.support.constants import REPO_ROOT
from tests.support.lazy import calls, find
from tests.support.offline import answer_reads_from_disk

IMAGE = "ghcr.io/example/sample-service:staging-latest"
SAMPLE_SUBPATH = "tests/fixtures/sample-service"


@dataclass
class OfflineEngine:
    """What the stand-in engine saw: services started and stopped, commands run."""

    url: str
    started: list[dagger.Service]
    stopped: list[dagger.Service]
    commands: list[list[str]]


def _host_run(
    container: dagger.Container, engine: OfflineEngine
) -> subprocess.CompletedProcess[str]:
    for binding in find(container, "withServiceBinding"):
        assert binding.args["alias"] == SERVICE_ALIAS
        assert binding.args["service"] in engine.started, "checker bound to an unstarted service"
    argv = find(container, "withExec")[-1].args["args"]
    engine.commands.append(argv)
    assert argv[:3] == ["python", "-m", "main.core.smoke"]
    host_argv = [sys.executable, *argv[1:]]
    host_argv[3] = host_argv[3].replace(f"http://{SERVICE_ALIAS}:8000", engine.url)
    return subprocess.run(
        host_argv, cwd=REPO_ROOT / "src", capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, sample_server: str) -> OfflineEngine:
    answer_reads_from_disk(monkeypatch)
    state = OfflineEngine(url=sample_server, started=[], stopped=[], commands=[])
    runs: dict[int, subprocess.CompletedProcess[str]] = {}

    def run(container: dagger.Container) -> subprocess.CompletedProcess[str]:
        if id(container) not in runs:
            runs[id(container)] = _host_run(container, state)
        return runs[id(container)]

    async def start(self: dagger.Service) -> dagger.Service:
        assert calls(self)[-1].name == "asService"
        state.started.append(self)
        return self

    async def stop(self: dagger.Service, **_: object) -> dagger.Service:
        state.stopped.append(self)
        return self

    async def stdout(self: dagger.Container) -> str:
        return run(self).stdout

    async def stderr(self: dagger.Container) -> str:
        return run(self).stderr

    async def exit_code(self: dagger.Container) -> int:
        return run(self).returncode

    async def no_command(_: dagger.Container) -> list[str]:
        # An image address planned offline carries no config: the log replay says so.
        return []

    monkeypatch.setattr(dagger.Service, "start", start)
    monkeypatch.setattr(dagger.Service, "stop", stop)
    monkeypatch.setattr(dagger.Container, "stdout", stdout)
    monkeypatch.setattr(dagger.Container, "stderr", stderr)
    monkeypatch.setattr(dagger.Container, "exit_code", exit_code)
    monkeypatch.setattr(dagger.Container, "entrypoint", no_command)
    monkeypatch.setattr(dagger.Container, "default_args", no_command)
    return state


def pipeline(**overrides: str) -> Pipeline:
    source = dag.host().directory(str(REPO_ROOT))
    return Pipeline.create(source=source, subpath=SAMPLE_SUBPATH, **overrides)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_smoke_test_starts_checks_and_stops_the_service(engine: OfflineEngine) -> None:
    result = await pipeline().smoke_test(image=dag.container().from_(IMAGE))
    assert result.passed, result.report
    assert [check.name for check in result.checks][:3] == ["start", "ready", "health"]
    assert result.startup_seconds is not None
    assert result.logs == ""
    assert len(engine.started) == 1
    assert engine.stopped == engine.started
    assert engine.commands[0][3] == "http://app:8000"
    assert result.markdown().startswith("### Smoke test ✅ passed")


@pytest.mark.anyio
async def test_a_failing_check_is_a_result_not_an_exception(engine: OfflineEngine) -> None:
    result = await pipeline(mcp_path="/not-mcp").smoke_test(image=dag.container().from_(IMAGE))
    assert not result.passed
    assert result.summary.startswith("smoke test FAILED: mcp.initialize")
    failed = [check for check in result.checks if check.outcome == "failed"]
    assert [(c.name, c.http_status) for c in failed] == [("mcp.initialize", 404)]
    assert result.logs == "(no logs: the image has no entrypoint or default command)"
    assert engine.stopped == engine.started
    markdown = result.markdown()
    assert "### Smoke test ❌ failed" in markdown
    assert "| `mcp.initialize` | ❌ failed |" in markdown


@pytest.mark.anyio
async def test_url_mode_checks_a_deployed_address_without_a_service(engine: OfflineEngine) -> None:
    result = await pipeline().smoke_test(url=engine.url)
    assert result.passed, result.report
    assert result.target == engine.url
    assert engine.started == []
    assert engine.commands[0][3] == engine.url
