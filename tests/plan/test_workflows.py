"""deploy-staging and ci: stage order, concurrency, and what a failure holds back.

The stages' own plans are tested beside each stage; here their leaves (the engine
round trips: checks, build, scan, smoke, push) answer from recorders, so the
orchestration itself runs for real: the task groups, the order, the publishing rules
and the report.
"""

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import anyio
import dagger
import pytest
from dagger import dag

from main import smoke, workflows
from main._sdk import FunctionError
from main.core.config import PipelineConfig
from main.core.errors import PipelineError
from main.core.image import parse_image
from main.core.publish import Published
from main.core.report.model import Report
from main.core.revision import Revision
from main.core.service import Service, load_service
from main.core.smoke.result import CheckResult as SmokeCheckResult
from main.core.smoke.result import Outcome, SmokeReport
from main.core.validate import CheckResult
from main.report import finished
from main.scan import Scan, SeverityCounts
from tests.support.constants import SHA
from tests.support.scans import scan_result

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample-service" / "pyproject.toml"
WHEN = datetime(2025, 10, 15, 14, 30, 52, tzinfo=UTC)
DIGEST = "sha256:" + "1" * 64
STAGE_TIME = 0.05


@dataclass
class Recorder:
    """What the faked leaves saw, in order, and how they should answer."""

    events: list[str] = field(default_factory=list)
    pushed: list[list[str]] = field(default_factory=list)
    failing_checks: set[str] = field(default_factory=set)
    smoke_passes: bool = True
    build_fails: bool = False
    findings: int = 0
    test_commands: list[list[str]] = field(default_factory=list)

    async def stage(self, name: str) -> None:
        """Record a stage's start and end around a short pause, as a real stage would."""
        self.events.append(f"{name}:start")
        await anyio.sleep(STAGE_TIME)
        self.events.append(f"{name}:end")

    def index(self, event: str) -> int:
        """Where an event happened: smaller is earlier."""
        return self.events.index(event)


def service() -> Service:
    return load_service(SAMPLE.read_text(encoding="utf-8"))


def target(ref: str = "develop") -> workflows.Target:
    return workflows.Target(
        service=service(),
        tree=dag.directory(),
        ref=ref,
        revision=Revision(sha=SHA, committed_at=WHEN),
        repository=parse_image("ghcr.io/example/sample-service"),
    )


def scan_object(recorder: Recorder, mode: str) -> Scan:
    counts = SeverityCounts.of(
        {"CRITICAL": 0, "HIGH": recorder.findings, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}
    )
    return scan_result(
        mode=mode,
        blocked=mode == "block" and recorder.findings > 0,
        reason=f"{recorder.findings} finding(s)",
        found=counts,
        counts=counts,
        fixable=recorder.findings,
    )


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    rec = Recorder()

    async def run_checks(
        _tree: object, config: PipelineConfig, *_: object, skip_tests: bool
    ) -> list[CheckResult]:
        rec.test_commands.append(list(config.test))
        await rec.stage("validate")
        results = []
        for name in ("lint", "typecheck", "test", "lint-containerfile"):
            if name == "test" and skip_tests:
                results.append(CheckResult(name, "skipped", 0.0, "", ()))
            elif name in rec.failing_checks:
                results.append(CheckResult(name, "failed", 1.0, "E501 line too long", ("x",)))
            else:
                results.append(CheckResult(name, "passed", 1.0, "ok", ("x",)))
        return results

    async def build_service(*_: object) -> dagger.Container:
        await rec.stage("build")
        if rec.build_fails:
            msg = "no Containerfile at 'Containerfile' in the service folder"
            raise PipelineError(msg)
        return dag.container()

    async def sync(self: dagger.Container) -> dagger.Container:
        return self

    async def check_image(*_: object) -> SmokeReport:
        await rec.stage("smoke")
        outcome: Outcome = "passed" if rec.smoke_passes else "failed"
        error = None if rec.smoke_passes else "/health answered 500"
        check = SmokeCheckResult(name="health", outcome=outcome, latency_ms=3.0, error=error)
        return SmokeReport(target="http://app:8000", checks=(check,), startup_seconds=1.5)

    async def push_tags(
        _image: dagger.Container, repository: object, tags: list[str], **_: object
    ) -> list[Published]:
        await rec.stage("push " + ",".join(tags))
        rec.pushed.append(tags)
        return [Published(str(repository), tag, DIGEST) for tag in tags]

    monkeypatch.setattr(workflows, "run_checks", run_checks)
    monkeypatch.setattr(workflows, "build_service", build_service)
    monkeypatch.setattr(dagger.Container, "sync", sync)
    monkeypatch.setattr(smoke, "check_image", check_image)
    monkeypatch.setattr(workflows, "push_tags", push_tags)
    return rec


def scanner(rec: Recorder) -> workflows.ScanFn:
    async def scan(_image: dagger.Container, mode: str) -> Scan:
        await rec.stage("scan")
        return scan_object(rec, mode)

    return scan


TOKEN = workflows.Delivery(token=dag.set_secret("token", "s3cr3t"), username="bot")
NO_TOKEN = workflows.Delivery()
# The run starts long after the commit: the staging tag names the deployment, not the commit.
STARTED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
TIMESTAMPED = "staging-v0.1.0-20260102-030405-abc123d"


async def staging(rec: Recorder, delivery: workflows.Delivery, **kwargs: bool) -> Report:
    return await workflows.deploy_staging(
        target(),
        delivery,
        scanner(rec),
        skip_tests=kwargs.get("skip_tests", False),
        started=STARTED,
    )


def status(report: Report) -> dict[str, str]:
    return {stage.name: stage.status for stage in report.stages}


@pytest.mark.anyio
async def test_staging_runs_side_by_side_and_moves_latest_after_smoke(recorder: Recorder) -> None:
    report = await staging(recorder, TOKEN)
    ev = recorder.index
    assert ev("validate:start") < ev("build:end")
    assert ev("build:start") < ev("validate:end")
    assert ev("scan:start") < ev("smoke:end")
    assert ev("smoke:start") < ev("scan:end")
    assert ev("build:end") < ev("scan:start")
    assert ev("smoke:end") < ev(f"push {TIMESTAMPED}:start")
    assert ev(f"push {TIMESTAMPED}:end") < ev("push staging-latest:start")
    assert recorder.pushed == [[TIMESTAMPED], ["staging-latest"]]
    assert report.ok
    assert [s.name for s in report.stages] == [
        "lint", "typecheck", "test", "lint-containerfile", "build",
        "scan", "smoke-test", "publish", "staging-latest", "notify",
    ]  # fmt: skip
    assert report.digest == DIGEST
    assert report.publication is not None
    assert report.publication.pushed[-1].endswith(f":staging-latest@{DIGEST}")
    assert report.tags == (TIMESTAMPED, "staging-latest")


@pytest.mark.anyio
async def test_failed_smoke_test_publishes_no_staging_tag(recorder: Recorder) -> None:
    # Every staging-v... tag is a deployment that passed: rollback can never pick a broken one.
    recorder.smoke_passes = False
    report = await staging(recorder, TOKEN)
    assert recorder.pushed == []
    assert status(report)["publish"] == "skipped"
    assert status(report)["staging-latest"] == "skipped"
    assert not report.ok
    assert report.failed_stage == "smoke-test"
    assert report.failure_message.startswith("deploy-staging failed at smoke-test")
    assert report.publication is not None
    assert report.publication.not_pushed == (
        f"ghcr.io/example/sample-service:{TIMESTAMPED}",
        "ghcr.io/example/sample-service:staging-latest",
    )
    assert "smoke" in report.publication.reason
    assert report.smoke is not None
    assert report.smoke.checks[0].error == "/health answered 500"


@pytest.mark.anyio
async def test_the_staging_tag_is_the_deployment_time_not_the_commit_time(
    recorder: Recorder,
) -> None:
    first = await staging(recorder, TOKEN)
    again = await workflows.deploy_staging(
        target(), TOKEN, scanner(recorder), skip_tests=False, started=STARTED.replace(hour=9)
    )
    assert first.tags[0] == TIMESTAMPED  # 2026-01-02 03:04:05, the commit is from 2025
    assert again.tags[0] == "staging-v0.1.0-20260102-090405-abc123d"  # one tag per deployment


@pytest.mark.anyio
async def test_findings_warn_in_staging_and_never_block(recorder: Recorder) -> None:
    recorder.findings = 3
    report = await staging(recorder, TOKEN)
    assert status(report)["scan"] == "warned"
    assert report.ok
    assert recorder.pushed == [[TIMESTAMPED], ["staging-latest"]]


@pytest.mark.anyio
async def test_failed_validation_publishes_nothing(recorder: Recorder) -> None:
    recorder.failing_checks = {"lint"}
    report = await staging(recorder, TOKEN)
    assert recorder.pushed == []
    assert status(report)["publish"] == "skipped"
    assert report.failed_stage == "lint"
    assert "E501" in report.stages[0].detail


@pytest.mark.anyio
async def test_failed_build_skips_the_image_stages(recorder: Recorder) -> None:
    recorder.build_fails = True
    report = await staging(recorder, TOKEN)
    assert "scan:start" not in recorder.events
    assert "smoke:start" not in recorder.events
    assert status(report)["scan"] == "skipped"
    assert status(report)["smoke-test"] == "skipped"
    assert report.failed_stage == "build"
    assert recorder.pushed == []


@pytest.mark.anyio
async def test_without_credentials_everything_but_the_push_runs(recorder: Recorder) -> None:
    report = await staging(recorder, NO_TOKEN)
    assert "smoke:end" in recorder.events
    assert "scan:end" in recorder.events
    assert recorder.pushed == []
    assert report.ok
    assert report.publication is not None
    assert report.publication.not_pushed == (
        f"ghcr.io/example/sample-service:{TIMESTAMPED}",
        "ghcr.io/example/sample-service:staging-latest",
    )
    assert "--registry-token" in report.publication.reason


@pytest.mark.anyio
async def test_skipped_tests_are_said_in_the_report(recorder: Recorder) -> None:
    report = await staging(recorder, NO_TOKEN, skip_tests=True)
    test_stage = next(s for s in report.stages if s.name == "test")
    assert test_stage.status == "skipped"
    assert "skip" in test_stage.detail
    assert ("test", test_stage.detail) in report.skipped


@pytest.mark.anyio
async def test_ci_publishes_production_tags_only_for_release(recorder: Recorder) -> None:
    report = await workflows.ci(target("refs/heads/release/1.0"), TOKEN, scanner(recorder))
    assert recorder.pushed == [["latest", "0.1.0", SHA]]
    assert report.ok
    assert "smoke:start" not in recorder.events

    recorder.pushed.clear()
    report = await workflows.ci(target("feature/login"), TOKEN, scanner(recorder))
    assert recorder.pushed == []
    assert status(report)["publish"] == "skipped"
    assert report.ok


@pytest.mark.anyio
async def test_ci_blocks_on_findings(recorder: Recorder) -> None:
    recorder.findings = 2
    report = await workflows.ci(target("release/1.0"), TOKEN, scanner(recorder))
    assert status(report)["scan"] == "failed"
    assert report.failed_stage == "scan"
    assert recorder.pushed == []


@pytest.mark.anyio
async def test_a_failed_run_fails_after_its_report(recorder: Recorder) -> None:
    recorder.smoke_passes = False
    report = await staging(recorder, NO_TOKEN)
    with pytest.raises(FunctionError) as caught:
        finished(report, fail=True)
    first, _, rest = str(caught.value).partition("\n")
    assert first.startswith("deploy-staging failed at smoke-test")
    assert "| smoke-test |" in rest or "smoke-test" in rest
    kept = finished(report, fail=False)
    assert not kept.ok
    assert kept.failed_stage == "smoke-test"


@pytest.mark.anyio
async def test_a_local_registry_is_pushed_to_through_localhost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine speaks plain HTTP only to localhost and binds that name to the service."""

    async def endpoint(_service: dagger.Service, **_: object) -> str:
        return "4bq1u8ffm1i0e:5000"

    async def read_revision(*_: object) -> Revision:
        return Revision(sha=SHA, committed_at=WHEN)

    monkeypatch.setattr(dagger.Service, "endpoint", endpoint)
    monkeypatch.setattr(workflows, "read_revision", read_revision)
    registry = dag.container().from_("registry:2").as_service()
    resolved = await workflows.resolve_target(service(), dag.directory(), None, "main", registry)
    assert str(resolved.repository) == "localhost:5000/example/sample-service"


@pytest.mark.anyio
async def test_a_version_without_a_tag_form_stops_before_any_stage(recorder: Recorder) -> None:
    epoch = replace(target(), service=replace(service(), version="1!2.0"))
    with pytest.raises(PipelineError, match="epoch"):
        await workflows.deploy_staging(
            epoch, TOKEN, scanner(recorder), skip_tests=False, started=STARTED
        )
    with pytest.raises(PipelineError, match="epoch"):
        await workflows.ci(epoch, TOKEN, scanner(recorder))
    assert recorder.events == []


@pytest.mark.anyio
async def test_ci_runs_the_full_test_suite_and_staging_the_fast_subset(
    recorder: Recorder,
) -> None:
    await staging(recorder, NO_TOKEN)
    await workflows.ci(target("feature/x"), NO_TOKEN, scanner(recorder))
    staging_tests, ci_tests = recorder.test_commands
    assert staging_tests == service().config.test  # the fast subset: not slow
    assert ci_tests == service().config.ci_test  # the seed's CI: unit and integration
    assert staging_tests != ci_tests


@pytest.mark.anyio
async def test_ci_uploads_the_scan_to_code_scanning_without_blocking(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads: list[dict[str, str]] = []

    async def upload_sarif(
        self: Scan, token: dagger.Secret, repository: str, commit_sha: str, ref: str
    ) -> str:
        del self, token
        uploads.append({"repository": repository, "commit_sha": commit_sha, "ref": ref})
        return "upload-7"

    monkeypatch.setattr(Scan, "upload_sarif", upload_sarif)
    scanning = workflows.CodeScanning(
        token=dag.set_secret("gh", "t0ken"), repository="acme/svc", ref="refs/heads/feature/x"
    )
    delivery = workflows.Delivery(code_scanning=scanning)
    report = await workflows.ci(target("feature/x"), delivery, scanner(recorder))
    assert uploads == [{"repository": "acme/svc", "commit_sha": SHA, "ref": "refs/heads/feature/x"}]
    stage = next(s for s in report.stages if s.name == "code-scanning")
    assert (stage.status, stage.blocking) == ("passed", False)
    assert "upload-7" in stage.detail

    async def refused(*_: object, **__: object) -> str:
        msg = "GitHub refused the SARIF upload (403)"
        raise PipelineError(msg)

    monkeypatch.setattr(Scan, "upload_sarif", refused)
    report = await workflows.ci(target("feature/x"), delivery, scanner(recorder))
    stage = next(s for s in report.stages if s.name == "code-scanning")
    assert (stage.status, stage.blocking) == ("failed", False)
    assert report.ok, "the Security tab is a view: its upload never fails the run"
