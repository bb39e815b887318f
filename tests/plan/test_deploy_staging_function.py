"""`deploy-staging` as called from the CLI: the event decides the ref, or stops the run."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dagger
import pytest
from dagger import dag

from main import workflows
from main._sdk import FunctionError
from main.core import run as run_flow
from main.core.image import parse_image
from main.core.report.model import Report
from main.core.revision import Revision
from main.core.service import Service
from main.pipeline import Pipeline
from tests.support.answers import answer_commit
from tests.support.constants import GIT_URL, SHA
from tests.support.events import event_file
from tests.support.github_events import HEAD_SHA, dispatch, pull_request

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("offline_reads")]


@dataclass
class Started:
    """The runs the pipeline started: the ref each worked on and its options."""

    refs: list[str] = field(default_factory=list)
    reproduce: list[str] = field(default_factory=list)
    skip_tests: list[bool] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)
    scanning: list[workflows.CodeScanning | None] = field(default_factory=list)
    reaches: list[run_flow.Reach] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> Started:
    """Answer git reads from the working tree and record each run instead of running it."""
    runs = Started()

    async def resolve_target(
        service: Service, _repo: object, ref: str, _registry: object
    ) -> run_flow.Target:
        revision = Revision(sha=SHA, committed_at=datetime(2025, 10, 15, tzinfo=UTC))
        return run_flow.Target(service, ref, revision, parse_image(service.config.image))

    async def deploy_staging(
        stages: workflows.DaggerStages,
        target: run_flow.Target,
        reach: run_flow.Reach,
        occasion: run_flow.Occasion,
    ) -> Report:
        runs.scanning.append(stages.delivery.code_scanning)
        runs.reaches.append(reach)
        runs.actors.append(occasion.actor)
        assert stages.target is target  # the settings were read once, for the whole run
        runs.reproduce.append(occasion.reproduce)
        assert occasion.started is not None
        assert occasion.started.tzinfo is not None  # the deployment time names the tag, in UTC
        runs.refs.append(target.ref)
        runs.skip_tests.append(occasion.skip_tests)
        runs.triggers.append(occasion.trigger)
        return run_flow.new_report("deploy-staging", target, occasion)

    def working_tree(self: Pipeline, ref: str = "") -> dagger.Directory:  # noqa: ARG001
        # The ref's own tree needs git; its pyproject.toml is the working tree's here.
        return self.source.directory(self.subpath)

    monkeypatch.setattr(Pipeline, "tree", working_tree)
    monkeypatch.setattr(workflows, "resolve_target", resolve_target)
    monkeypatch.setattr(run_flow, "deploy_staging", deploy_staging)
    return runs


async def test_a_ref_is_deployed_as_given(git_pipeline: Pipeline, started: Started) -> None:
    result = await git_pipeline.deploy_staging(ref="feature/x", skip_tests=True)
    assert result.ok
    assert started.refs == ["feature/x"]
    assert started.skip_tests == [True]


async def test_the_event_decides_the_ref(
    git_pipeline: Pipeline, started: Started, tmp_path: Path
) -> None:
    event = event_file(tmp_path, pull_request())
    await git_pipeline.deploy_staging(event_name="pull_request", event=event)
    assert started.refs == [HEAD_SHA]
    assert started.triggers[0].startswith("pull_request: ")


async def test_a_dispatch_passes_its_ref_and_skip_tests(
    git_pipeline: Pipeline, started: Started, tmp_path: Path
) -> None:
    event = event_file(tmp_path, dispatch({"ref": "release/2.0", "skip_tests": "true"}))
    await git_pipeline.deploy_staging(event_name="workflow_dispatch", event=event)
    assert started.refs == ["release/2.0"]
    assert started.skip_tests == [True]
    # the summary ends with the replay of that very event
    assert started.reproduce[0].endswith(
        "dagger call --subpath tests/fixtures/sample-service deploy-staging "
        "--event-name workflow_dispatch --event ./event.json"
    )


async def test_an_event_that_does_not_deploy_runs_nothing_and_says_why(
    git_pipeline: Pipeline, started: Started, tmp_path: Path
) -> None:
    event = event_file(tmp_path, pull_request(label="documentation"))
    result = await git_pipeline.deploy_staging(event_name="pull_request", event=event)
    assert started.refs == []
    assert result.ok
    report = json.loads(result.report_json)
    assert [stage["name"] for stage in report["stages"]] == ["check-trigger"]
    assert report["stages"][0]["status"] == "skipped"
    assert "documentation" in report["stages"][0]["detail"]


async def test_event_name_and_event_go_together(git_pipeline: Pipeline, started: Started) -> None:
    with pytest.raises(FunctionError, match="--event-name and --event go together"):
        await git_pipeline.deploy_staging(event_name="push")
    assert started.refs == []


async def test_a_bad_notify_kind_is_refused_before_any_stage(
    git_pipeline: Pipeline, started: Started
) -> None:
    with pytest.raises(FunctionError) as caught:
        await git_pipeline.deploy_staging(ref="main", notify_kind="pager")
    assert "pager" in str(caught.value)
    assert started.refs == []


async def test_ci_needs_no_event_and_takes_its_ref(
    git_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, started: Started
) -> None:
    seen: list[str] = []

    async def ci(
        _stages: object, target: run_flow.Target, _reach: object, occasion: run_flow.Occasion
    ) -> Report:
        seen.append(target.ref)
        assert occasion.reproduce.startswith(
            "dagger call --subpath tests/fixtures/sample-service ci --ref "
        )
        return run_flow.new_report("ci", target, occasion)

    monkeypatch.setattr(run_flow, "ci", ci)
    result = await git_pipeline.ci(ref="refs/heads/release/1.0")
    assert result.ok
    assert seen == ["refs/heads/release/1.0"]
    assert started.refs == []


async def test_the_scan_goes_to_code_scanning_with_cis_arguments(
    git_pipeline: Pipeline, started: Started
) -> None:
    token = dag.set_secret("scanning", "ghs_fake-upload-token")
    await git_pipeline.deploy_staging(
        ref="develop",
        code_scanning_token=token,
        github_repository="acme/svc",
        github_ref="refs/heads/develop",
    )
    [scanning] = started.scanning
    assert scanning is not None
    assert (scanning.token, scanning.repository, scanning.ref) == (
        token, "acme/svc", "refs/heads/develop",
    )  # fmt: skip
    assert started.reaches[0].code_scanning


async def test_without_a_scanning_token_nothing_is_uploaded(
    git_pipeline: Pipeline, started: Started
) -> None:
    await git_pipeline.deploy_staging(ref="develop")
    assert started.scanning == [None]
    assert not started.reaches[0].code_scanning


async def test_a_scanning_token_without_its_repository_is_one_line(
    git_pipeline: Pipeline, started: Started
) -> None:
    token = dag.set_secret("scanning", "ghs_fake-upload-token")
    with pytest.raises(FunctionError, match="--code-scanning-token needs --github-repository"):
        await git_pipeline.deploy_staging(ref="develop", code_scanning_token=token)
    assert started.refs == [], "nothing ran"


async def test_the_actor_is_the_events_sender_unless_given(
    git_pipeline: Pipeline, started: Started, tmp_path: Path
) -> None:
    event = event_file(tmp_path, pull_request())
    await git_pipeline.deploy_staging(event_name="pull_request", event=event)
    await git_pipeline.deploy_staging(event_name="pull_request", event=event, actor="hubot")
    await git_pipeline.deploy_staging(ref="develop")
    assert started.actors == ["octocat", "hubot", ""]


async def test_without_a_ref_the_configured_staging_branch_is_deployed(
    started: Started, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_commit(monkeypatch)
    service = tmp_path / "svc"
    service.mkdir()
    (service / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1.0.0"\n'
        '[tool.pipeline]\nimage = "ghcr.io/example/svc"\n'
        '[tool.pipeline.branches]\nstaging = "dev"\n',
        encoding="utf-8",
    )
    source = dag.host().directory(str(tmp_path))
    pipeline = Pipeline.create(source=source, subpath="svc", repo=dag.git(GIT_URL))
    await pipeline.deploy_staging(skip_tests=True)
    assert started.refs == ["dev"]
    assert started.reproduce[0].endswith("  # dev")  # the replay names the branch it pinned


async def test_without_a_ref_or_branch_settings_develop_is_deployed(
    git_pipeline: Pipeline, started: Started
) -> None:
    await git_pipeline.deploy_staging()
    assert started.refs == ["develop"]
