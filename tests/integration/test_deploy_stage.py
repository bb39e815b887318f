"""deploy-staging's deploy and load-test stages, run in this process against the real host.

The stages need no container: the deploy runs from the module's process, and the load
test here is the real generator (``python -m main.core.load``) against the live URL,
handed to the stage as the load function ``deploy-staging`` would pass.
"""

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagger import Directory, dag

from main import workflows
from main.core.errors import PipelineError
from main.core.image import parse_image
from main.core.load.result import LoadResult
from main.core.report.model import Publication
from main.core.revision import Revision
from main.core.run import Occasion, Run, Target, new_report
from main.core.run.deploying import deploy_stage
from main.core.service import load_service
from tests.support.deploying import Staged
from tests.support.staging_app import MCP_PATH
from tests.support.staging_host import StagingHost

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("offline_engine")]
SHA = "0" * 40


@pytest.fixture
def project(staging_host: StagingHost) -> Iterator[Staged]:
    staged = Staged(staging_host)
    yield staged
    staged.down()


def target_for(folder: Path, project: Staged, load: str = "") -> tuple[Target, Directory]:
    project.service_repo(folder, extra=load)
    service = load_service(project.pyproject(extra=load))
    revision = Revision(SHA, datetime(2026, 12, 3, tzinfo=UTC))
    repository = parse_image(service.config.image)
    return Target(service, "develop", revision, repository), dag.host().directory(str(folder))


def published(target: Target, reference: str) -> Run:
    run = Run(new_report("deploy-staging", target, Occasion()))
    digest = reference.split("@", 1)[1]
    pushed = (f"{target.repository}:staging-latest@{digest}",)
    run.update(publication=Publication(pushed=pushed), digest=digest)
    return run


def delivery(host: StagingHost) -> workflows.Delivery:
    return workflows.Delivery(ssh_key=dag.set_secret("staging-ssh-key", host.private_key))


class HostStages(workflows.DaggerStages):
    """The real deploy stage; the load test is the real generator run as a process here.

    The generator's container needs an engine; ``python -m main.core.load`` is the same
    code, so the deploy's verification and the report see a real load test.
    """

    def __init__(self, folder: tuple[Target, Directory], host: StagingHost, *limits: str) -> None:
        """The target and tree of ``folder``, the host's key, and the load limits to pass."""
        super().__init__(folder[0], folder[1], delivery(host))
        self.limits = limits

    async def load(self, url: str) -> LoadResult:
        """``python -m main.core.load`` against the live URL, with this test's limits."""
        argv = [sys.executable, "-m", "main.core.load", url, "--users", "2", "--duration", "1"]
        argv += ["--mcp-path", MCP_PATH, *self.limits]
        done = await asyncio.to_thread(
            subprocess.run, argv, capture_output=True, text=True, timeout=60, check=False
        )
        return LoadResult.from_json(done.stdout)


class CannotLoad(HostStages):
    """A load generator that printed nothing."""

    async def load(self, url: str) -> LoadResult:
        """Fail as a generator without output does."""
        msg = f"the generator printed nothing for {url}"
        raise PipelineError(msg)


def stage(run: Run, name: str) -> tuple[str, str, bool]:
    (found,) = [s for s in run.report.stages if s.name == name]
    return found.status, found.detail, found.blocking


async def test_without_a_host_there_is_no_deploy_stage(
    tmp_path: Path, staging_host: StagingHost
) -> None:
    project = Staged(staging_host)
    target, tree = target_for(tmp_path / "s", project)
    config = target.service.config.model_copy(update={"deploy": None})
    target = replace(target, service=replace(target.service, config=config))
    run = published(target, staging_host.images["v1"])
    stages = HostStages((target, tree), staging_host)
    await deploy_stage(run, stages, target, stages.delivery.reach)
    assert [s.name for s in run.report.stages] == []


async def test_nothing_published_or_no_key_skips_without_failing(
    tmp_path: Path, staging_host: StagingHost, project: Staged
) -> None:
    folder = target_for(tmp_path / "s", project)
    target = folder[0]
    stages = HostStages(folder, staging_host)
    nothing = Run(new_report("deploy-staging", target, Occasion()))
    await deploy_stage(nothing, stages, target, stages.delivery.reach)
    status, detail, blocking = stage(nothing, "deploy")
    assert (status, blocking) == ("skipped", False)
    assert detail == "staging-latest was not published in this run: the host keeps what it runs"

    no_key = published(target, staging_host.images["v1"])
    await deploy_stage(no_key, stages, target, workflows.Delivery().reach)
    status, detail, _ = stage(no_key, "deploy")
    assert status == "skipped"
    assert detail.startswith(
        "published, not deployed: [tool.pipeline.deploy] target compose-ssh needs --ssh-key"
    )
    assert project.containers() == []


async def test_a_deploy_then_a_load_breach_that_rolls_back(
    tmp_path: Path, staging_host: StagingHost, project: Staged
) -> None:
    folder = target_for(tmp_path / "s", project, "\n[tool.pipeline.load]\nenabled = true\n")
    target = folder[0]
    first = published(target, staging_host.images["v1"])
    stages = HostStages(folder, staging_host)
    await deploy_stage(first, stages, target, stages.delivery.reach)
    assert stage(first, "deploy")[0] == "passed", first.report.stages
    assert stage(first, "load-test")[:1] == ("passed",)
    assert first.report.deploy is not None
    assert first.report.deploy.outcome == "deployed"
    assert "### Load test" in first.report.sections[0].markdown

    second = published(target, staging_host.images["v2"])
    breaching = HostStages(folder, staging_host, "--p95-ms", "0.001")
    await deploy_stage(second, breaching, target, breaching.delivery.reach)
    status, detail, blocking = stage(second, "deploy")
    assert blocking
    assert status == "failed"
    assert detail.startswith("deploy FAILED and rolled back: load test: ")
    assert stage(second, "load-test")[0::2] == ("failed", True)
    assert second.report.deploy is not None
    assert second.report.deploy.running == staging_host.images["v1"]
    assert project.serving() == "v1"
    assert not second.report.ok


async def test_a_load_breach_only_warns_when_asked(
    tmp_path: Path, staging_host: StagingHost, project: Staged
) -> None:
    settings = '\n[tool.pipeline.load]\nenabled = true\non-breach = "warn"\n'
    folder = target_for(tmp_path / "s", project, settings)
    target = folder[0]
    run = published(target, staging_host.images["v1"])
    stages = HostStages(folder, staging_host, "--p95-ms", "0.001")
    await deploy_stage(run, stages, target, stages.delivery.reach)
    assert stage(run, "deploy")[0] == "passed"
    status, detail, blocking = stage(run, "load-test")
    assert (status, blocking) == ("warned", False)
    assert "p95" in detail
    assert run.report.ok
    assert project.serving() == "v1"


async def test_a_load_test_that_cannot_run_is_reported_never_fatal_when_it_only_warns(
    tmp_path: Path, staging_host: StagingHost, project: Staged
) -> None:
    settings = '\n[tool.pipeline.load]\nenabled = true\non-breach = "warn"\n'
    folder = target_for(tmp_path / "s", project, settings)
    target = folder[0]
    run = published(target, staging_host.images["v1"])
    stages = CannotLoad(folder, staging_host)
    await deploy_stage(run, stages, target, stages.delivery.reach)
    assert stage(run, "deploy")[0] == "passed"
    status, detail, blocking = stage(run, "load-test")
    assert (status, blocking) == ("failed", False)
    assert detail == f"load test could not run: the generator printed nothing for {project.url}"
    assert run.report.ok
