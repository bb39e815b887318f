"""deploy-staging and ci: the stages in order, every outcome into one report.

Both workflows run validation and the build side by side, then the checks of the built
image side by side (staging: scan in warn mode and smoke tests; ci: scan in block
mode), then publish, then notify. A stage that fails is recorded and the run goes on
as far as it safely can, so the report shows everything; what must not happen after a
failure (publishing, moving ``staging-latest``) is decided by ``core/run_rules.py``.
Errors in the caller's input (settings, event, missing commit) stop the run before any
stage, with one line.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio
import dagger

from main import deploy as deploying
from main import smoke
from main._sdk import FunctionError
from main.build import build_service
from main.core.errors import PipelineError
from main.core.image import ImageRef, parse_image
from main.core.publish import (
    Published,
    registry_username,
    tags_for,
)
from main.core.report.model import (
    NO_CREDENTIALS,
    Publication,
    Report,
    ScanMode,
    ScanSummary,
    Section,
    SmokeSummary,
    StageResult,
    StageStatus,
    Stopwatch,
)
from main.core.report.rules import (
    CI,
    DEPLOY,
    SMOKE_TEST,
    STAGING,
    check_stage,
    failed,
    last_line,
    publish_blocker,
    scan_stage,
    scan_summary,
    skipped,
)
from main.core.revision import NO_HISTORY
from main.core.tags import STAGING_LATEST
from main.core.triggers import publishes_production
from main.core.validate import CHECKS
from main.publish import local_repository, push_tags, with_credentials
from main.report import notify
from main.sections import deploy_summary, smoke_summary
from main.source import read_revision
from main.validate import run_checks

if TYPE_CHECKING:
    from main.core.revision import Revision
    from main.core.service import Service
    from main.load import LoadTestResult
    from main.scan import Scan

ScanFn = Callable[[dagger.Container, ScanMode], Awaitable["Scan"]]
# A load test of the URL: a breach is in its result; an error means it could not run.
LoadFn = Callable[[str], Awaitable["LoadTestResult"]]
LOAD_TEST = "load-test"


@dataclass(frozen=True)
class Target:
    """What a run works on: the service at one commit, and where its image goes."""

    service: "Service"
    tree: dagger.Directory
    ref: str
    revision: "Revision"
    repository: ImageRef


@dataclass(frozen=True)
class CodeScanning:
    """Where ci sends its scan: GitHub code scanning of one repository, at one ref."""

    token: dagger.Secret
    repository: str
    ref: str


@dataclass(frozen=True)
class Delivery:
    """How a run may push and tell: credentials, a local registry, a webhook."""

    token: dagger.Secret | None = None
    username: str | None = None
    local_registry: dagger.Service | None = None
    webhook: dagger.Secret | None = None
    notify_kind: str = "slack"
    run_url: str = ""
    code_scanning: CodeScanning | None = None
    ssh_key: dagger.Secret | None = None

    @property
    def can_push(self) -> bool:
        """Whether pushing is possible at all: a token, or a local registry."""
        return self.token is not None or self.local_registry is not None


def failure_text(exc: BaseException) -> str:
    """The line of an exception worth a report cell: stderr's last line for a failed exec."""
    if isinstance(exc, dagger.ExecError):
        return last_line(exc.stderr) or last_line(exc.stdout) or f"exit code {exc.exit_code}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


STAGE_ERRORS = (PipelineError, FunctionError, dagger.QueryError)


async def resolve_target(
    service: "Service",
    tree: dagger.Directory,
    repo: dagger.GitRepository | None,
    ref: str,
    local_registry: dagger.Service | None,
) -> Target:
    """The commit and image repository of a run; refuses early with one line.

    Raises:
        PipelineError: no image repository configured, or no commit to tag from.
    """
    repository = parse_image(service.config.image)
    if local_registry is not None:
        repository = await local_repository(repository, local_registry)
    revision = await read_revision(repo, ref)
    if revision is None:
        msg = f"no git commit to tag the image from: {NO_HISTORY}"
        raise PipelineError(msg)
    return Target(service, tree, ref, revision, repository)


def new_report(workflow: str, target: Target, trigger: str) -> Report:
    """An empty report naming the service, version, ref and commit."""
    return Report(
        workflow=workflow,
        service=target.service.name,
        version=target.service.version,
        ref=target.ref,
        sha=target.revision.sha,
        trigger=trigger,
    )


async def validate_stages(target: Target, *, skip_tests: bool) -> list[StageResult]:
    """Every validation check, each its own stage; one failure hides none."""
    results = await run_checks(target.tree, target.service.config, CHECKS, skip_tests=skip_tests)
    return [check_stage(result, skip_tests=skip_tests) for result in results]


async def build_stage(target: Target) -> tuple[dagger.Container | None, StageResult]:
    """The built image (forced with ``sync`` so a failing build lands here) and its stage."""
    clock = Stopwatch()
    try:
        image = await build_service(target.tree, target.service, target.revision)
        image = await image.sync()
    except STAGE_ERRORS as exc:
        return None, clock.stage("build", "failed", failure_text(exc))
    return image, clock.stage("build", "passed", target.service.config.containerfile)


async def scan_stage_of(
    image: dagger.Container, mode: ScanMode, scan: ScanFn
) -> tuple[StageResult, ScanSummary | None, "Scan | None"]:
    """Run the scan; its stage, summary and result (a scanner crash is a failed stage)."""
    clock = Stopwatch()
    try:
        result = await scan(image, mode)
    except STAGE_ERRORS as exc:
        stage = clock.stage("scan", "failed", failure_text(exc), blocking=mode == "block")
        return stage, None, None
    summary = scan_summary(
        mode,
        result.found.mapping(),
        result.counts.mapping(),
        blocked=result.blocked,
        reason=result.reason,
    )
    return scan_stage(summary, clock.seconds()), summary, result


async def code_scanning_stage(
    result: "Scan | None", target: Target, delivery: Delivery
) -> StageResult | None:
    """Upload the scan's SARIF to GitHub code scanning; never blocks the run.

    The Security tab is a view of the scan, not a gate: the scan stage already decided.
    """
    scanning = delivery.code_scanning
    if scanning is None:
        return None
    if result is None:
        return skipped("code-scanning", "no scan result to upload", blocking=False)
    clock = Stopwatch()
    try:
        upload = await result.upload_sarif(
            scanning.token, scanning.repository, target.revision.sha, scanning.ref
        )
    except STAGE_ERRORS as exc:
        return clock.stage("code-scanning", "failed", failure_text(exc), blocking=False)
    return clock.stage("code-scanning", "passed", f"SARIF upload {upload}", blocking=False)


async def smoke_stage(
    image: dagger.Container, target: Target
) -> tuple[StageResult, SmokeSummary | None]:
    """Start the image, run the smoke checks; the stage and the smoke section."""
    clock = Stopwatch()
    try:
        report = await smoke.check_image(image, target.service.config)
    except STAGE_ERRORS as exc:
        return clock.stage(SMOKE_TEST, "failed", failure_text(exc)), None
    if report.passed:
        return clock.stage(SMOKE_TEST, "passed", report.summary()), smoke_summary(report)
    names = ", ".join(report.failed_checks) or "no check ran"
    return clock.stage(SMOKE_TEST, "failed", f"failed: {names}"), smoke_summary(report)


async def push_stage(
    name: str, image: dagger.Container, target: Target, delivery: Delivery, tags: list[str]
) -> tuple[StageResult, list[Published]]:
    """Push ``tags`` (all at once); a failed push is a failed stage naming the tag."""
    clock = Stopwatch()
    if delivery.token is not None and delivery.local_registry is None:
        username = registry_username(delivery.username, target.repository.host)
        image = with_credentials(image, target.repository, username, delivery.token)
    try:
        published = await push_tags(
            image, target.repository, tags, registry_service=delivery.local_registry
        )
    except STAGE_ERRORS as exc:
        return clock.stage(name, "failed", failure_text(exc)), []
    return clock.stage(name, "passed", ", ".join(tags)), published


def references(published: list[Published]) -> tuple[str, ...]:
    """``repo:tag@sha256:...`` of every pushed tag."""
    return tuple(str(item) for item in published)


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

    def blocker(self, *, ignoring: tuple[str, ...] = ()) -> str:
        """Why publishing must not happen: the first blocking failure so far, or empty."""
        return publish_blocker(self.report.stages, ignoring=ignoring)

    async def finish(self, delivery: Delivery) -> Report:
        """Send the notification (never blocking) and return the final report."""
        self.record(
            await notify(self.report, delivery.webhook, delivery.notify_kind, link=delivery.run_url)
        )
        return self.report


async def validate_and_build(
    run: Run, target: Target, *, skip_tests: bool
) -> dagger.Container | None:
    """Validation and build side by side; records both; the image when it built."""
    checks: list[StageResult] = []
    built: list[tuple[dagger.Container | None, StageResult]] = []

    async def validate() -> None:
        checks.extend(await validate_stages(target, skip_tests=skip_tests))

    async def build() -> None:
        built.append(await build_stage(target))

    async with anyio.create_task_group() as group:
        group.start_soon(validate)
        group.start_soon(build)
    image, stage = built[0]
    run.record(*checks, stage)
    return image


async def deploy_staging(  # noqa: PLR0913 - the run's inputs, keyword-only
    target: Target,
    delivery: Delivery,
    scan: ScanFn,
    *,
    skip_tests: bool,
    started: datetime,
    trigger: str = "",
    reproduce: str = "",
    load: LoadFn | None = None,
) -> Report:
    """Validate, build, scan (warn) and smoke test, then publish only what passed them all.

    ``started`` (UTC) names the deployment in the timestamped tag. Both staging tags are
    pushed only after the smoke tests passed, so every ``staging-v...`` tag is a
    deployment that passed and rollback can never choose an image that failed them.
    """
    tags = tags_for("staging", target.service.version, target.revision, started)  # refuses first
    run = Run(
        new_report(STAGING, target, trigger).with_values(tags=tuple(tags), reproduce=reproduce)
    )
    image = await validate_and_build(run, target, skip_tests=skip_tests)
    if image is None:
        run.record(
            skipped("scan", "build failed", blocking=False), skipped(SMOKE_TEST, "build failed")
        )
    else:
        await scan_and_smoke(run, image, target, scan)
    await publish_staging(run, image, target, delivery, tags)
    await deploy_stage(run, target, delivery, load)
    return await run.finish(delivery)


async def scan_and_smoke(run: Run, image: dagger.Container, target: Target, scan: ScanFn) -> None:
    """The scan (warn mode) and the smoke tests of the built image, side by side."""
    scanned: list[tuple[StageResult, ScanSummary | None]] = []
    smoked: list[tuple[StageResult, SmokeSummary | None]] = []

    async def scan_it() -> None:
        stage, summary, _ = await scan_stage_of(image, "warn", scan)
        scanned.append((stage, summary))

    async def smoke_it() -> None:
        smoked.append(await smoke_stage(image, target))

    async with anyio.create_task_group() as group:
        group.start_soon(scan_it)
        group.start_soon(smoke_it)
    (scan_result, scan_section), (smoke_result, smoke_section) = scanned[0], smoked[0]
    run.record(scan_result, smoke_result)
    run.update(scan=scan_section, smoke=smoke_section)


def hold_back(run: Run, target: Target, tags: list[str], why: str, *stages: str) -> None:
    """Record that ``tags`` were not pushed and why; ``stages`` are skipped for it."""
    run.record(*(skipped(stage, why) for stage in stages))
    wanted = tuple(f"{target.repository}:{tag}" for tag in tags)
    run.update(publication=Publication(not_pushed=wanted, reason=why))


async def publish_staging(
    run: Run,
    image: dagger.Container | None,
    target: Target,
    delivery: Delivery,
    tags: list[str],
) -> None:
    """The timestamped tag, then staging-latest, once every blocking stage passed.

    An image that failed its smoke tests gets no tag at all: it stays reproducible with
    `dagger call serve --ref SHA`, and the registry's staging history holds only
    deployments that passed.
    """
    stages = ("publish", STAGING_LATEST)
    why = run.blocker() or ("build failed" if image is None else "")
    if failed(run.report.stages, SMOKE_TEST):
        why = "smoke tests failed: no staging tag names this image, staging-latest stays"
    if why or image is None:
        hold_back(run, target, tags, why, *stages)
        return
    if not delivery.can_push:
        hold_back(run, target, tags, NO_CREDENTIALS, *stages)
        return
    timestamped = [tag for tag in tags if tag != STAGING_LATEST]
    stage, pushed = await push_stage("publish", image, target, delivery, timestamped)
    run.record(stage)
    held: tuple[str, ...] = ()
    reason = ""
    if stage.status != "passed":
        reason = "the timestamped tag was not pushed"
    if reason:
        run.record(skipped(STAGING_LATEST, reason))
        held = (f"{target.repository}:{STAGING_LATEST}",)
    else:
        latest, moved = await push_stage(STAGING_LATEST, image, target, delivery, [STAGING_LATEST])
        run.record(latest)
        pushed += moved
    run.update(
        publication=Publication(pushed=references(pushed), not_pushed=held, reason=reason),
        digest=pushed[0].digest if pushed else "",
    )


def _not_deployable(run: Run, delivery: Delivery) -> str:
    """Why the published image cannot go to the staging host in this run, or empty."""
    pushed = run.report.publication.pushed if run.report.publication else ()
    if not run.report.digest or not any(f":{STAGING_LATEST}@" in ref for ref in pushed):
        return "staging-latest was not published in this run: the host keeps what it runs"
    if delivery.local_registry is not None:
        return "the image went to a local registry, which the staging host cannot pull from"
    if delivery.ssh_key is None:
        return (
            "published, not deployed: no --ssh-key (pass --ssh-key env://STAGING_SSH_KEY "
            "to deploy to the host in [tool.pipeline.deploy])"
        )
    return ""


class LoadTests:
    """The load test of one deploy-staging run: the deploy's verify, or a report after it."""

    def __init__(self, load: LoadFn, url: str, *, gate: bool) -> None:
        """``gate``: on-breach = fail, so a breach is a failure of the new image."""
        self.load, self.url, self.gate = load, url, gate
        self.done: list[tuple[LoadTestResult, float]] = []

    async def run(self) -> "LoadTestResult":
        """One load test of the live URL; an error is one line (a breach is a result)."""
        clock = Stopwatch()
        try:
            loaded = await self.load(self.url)
        except STAGE_ERRORS as exc:  # one line, whichever way the generator failed
            msg = f"load test could not run: {failure_text(exc)}"
            raise PipelineError(msg) from None
        self.done.append((loaded, clock.seconds()))
        return loaded

    async def verify(self) -> str:
        """The deploy's extra check: why the new image fails it, or empty."""
        loaded = await self.run()
        return f"load test: {loaded.summary}" if loaded.blocking else ""

    async def report(self, run: Run, *, deployed: bool) -> None:
        """Record the stage: after a gated deploy, or now (warn only) after a healthy one."""
        if not self.gate and deployed:
            try:
                await self.run()
            except PipelineError as exc:  # on-breach = warn: reported, never fatal
                run.record(StageResult(LOAD_TEST, "failed", 0.0, str(exc), blocking=False))
        if self.done:
            load_stage(run, *self.done[-1], blocking=self.gate)


async def deploy_stage(
    run: Run, target: Target, delivery: Delivery, load: LoadFn | None = None
) -> None:
    """Put staging-latest on the staging host by digest, smoke it live, roll back on failure.

    Only when [tool.pipeline.deploy] configures a host: without one, staging is
    whoever pulls staging-latest, and the run has no deploy stage at all. With
    [tool.pipeline.load] enabled, a load test of the live URL follows the smoke test;
    with on-breach = fail a breach is a failure of the new image, which is rolled back.
    """
    config = target.service.config
    if config.deploy is None:
        return
    why = _not_deployable(run, delivery)
    if why or delivery.ssh_key is None:
        run.record(skipped(DEPLOY, why, blocking=False))
        return
    tests = None
    if load is not None and config.load.enabled:
        tests = LoadTests(load, config.deploy.url, gate=config.load.on_breach == "fail")
    clock = Stopwatch()
    request = deploying.Request(
        config=config,
        tree=target.tree,
        ssh_key=delivery.ssh_key,
        image=f"{target.repository}@{run.report.digest}",
        ref=target.revision.sha,
        by=f"deploy-staging ({target.ref or 'working tree'} at {target.revision.sha[:12]})",
        verify=tests.verify if tests is not None and tests.gate else None,
    )
    access = deploying.RegistryAccess(delivery.token, delivery.username)
    try:
        result, moved = await deploying.execute(request, access)
    except STAGE_ERRORS as exc:
        run.record(clock.stage(DEPLOY, "failed", f"{failure_text(exc)}; nothing was changed"))
        return
    run.record(clock.stage(DEPLOY, "passed" if result.passed else "failed", result.summary()))
    run.update(deploy=deploy_summary(result))
    if moved:
        run.update(notes=(*run.report.notes, moved))
    if tests is not None:
        await tests.report(run, deployed=result.passed)


def load_stage(run: Run, result: "LoadTestResult", seconds: float, *, blocking: bool) -> None:
    """The load test's own stage and its section (table and charts) in the summary."""
    status: StageStatus = "passed" if result.passed else ("failed" if blocking else "warned")
    run.record(StageResult(LOAD_TEST, status, seconds, result.summary, blocking=blocking))
    run.update(sections=(*run.report.sections, Section(LOAD_TEST, result.markdown())))


async def ci(target: Target, delivery: Delivery, scan: ScanFn, *, reproduce: str = "") -> Report:
    """Validate, build and scan (block); production tags only for release/** refs.

    Validation runs the ``ci-test`` commands (the full suite) where staging runs the
    fast ``test`` subset.
    """
    tags = tags_for("production", target.service.version, target.revision)  # refuses first
    service = replace(target.service, config=target.service.config.for_ci())
    target = replace(target, service=service)
    run = Run(new_report(CI, target, "").with_values(tags=tuple(tags), reproduce=reproduce))
    image = await validate_and_build(run, target, skip_tests=False)
    if image is None:
        run.record(skipped("scan", "build failed"))
    else:
        stage, summary, result = await scan_stage_of(image, "block", scan)
        run.record(stage)
        run.update(scan=summary)
        uploaded = await code_scanning_stage(result, target, delivery)
        if uploaded is not None:
            run.record(uploaded)
    await publish_production(run, image, target, delivery, tags)
    return await run.finish(delivery)


async def publish_production(
    run: Run,
    image: dagger.Container | None,
    target: Target,
    delivery: Delivery,
    tags: list[str],
) -> None:
    """Push latest, version and sha at once, only for release/** and a clean run."""
    if not publishes_production(target.ref):
        why = f"only release/** branches publish; {target.ref or 'the working tree'} does not"
    elif not delivery.can_push:
        why = NO_CREDENTIALS
    else:
        why = run.blocker() or ("build failed" if image is None else "")
    if why or image is None:
        hold_back(run, target, tags, why, "publish")
        return
    stage, pushed = await push_stage("publish", image, target, delivery, tags)
    run.record(stage)
    run.update(
        publication=Publication(pushed=references(pushed)),
        digest=pushed[0].digest if pushed else "",
    )
