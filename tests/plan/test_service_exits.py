"""An app that exits while it is smoke- or load-tested gives a failed result with its logs.

Dagger 0.21 cancels an exec as soon as a service bound to it exits, even with status 0,
so the checker's output never comes: reading it raises the engine's error. These tests
answer the engine's round trips as it would in that case (the service starts, reading
the checker's or the generator's output raises a QueryError, the log replay prints
the app's last words) and run the real functions.
"""

import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.pipeline import Pipeline
from main.smoke import SERVICE_ALIAS
from tests.support.answers import query_error
from tests.support.lazy import calls

IMAGE = "ghcr.io/example/sample-service:staging-latest"
ENGINE_ERROR = "service app exited with code 0 before the exec finished"
ENGINE_REFUSED = "pull access denied for python"
LAST_WORDS = "sample service: shutting down after one request"


def last_exec(container: dagger.Container) -> list[str]:
    execs = [call for call in calls(container) if call.name == "withExec"]
    return list(execs[-1].args["args"]) if execs else []


@pytest.fixture
def app_exits_mid_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The engine's answers when the bound app exits under the checker; the reads asked."""
    asked: list[str] = []

    async def start(self: dagger.Service) -> dagger.Service:
        return self

    async def stdout(self: dagger.Container) -> str:
        argv = last_exec(self)
        checker = argv[2] if argv[:2] == ["python", "-m"] else ""
        if argv[:2] == ["sh", "-c"] and "load-test.json" in argv[2]:
            checker = "main.core.load"  # the distributed run's reader
        if checker in {"main.core.smoke", "main.core.load"}:
            assert any(c.name == "withServiceBinding" and c.args["alias"] == SERVICE_ALIAS
                       for c in calls(self)), "the checker runs bound to the app"  # fmt: skip
            asked.append(checker)
            raise query_error(ENGINE_ERROR)
        assert argv[:1] == ["timeout"], f"only the log replay is read besides, not {argv}"
        asked.append("replay")
        return LAST_WORDS + "\n"

    async def nothing(_self: dagger.Container) -> str:
        return ""

    async def entrypoint(_self: dagger.Container) -> list[str]:
        return []

    async def default_args(_self: dagger.Container) -> list[str]:
        return ["python", "-m", "sample_service"]

    monkeypatch.setattr(dagger.Service, "start", start)
    monkeypatch.setattr(dagger.Service, "stop", start)
    monkeypatch.setattr(dagger.Container, "stdout", stdout)
    monkeypatch.setattr(dagger.Container, "stderr", nothing)
    monkeypatch.setattr(dagger.Container, "entrypoint", entrypoint)
    monkeypatch.setattr(dagger.Container, "default_args", default_args)
    return asked


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_smoke_test_reports_the_exit_with_the_logs(
    sample_pipeline: Pipeline, app_exits_mid_run: list[str]
) -> None:
    result = await sample_pipeline.smoke_test(image=dag.container().from_(IMAGE))
    assert app_exits_mid_run == ["main.core.smoke", "replay"]
    assert result.passed is False
    assert [(c.name, c.outcome) for c in result.checks] == [
        ("start", "passed"),
        ("service", "failed"),
    ]
    error = result.checks[1].error
    assert error.startswith("the service stopped while the smoke checks ran")
    assert ENGINE_ERROR in error
    assert result.summary.startswith("smoke test FAILED: service")
    assert LAST_WORDS in result.logs
    assert "### Smoke test" in result.markdown() or LAST_WORDS in result.markdown()


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
@pytest.mark.parametrize("workers", [0, 2], ids=["one-generator", "distributed"])
async def test_load_test_reports_the_exit_with_the_logs(
    sample_pipeline: Pipeline, app_exits_mid_run: list[str], workers: int
) -> None:
    result = await sample_pipeline.load_test(
        image=dag.container().from_(IMAGE), on_breach="warn", workers=workers
    )
    assert result.passed is False
    [breach] = result.breaches
    assert breach.startswith("the service stopped while the load test ran")
    assert ENGINE_ERROR in breach
    assert LAST_WORDS in result.logs
    assert app_exits_mid_run[-1] == "replay"


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_a_blocking_load_test_fails_with_the_one_line(
    sample_pipeline: Pipeline,
    app_exits_mid_run: list[str],  # noqa: ARG001 - the engine's answers
) -> None:
    with pytest.raises(FunctionError, match=r"^the service stopped while the load test ran"):
        await sample_pipeline.load_test(image=dag.container().from_(IMAGE))


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_without_an_app_an_engine_error_stays_an_error(
    sample_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --url binds no service: an engine error there is not the app's exit.
    async def stdout(_self: dagger.Container) -> str:
        raise query_error(ENGINE_REFUSED)

    monkeypatch.setattr(dagger.Container, "stdout", stdout)
    with pytest.raises(dagger.QueryError, match=ENGINE_REFUSED):
        await sample_pipeline.load_test(url="https://stg.example", on_breach="warn")
