"""Post-deploy tests: the service's own tests against the live staging URL (phase 3).

``post-deploy-test`` (in the validate family: a command run in the validation image,
split and checked like ``test`` and ``ci-test``, the same whatever the deploy target)
runs after the deploy's live smoke test with ``STAGING_URL`` set. With
``post-deploy-on-failure = "rollback"`` it is part of the deploy's verification, so a
failure rolls the new image back as a failed live smoke test does; with ``"warn"`` it
runs after a healthy deploy and only reports. Either way it is its own report stage.
"""

from typing import TYPE_CHECKING

from main.core.errors import PipelineError
from main.core.report.model import Section, StageResult, StageStatus, Stopwatch
from main.core.run.names import POST_DEPLOY_TEST
from main.core.run.sections import first_line, last_line, short, skipped
from main.core.run.stages import Image, ScanHandle, Stages
from main.core.text import markdown_fence
from main.core.validate import CheckResult

if TYPE_CHECKING:
    from main.core.run.flow import Run

OUTPUT_LIMIT = 4000
# Why a live check after the deploy has no result: the deploy itself did not pass (its
# live smoke test rolled it back, or it failed), so there was nothing to test.
NOT_DEPLOYED = "not run: the deploy did not pass"


class PostDeployTests:
    """The post-deploy tests of one run: the deploy's verification, or a warning after it."""

    def __init__(self, stages: Stages[Image, ScanHandle], url: str, *, gate: bool) -> None:
        """``gate``: post-deploy-on-failure = rollback, so a failure rolls the deploy back."""
        self.stages, self.url, self.gate = stages, url, gate
        self.done: CheckResult | None = None
        self.error = ""  # why the tests could not run, when they could not
        self.seconds = 0.0

    async def run(self) -> CheckResult | None:
        """Run the tests once; None when they could not run (the reason kept in ``error``)."""
        clock = Stopwatch()
        try:
            self.done = await self.stages.post_deploy(self.url)
        except PipelineError as exc:
            self.error = f"post-deploy tests could not run: {first_line(exc)}"
        self.seconds = clock.seconds()
        return self.done

    async def verify(self) -> str:
        """The deploy's extra check: why the new image fails it, or empty."""
        result = await self.run()
        if result is None:
            return self.error
        if result.status in {"passed", "skipped"}:
            return ""
        return f"post-deploy tests failed: {last_line(result.output) or result.status}"

    @property
    def rolled_back(self) -> bool:
        """Whether these tests, as the deploy's verification, failed and so rolled it back."""
        failed = self.error != "" or (self.done is not None and not self.done.ok)
        return self.gate and failed

    async def report(self, run: "Run", *, deployed: bool) -> None:
        """Record the stage: after a gated deploy, or now (warn only) after a healthy one."""
        if not self.gate and deployed:
            await self.run()
        if self.done is None and not self.error:
            run.record(skipped(POST_DEPLOY_TEST, NOT_DEPLOYED, blocking=False))
            return
        run.record(self._stage())
        if self.done is not None and not self.done.ok:
            section = Section(
                POST_DEPLOY_TEST, "\n".join(markdown_fence(self.done.output, OUTPUT_LIMIT))
            )
            run.update(sections=(*run.report.sections, section))

    def _stage(self) -> StageResult:
        seconds = round(self.seconds, 3)
        if self.done is None:
            return StageResult(POST_DEPLOY_TEST, "failed", seconds, short(self.error), self.gate)
        result = self.done
        status: StageStatus = "passed" if result.ok else ("failed" if self.gate else "warned")
        if result.ok:
            detail = f"{len(result.commands)} command(s)"
        else:
            detail = last_line(result.output) or f"post-deploy tests {result.status}"
        return StageResult(POST_DEPLOY_TEST, status, seconds, short(detail), self.gate)
