"""deploy-staging and ci: what runs after what, and what each outcome means.

Both workflows validate and build side by side, then check the built image (staging:
scan in warn mode beside the smoke tests; ci: scan in block mode), then publish, then
notify. A stage that fails is recorded and the run goes on as far as it safely can,
so the report shows everything; what must not happen after a failure (publishing,
moving ``staging-latest``, deploying) is decided in ``publishing.py`` and
``deploying.py``. The stages themselves are behind :class:`~main.core.run.stages.Stages`,
so every decision here runs, and is tested, without an engine.
"""

from typing import Any

import anyio

from main.core.config import PipelineConfig
from main.core.errors import PipelineError
from main.core.publish import now, tags_for
from main.core.report.model import (
    Report,
    ScanMode,
    SmokeSummary,
    StageResult,
    StageStatus,
    Stopwatch,
)
from main.core.run import attesting, deploying, publishing
from main.core.run.names import (
    BUILD,
    CHECK_TRIGGER,
    CI,
    CODE_SCANNING,
    NOTIFY,
    SCAN,
    SMOKE_TEST,
    STAGING,
)
from main.core.run.sections import (
    check_stage,
    first_line,
    scan_stage,
    skipped,
    smoke_detail,
    smoke_summary,
)
from main.core.run.stages import Image, Reach, ScanHandle, Scanned, Stages
from main.core.run.target import Occasion, Target
from main.core.service import Service


class Run:
    """One run's report as it grows: stages are recorded in the order they are given."""

    def __init__(self, report: Report) -> None:
        """Start from an empty report."""
        self.report = report

    def record(self, *stages: StageResult) -> None:
        """Add stages (replacing any of the same name)."""
        for stage in stages:
            self.report = self.report.with_stage(stage)

    def update(self, **changes: Any) -> None:  # noqa: ANN401 - Report.with_values' shape
        """Change report fields other than stages (tags, scan, smoke, publication, digest)."""
        self.report = self.report.with_values(**changes)

    def blocker(self) -> str:
        """Why nothing may be published: the first blocking failure so far, or empty."""
        for stage in self.report.stages:
            if stage.blocking and stage.status == "failed":
                return f"{stage.name} failed"
        return ""

    def failed(self, name: str) -> bool:
        """Whether the stage called ``name`` ran and failed."""
        return any(s.name == name and s.status == "failed" for s in self.report.stages)


def new_report(workflow: str, target: Target, occasion: Occasion) -> Report:
    """An empty report naming the service, version, ref, commit and occasion."""
    return Report(
        workflow=workflow,
        service=target.service.name,
        version=target.service.version,
        ref=target.ref,
        sha=target.revision.sha,
        trigger=occasion.trigger,
        reproduce=occasion.reproduce,
        actor=occasion.actor,
        notes=target.service.config.deprecations(),  # settings to move before they go
    )


async def deploy_staging(
    stages: Stages[Image, ScanHandle], target: Target, reach: Reach, occasion: Occasion
) -> Report:
    """Validate, build, scan (warn) and smoke test; publish only what passed; deploy it.

    ``occasion.started`` (UTC) names the deployment in the timestamped tag. Both staging
    tags are pushed only after the smoke tests passed, so every ``staging-v...`` tag is a
    deployment that passed and rollback can never choose an image that failed them.

    Raises:
        PipelineError: the version has no tag form; nothing ran.
    """
    tags = tags_for("staging", target.service.version, target.revision, occasion.started)
    run = Run(new_report(STAGING, target, occasion).with_values(tags=tuple(tags)))
    config = target.service.config
    image = await validate_and_build(run, stages, config, skip_tests=occasion.skip_tests)
    if image is None:
        unbuilt = "build failed"
        run.record(skipped(SCAN, unbuilt, blocking=False), skipped(SMOKE_TEST, unbuilt))
    else:
        scanned = await scan_and_smoke(run, stages, image)
        if reach.code_scanning:  # as ci does: the Security tab, never blocking
            run.record(await code_scanning_stage(stages, scanned))
    await publishing.publish_staging(run, stages, image, target=target, reach=reach, tags=tags)
    await attesting.attest_stage(
        run, stages, image, target=target, reach=reach, started=occasion.started
    )
    await deploying.deploy_stage(run, stages, target, reach)
    return await finish(run, stages)


async def ci(
    stages: Stages[Image, ScanHandle], target: Target, reach: Reach, occasion: Occasion
) -> Report:
    """Validate (the full ``ci-test`` suite), build and scan (block); release/** publishes.

    Raises:
        PipelineError: the version has no tag form; nothing ran.
    """
    started = occasion.started or now()  # the provenance's start of the run
    config = target.service.config
    tags = tags_for(
        "production", target.service.version, target.revision, aliases=config.tag_aliases
    )
    target = target.for_ci()
    run = Run(new_report(CI, target, occasion).with_values(tags=tuple(tags)))
    image = await validate_and_build(run, stages, target.service.config, skip_tests=False)
    if image is None:
        run.record(skipped(SCAN, "build failed"))
    else:
        stage, scanned = await scan_stage_of(stages, image, "block")
        run.record(stage)
        run.update(scan=None if scanned is None else scanned.summary)
        if reach.code_scanning:
            run.record(await code_scanning_stage(stages, scanned))
    await publishing.publish_production(run, stages, image, target=target, reach=reach, tags=tags)
    await attesting.attest_stage(run, stages, image, target=target, reach=reach, started=started)
    return await finish(run, stages)


async def validate_and_build(
    run: Run, stages: Stages[Image, ScanHandle], config: PipelineConfig, *, skip_tests: bool
) -> Image | None:
    """Validation and build side by side; records both; the image when it built."""
    checks: list[StageResult] = []
    built: list[tuple[Image | None, StageResult]] = []

    async def validate() -> None:
        results = await stages.validate(config, skip_tests=skip_tests)
        checks.extend(check_stage(result, skip_tests=skip_tests) for result in results)

    async def build() -> None:
        clock = Stopwatch()
        try:
            image = await stages.build()
        except PipelineError as exc:
            built.append((None, clock.stage(BUILD, "failed", first_line(exc))))
        else:
            built.append((image, clock.stage(BUILD, "passed", config.containerfile)))

    async with anyio.create_task_group() as group:
        group.start_soon(validate)
        group.start_soon(build)
    image, stage = built[0]
    run.record(*checks, stage)
    return image


async def scan_stage_of(
    stages: Stages[Image, ScanHandle], image: Image, mode: ScanMode
) -> tuple[StageResult, Scanned[ScanHandle] | None]:
    """The scan's stage and its result (a scanner that could not run is a failed stage)."""
    clock = Stopwatch()
    try:
        scanned = await stages.scan(image, mode)
    except PipelineError as exc:
        return clock.stage(SCAN, "failed", first_line(exc), blocking=mode == "block"), None
    return scan_stage(scanned.summary, clock.seconds()), scanned


async def smoke_stage(
    stages: Stages[Image, ScanHandle], image: Image
) -> tuple[StageResult, SmokeSummary | None]:
    """Start the image and smoke-test it: the stage and the report's smoke section."""
    clock = Stopwatch()
    try:
        report = await stages.smoke(image)
    except PipelineError as exc:
        return clock.stage(SMOKE_TEST, "failed", first_line(exc)), None
    status: StageStatus = "passed" if report.passed else "failed"
    return clock.stage(SMOKE_TEST, status, smoke_detail(report)), smoke_summary(report)


async def scan_and_smoke(
    run: Run, stages: Stages[Image, ScanHandle], image: Image
) -> Scanned[ScanHandle] | None:
    """The scan (warn mode) and the smoke tests of the built image, side by side.

    Returns the scan's result (for code scanning), or None when the scanner failed.
    """
    scanned: list[tuple[StageResult, Scanned[ScanHandle] | None]] = []
    smoked: list[tuple[StageResult, SmokeSummary | None]] = []

    async def scan_it() -> None:
        scanned.append(await scan_stage_of(stages, image, "warn"))

    async def smoke_it() -> None:
        smoked.append(await smoke_stage(stages, image))

    async with anyio.create_task_group() as group:
        group.start_soon(scan_it)
        group.start_soon(smoke_it)
    (scan_row, scan_result), (smoke_row, smoke_section) = scanned[0], smoked[0]
    run.record(scan_row, smoke_row)
    run.update(scan=None if scan_result is None else scan_result.summary, smoke=smoke_section)
    return scan_result


async def code_scanning_stage(
    stages: Stages[Image, ScanHandle], scanned: Scanned[ScanHandle] | None
) -> StageResult:
    """Upload the scan to GitHub code scanning; never blocks the run.

    The Security tab is a view of the scan, not a gate: the scan stage already decided.
    """
    if scanned is None:
        return skipped(CODE_SCANNING, "no scan result to upload", blocking=False)
    clock = Stopwatch()
    try:
        upload = await stages.upload_scan(scanned.handle)
    except PipelineError as exc:
        return clock.stage(CODE_SCANNING, "failed", first_line(exc), blocking=False)
    return clock.stage(CODE_SCANNING, "passed", f"SARIF upload {upload}", blocking=False)


async def finish(run: Run, stages: Stages[Image, ScanHandle]) -> Report:
    """Send the notification (never blocking) and return the final report."""
    clock = Stopwatch()
    try:
        run.record(await stages.notify(run.report))
    except PipelineError as exc:
        run.record(clock.stage(NOTIFY, "failed", first_line(exc), blocking=False))
    return run.report


def not_deployed(service: Service, ref: str, reason: str, *, rule: str = "") -> Report:
    """The report of an event that does not deploy: nothing ran, why, and which rule said so."""
    if rule:
        reason = f"{reason} (rule: {rule})"
    report = Report(
        workflow=STAGING, service=service.name, version=service.version, ref=ref, trigger=reason
    )
    return report.with_stage(skipped(CHECK_TRIGGER, reason, blocking=False))
