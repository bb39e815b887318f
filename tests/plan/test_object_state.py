"""Every object the module returns survives the engine's round trip of its state.

Between two calls of a chain (`scan ... sarif`, `deploy-staging ... report`) the engine
keeps an object only as the JSON the SDK's converter made of it, and the next call gets
it back through the same converter. That includes attributes that are not fields (the
Scan's report files, the Pipeline's overrides) and Dagger objects, which travel as IDs.
A type the converter cannot handle fails only there, on a real engine: here it fails
first. IDs are faked (an ID is the one leaf read needed); everything else is the SDK's.
"""

import json
from typing import Any, TypeVar, cast

import dagger
import pytest
from dagger import dag
from dagger.client.base import Type
from dagger.mod._module import Module

from main.core.report.model import Report
from main.core.smoke.result import SmokeReport, failed, passed
from main.core.triggers import Decision
from main.core.validate import CheckResult
from main.pipeline import Pipeline
from main.report import RunReport
from main.scan import Scan, SeverityCounts
from main.smoke import SmokeResult
from main.triggers import TriggerDecision
from main.validate import Validation
from tests.support.lazy import calls

T = TypeVar("T")
COUNTS = {"CRITICAL": 1, "HIGH": 2, "MEDIUM": 3, "LOW": 4, "UNKNOWN": 0}


@pytest.fixture
def fake_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answer ``id()`` of the Dagger types the objects hold: ``<Type>:<n>``."""
    for cls in (dagger.Directory, dagger.File, dagger.GitRepository):

        async def object_id(self: Type, name: str = cls.__name__) -> str:
            return f"{name}:{len(calls(self))}"

        monkeypatch.setattr(cls, "id", object_id)


def module() -> Module:
    mod: Module = Pipeline.__dagger_module__  # type: ignore[attr-defined]
    return mod


async def round_trip(obj: T, cls: type[T]) -> tuple[dict[str, Any], T]:
    """What the engine stores (JSON) and what the next call gets back from it."""
    state = json.loads(json.dumps(await module().unstructure(obj, cls)))
    assert isinstance(state, dict)
    # The SDK's stub types `structure` for classes of classes; it takes any class.
    back: T = await module().structure(state, cast("Any", cls))
    return state, back


def loaded_from(obj: object, cls: type[Type], object_id: str) -> bool:
    """Whether ``obj`` is the ``cls`` loaded back from ``object_id`` (``node(id:)``)."""
    if not isinstance(obj, cls):
        return False
    [load] = calls(obj)
    return load.name == "node" and load.args["id"] == object_id


@pytest.mark.anyio
@pytest.mark.usefixtures("fake_ids")
@pytest.mark.parametrize("with_repo", [True, False], ids=["git", "no-git"])
async def test_the_pipeline_keeps_its_source_repo_and_overrides(*, with_repo: bool) -> None:
    pipeline = Pipeline.create(
        source=dag.host().directory("/src"),
        repo=dag.host().directory("/src").as_git() if with_repo else None,
        subpath="services/api",
        image="ghcr.io/acme/api",
        port=9000,
        health_path="/healthz",
    )
    state, back = await round_trip(pipeline, Pipeline)
    # The overrides are state, not fields: they must travel all the same.
    assert state["image"] == "ghcr.io/acme/api"
    assert state["port"] == 9000
    assert back.subpath == "services/api"
    assert back._overrides() == pipeline._overrides()  # noqa: SLF001
    assert loaded_from(back.source, dagger.Directory, state["source"])
    if with_repo:
        assert loaded_from(back.repo, dagger.GitRepository, state["repo"])
    else:
        assert state["repo"] is None
        assert back.repo is None


@pytest.mark.anyio
@pytest.mark.usefixtures("fake_ids")
async def test_a_scan_keeps_its_counts_and_its_report_files() -> None:
    scan = Scan(  # type: ignore[call-arg]
        mode="warn",
        blocked=False,
        reason="10 findings (warn mode: not blocking)",
        found=SeverityCounts.of(COUNTS),
        counts=SeverityCounts.of(COUNTS),
        fixable=7,
        unfixed=3,
        ignored=1,
        expired_ignores=["CVE-2024-0001"],
        report=dag.file("report.json", "{}"),
        filtered=dag.file("filtered.json", "{}"),
        summary="### Security scan: warn",
    )
    state, back = await round_trip(scan, Scan)
    assert back.counts.mapping() == COUNTS
    assert back.found.total == sum(COUNTS.values())
    assert back.expired_ignores == ["CVE-2024-0001"]
    assert back.markdown() == "### Security scan: warn"
    # The files behind json/sarif/table are not fields; they travel as IDs.
    assert loaded_from(back.json(), dagger.File, state["filtered"])
    assert loaded_from(back.json(unfiltered=True), dagger.File, state["report"])


@pytest.mark.anyio
async def test_a_smoke_result_keeps_every_check_and_its_markdown() -> None:
    report = SmokeReport(
        target="http://app:8000",
        checks=(passed("health", 3.0, "200"), failed("mcp.initialize", 5.0, "500")),
        timeout_seconds=30.0,
    ).with_start(1.5, passed("start", 1500.0, "port 8000 open"))
    result = SmokeResult.of(report)
    _, back = await round_trip(result, SmokeResult)
    assert back == result
    assert [check.name for check in back.checks] == [check.name for check in result.checks]
    assert back.markdown() == result.markdown()


@pytest.mark.anyio
async def test_a_smoke_result_without_a_start_time_keeps_none() -> None:
    result = SmokeResult.of(SmokeReport(target="http://app:8000", checks=(), timeout_seconds=1.0))
    state, back = await round_trip(result, SmokeResult)
    assert state["startup_seconds"] is None
    assert back == result


@pytest.mark.anyio
async def test_a_validation_keeps_every_check() -> None:
    validation = Validation.of(
        [
            CheckResult("lint", "passed", 1.25, "ok", ("ruff check .",)),
            CheckResult("test", "failed", 3.5, "1 failed", ("pytest -q",)),
        ]
    )
    _, back = await round_trip(validation, Validation)
    assert back == validation
    assert back.summary() == validation.summary()


@pytest.mark.anyio
async def test_a_run_report_keeps_the_whole_report() -> None:
    run = RunReport.of(
        Report(workflow="deploy-staging", service="api", version="1.0.0", ref="develop")
    )
    _, back = await round_trip(run, RunReport)
    assert back == run
    assert back.markdown() == run.markdown()


@pytest.mark.anyio
async def test_a_trigger_decision_keeps_its_verdict() -> None:
    decision = TriggerDecision.of(
        "workflow_dispatch", Decision(should_deploy=True, ref="develop", reason="manual")
    )
    _, back = await round_trip(decision, TriggerDecision)
    assert back == decision
    assert json.loads(back.json())["ref"] == "develop"
