"""Whether a staging run deploys, and how its deployment and load test read in the report.

Only a ``[tool.pipeline.deploy]`` host makes a deploy stage: without one, staging is
whoever pulls ``staging-latest``. The image goes to the host by digest, and only the
image this run published as ``staging-latest``. With ``[tool.pipeline.load]`` enabled
a load test of the live URL follows the live smoke test: with ``on-breach = "fail"``
it is the deploy's own verification (a breach rolls the new image back); with
``"warn"`` it runs after a healthy deploy and only reports.
"""

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from main.core.errors import PipelineError
from main.core.load.result import LoadResult
from main.core.report.model import Report, StageResult, Stopwatch
from main.core.run.names import DEPLOY, LOAD_TEST
from main.core.run.post_deploy import NOT_DEPLOYED, PostDeployTests
from main.core.run.sections import deploy_summary, first_line, load_section, load_stage, skipped
from main.core.run.stages import Image, Reach, ScanHandle, Stages, Verify
from main.core.run.target import Target
from main.core.tags import STAGING_LATEST

if TYPE_CHECKING:
    from main.core.config import PipelineConfig
    from main.core.run.flow import Run

NOT_PUBLISHED = "staging-latest was not published in this run: the host keeps what it runs"
LOCAL_REGISTRY = "the image went to a local registry, which the staging host cannot pull from"
SPARED = "not run: the post-deploy tests failed and the deploy was rolled back"
NO_KEY = (
    "published, not deployed: no --ssh-key (pass --ssh-key env://STAGING_SSH_KEY "
    "to deploy to the host in [tool.pipeline.deploy])"
)


def not_deployable(report: Report, reach: Reach) -> str:
    """Why the published image cannot go to the staging host in this run, or empty."""
    pushed = report.publication.pushed if report.publication else ()
    if not report.digest or not any(f":{STAGING_LATEST}@" in ref for ref in pushed):
        return NOT_PUBLISHED
    if reach.local_registry:
        return LOCAL_REGISTRY
    if not reach.can_deploy:
        return (
            f"published, not deployed: {reach.deploy_missing}" if reach.deploy_missing else NO_KEY
        )
    return ""


class LoadTests:
    """The load test of one deploy-staging run: the deploy's verify, or a report after it."""

    def __init__(self, stages: Stages[Image, ScanHandle], url: str, *, gate: bool) -> None:
        """``gate``: on-breach = fail, so a breach is a failure of the new image."""
        self.stages, self.url, self.gate = stages, url, gate
        self.done: list[tuple[LoadResult, float]] = []
        self.error = ""  # why the load test could not run, once it tried

    async def run(self) -> LoadResult:
        """One load test of the live URL; an error is one line (a breach is a result)."""
        clock = Stopwatch()
        try:
            loaded = await self.stages.load(self.url)
        except PipelineError as exc:
            self.error = f"load test could not run: {first_line(exc)}"
            raise PipelineError(self.error) from None
        self.done.append((loaded, clock.seconds()))
        return loaded

    async def verify(self) -> str:
        """The deploy's extra check: why the new image fails it, or empty."""
        loaded = await self.run()
        return "" if loaded.passed else f"load test: {loaded.summary()}"

    async def report(self, run: "Run", *, deployed: bool) -> None:
        """Record the stage: after a gated deploy, or now (warn only) after a healthy one.

        Every configured load test gets a row, as the post-deploy tests do: its result,
        why it could not run, or (the live smoke test rolled the deploy back first, or
        the deploy failed) that it never ran because the deploy did not pass.
        """
        if not self.gate and deployed:
            with contextlib.suppress(PipelineError):  # on-breach = warn: reported below
                await self.run()
        if self.done:
            loaded, seconds = self.done[-1]
            run.record(load_stage(loaded, seconds, blocking=self.gate))
            run.update(sections=(*run.report.sections, load_section(loaded)))
        elif self.error:
            run.record(StageResult(LOAD_TEST, "failed", 0.0, self.error, blocking=self.gate))
        else:
            run.record(skipped(LOAD_TEST, NOT_DEPLOYED, blocking=False))


def in_turn(checks: Sequence[Verify]) -> Verify:
    """One verification of several: each in order, stopping at the first that fails.

    The post-deploy tests go first: a cheap functional failure spares the load test.
    """

    async def verify() -> str:
        for check in checks:
            why = await check()
            if why:
                return why
        return ""

    return verify


async def deploy_stage(
    run: "Run", stages: Stages[Image, ScanHandle], target: Target, reach: Reach
) -> None:
    """Put staging-latest on the staging host by digest, smoke it live, roll back on failure.

    With ``verify-on-deploy`` the digest's provenance is checked first; a refusal fails
    the stage before the host is reached, and the check's line goes into the notes.
    """
    config = target.service.config
    if config.deploy is None:
        return
    why = not_deployable(run.report, reach)
    if why:
        run.record(skipped(DEPLOY, why, blocking=False))
        return
    post, tests = _live_checks(stages, config.deploy.url, config)
    gates = [check.verify for check in (post, tests) if check is not None and check.gate]
    sha = target.revision.sha
    image = f"{target.repository}@{run.report.digest}"
    clock = Stopwatch()
    try:
        # [tool.pipeline.attest] verify-on-deploy: the provenance first, the host after.
        checked = await stages.provenance(image)
        deployed = await stages.deploy(
            image,
            by=f"deploy-staging ({target.ref or 'working tree'} at {sha[:12]})",
            verify=in_turn(gates) if gates else None,
        )
    except PipelineError as exc:
        run.record(clock.stage(DEPLOY, "failed", f"{first_line(exc)}; nothing was changed"))
        return
    if checked:
        run.update(notes=(*run.report.notes, checked))
    result = deployed.result
    run.record(clock.stage(DEPLOY, "passed" if result.passed else "failed", result.summary()))
    run.update(deploy=deploy_summary(result))
    if deployed.staging_latest:
        run.update(notes=(*run.report.notes, deployed.staging_latest))
    await _report_live_checks(run, post, tests, deployed=result.passed)


def _live_checks(
    stages: Stages[Image, ScanHandle], url: str, config: "PipelineConfig"
) -> tuple[PostDeployTests | None, LoadTests | None]:
    """The configured checks of the live deployment: post-deploy tests, load test."""
    tests = None
    if config.load.enabled:
        tests = LoadTests(stages, url, gate=config.load.on_breach == "fail")
    post = None
    if config.validation.post_deploy_test:
        gate = config.validation.post_deploy_on_failure == "rollback"
        post = PostDeployTests(stages, url, gate=gate)
    return post, tests


async def _report_live_checks(
    run: "Run", post: PostDeployTests | None, tests: LoadTests | None, *, deployed: bool
) -> None:
    """Each live check's stage row, after the deploy's own."""
    if post is not None:
        await post.report(run, deployed=deployed)
    if tests is not None and post is not None and post.rolled_back:
        run.record(skipped(LOAD_TEST, SPARED, blocking=False))  # the verification stopped first
    elif tests is not None:
        await tests.report(run, deployed=deployed)
