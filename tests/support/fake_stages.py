"""A fake :class:`~main.core.run.stages.Stages`: every stage answers as a test says.

The run's decisions (what runs after what, what is published, held back, deployed or
rolled back, what each outcome writes into the report) are in ``main.core.run``; this
fake stands where the Dagger shell's ``DaggerStages`` stands, so every branch of the
flow runs for real without an engine. It records what the flow asked, in order.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import anyio

from main.core.attest import Attached, Attachment, Builder
from main.core.config import PipelineConfig
from main.core.deploy.result import DeployReport, Outcome
from main.core.errors import PipelineError
from main.core.image import parse_image
from main.core.load.result import KindStats, LoadResult
from main.core.publish import Published
from main.core.report.model import Report, ScanMode, ScanSummary, StageResult
from main.core.revision import Revision
from main.core.run import Deployed, Reach, Scanned, StageError, Target, Verify
from main.core.service import load_service
from main.core.smoke.result import SmokeReport
from main.core.smoke.result import failed as failed_check
from main.core.smoke.result import passed as passed_check
from main.core.validate import CheckResult
from tests.support.constants import REPO_ROOT, SHA

DIGEST = "sha256:" + "1" * 64
PREVIOUS = "ghcr.io/example/sample-service@sha256:" + "0" * 64
IMAGE = "the-image"
BUILDER_MODULE = "https://github.com/OWNER/pipeline"
PROVENANCE_ARTIFACT = "sha256:" + "a" * 64
SBOM_ARTIFACT = "sha256:" + "b" * 64
CHECKS = ("lint", "typecheck", "test", "lint-containerfile")


@dataclass
class FakeStages:
    """Stages that answer from these fields and record every call in ``calls``."""

    calls: list[str] = field(default_factory=list)
    failing_checks: set[str] = field(default_factory=set)
    build_error: str = ""
    findings: int = 0
    scan_error: str = ""
    smoke_passes: bool = True
    smoke_error: str = ""
    push_errors: dict[str, str] = field(default_factory=dict)  # tag -> why it is refused
    pushed: list[list[str]] = field(default_factory=list)
    in_registry: list[str] = field(default_factory=list)  # already in the registry
    in_registry_error: str = ""
    upload_error: str = ""
    deploy_outcome: Outcome = "deployed"
    deploy_error: str = ""
    staging_latest: str = ""
    load_breach: str = ""
    post_deploy_fails: bool = False
    post_deploy_error: str = ""
    load_error: str = ""
    notify_error: str = ""
    test_commands: list[list[str]] = field(default_factory=list)
    deploys: list[tuple[str, str, bool]] = field(default_factory=list)  # image, by, verified
    provenance_line: str = ""  # what the check before the deploy says ("": none asked for)
    provenance_error: str = ""  # its refusal
    sbom_packages: int = 2
    sbom_bytes: bytes = b""  # what Trivy "wrote" instead of a CycloneDX BOM of sbom_packages
    attach_error: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    # Stages that wait until their partner (validate/build, scan/smoke) has started too.
    together: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        """The events a rendezvous uses: each side sets its own, then waits for the other."""
        self._started: dict[str, anyio.Event] = {}

    async def _meet(self, mine: str, other: str) -> None:
        """Proof of concurrency: returns only once ``other`` has started too."""
        if mine not in self.together:
            return
        self._started.setdefault(mine, anyio.Event()).set()
        with anyio.fail_after(10):  # a deadlock guard, not a timing assertion
            await self._started.setdefault(other, anyio.Event()).wait()

    async def validate(self, config: PipelineConfig, *, skip_tests: bool) -> Sequence[CheckResult]:
        """The four checks; ``failing_checks`` fail, tests skip on request."""
        self.calls.append("validate")
        self.test_commands.append(list(config.validation.test))
        await self._meet("validate", "build")
        results = []
        for name in CHECKS:
            if name == "test" and skip_tests:
                results.append(CheckResult(name, "skipped", 0.0, "", ()))
            elif name in self.failing_checks:
                results.append(CheckResult(name, "failed", 1.0, "E501 line too long\n", ("x",)))
            else:
                results.append(CheckResult(name, "passed", 1.0, "ok", ("x",)))
        return results

    async def build(self) -> str:
        """The image (a name), or ``build_error``."""
        self.calls.append("build")
        await self._meet("build", "validate")
        if self.build_error:
            raise StageError(self.build_error)
        return IMAGE

    async def scan(self, image: str, mode: ScanMode) -> Scanned[str]:
        """``findings`` HIGH findings, judged in ``mode``; or ``scan_error``."""
        self.calls.append(f"scan {mode} {image}")
        await self._meet("scan", "smoke")
        if self.scan_error:
            raise StageError(self.scan_error)
        counts = {"CRITICAL": 0, "HIGH": self.findings, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}
        summary = ScanSummary(
            mode=mode,
            found=counts,
            counted=counts,
            blocked=mode == "block" and self.findings > 0,
            reason=f"{self.findings} finding(s)",
        )
        return Scanned(summary, f"scan-of-{image}")

    async def upload_scan(self, scan: str) -> str:
        """An upload id, or ``upload_error``."""
        self.calls.append(f"upload {scan}")
        if self.upload_error:
            raise StageError(self.upload_error)
        return "upload-7"

    async def smoke(self, image: str) -> SmokeReport:
        """One health check, passing or not; or ``smoke_error``."""
        self.calls.append(f"smoke {image}")
        await self._meet("smoke", "scan")
        if self.smoke_error:
            raise StageError(self.smoke_error)
        check = (
            passed_check("health", 3.0)
            if self.smoke_passes
            else failed_check("health", 3.0, "/health answered 500")
        )
        return SmokeReport(target="http://app:8000", checks=(check,), startup_seconds=1.5)

    async def push(self, image: str, tags: Sequence[str]) -> Sequence[Published]:
        """Every tag at one digest, unless a tag is in ``push_errors``."""
        self.calls.append(f"push {image} {','.join(tags)}")
        for tag in tags:
            if tag in self.push_errors:
                raise StageError(self.push_errors[tag])
        self.pushed.append(list(tags))
        return [Published("ghcr.io/example/sample-service", tag, DIGEST) for tag in tags]

    async def repository_tags(self) -> Sequence[str]:
        """``in_registry``, or ``in_registry_error``."""
        self.calls.append("repository tags")
        if self.in_registry_error:
            raise StageError(self.in_registry_error)
        return self.in_registry

    async def provenance(self, image: str) -> str:
        """``provenance_line``, or the refusal ``provenance_error``."""
        self.calls.append(f"provenance {image}")
        if self.provenance_error:
            raise PipelineError(self.provenance_error)
        return self.provenance_line

    async def deploy(self, image: str, *, by: str, verify: Verify | None) -> Deployed:
        """``deploy_outcome`` (running ``verify`` first when given), or ``deploy_error``."""
        self.calls.append(f"deploy {image}")
        if self.deploy_error:
            raise StageError(self.deploy_error)
        outcome, error = self.deploy_outcome, ""
        if outcome == "deployed" and verify is not None:
            try:  # as the orchestration does: a check that cannot run has not passed
                error = await verify()
            except PipelineError as exc:
                error = f"the check after the live smoke test could not run: {exc}"
            outcome = "rolled-back" if error else outcome
        elif outcome != "deployed":
            error = "live smoke test failed: health"
        self.deploys.append((image, by, verify is not None))
        result = DeployReport(
            outcome=outcome,
            target="deploy@stg.example:22, compose project sample",
            url="https://stg.example",
            image=image,
            previous=PREVIOUS,
            running=PREVIOUS if outcome == "rolled-back" else image,
            error=error,
        )
        return Deployed(result, self.staging_latest if outcome == "rolled-back" else "")

    async def load(self, url: str) -> LoadResult:
        """A judged result, breached by ``load_breach``; or ``load_error``."""
        self.calls.append(f"load {url}")
        if self.load_error:
            raise StageError(self.load_error)
        total = KindStats(count=100, failures=0, rps=50.0)
        result = LoadResult(
            target=url, users=2, duration_s=2.0, requests={"health": total}, total=total
        )
        return result.with_breaches([self.load_breach] if self.load_breach else [])

    async def post_deploy(self, url: str) -> CheckResult:
        """The post-deploy tests against ``url``: passing, failing, or ``post_deploy_error``."""
        self.calls.append(f"post-deploy {url}")
        if self.post_deploy_error:
            raise StageError(self.post_deploy_error)
        if self.post_deploy_fails:
            failure = "FAILED tests/staging/test_api.py::test_key - 401"
            output = f"$ pytest -q tests/staging  (exit 1)\n{failure}"
            return CheckResult(
                "post-deploy-test", "failed", 2.0, output, ("pytest -q tests/staging",)
            )
        return CheckResult(
            "post-deploy-test", "passed", 2.0, "1 passed", ("pytest -q tests/staging",)
        )

    async def sbom(self, image: str) -> bytes:
        """A CycloneDX BOM of ``sbom_packages`` libraries (or ``sbom_bytes``)."""
        self.calls.append(f"sbom {image}")
        return self.sbom_bytes or cyclonedx(self.sbom_packages)

    async def builder(self) -> Builder:
        """This module at a made-up version on the engine the module pins."""
        return Builder(BUILDER_MODULE, "9.9.9", "v0.21.11")

    async def attach(self, attachment: Attachment) -> tuple[str, Sequence[Attached]]:
        """Keep the attachment; two artifacts, signed; or ``attach_error``."""
        self.calls.append(f"attach {attachment.digest}")
        if self.attach_error:
            raise StageError(self.attach_error)
        self.attachments.append(attachment)
        written = [
            Attached(
                "provenance", "https://slsa.dev/provenance/v1", PROVENANCE_ARTIFACT, signed=True
            ),
            Attached("sbom", "https://cyclonedx.org/bom", SBOM_ARTIFACT, signed=True),
        ]
        return "fallback tag", written

    async def notify(self, report: Report) -> StageResult:
        """A sent notification, or ``notify_error``."""
        self.calls.append(f"notify {report.workflow}")
        if self.notify_error:
            raise StageError(self.notify_error)
        return StageResult("notify", "passed", 0.0, "slack: sent", blocking=False)


# --- what a run works on ------------------------------------------------------------------

SAMPLE = REPO_ROOT / "tests" / "fixtures" / "sample-service" / "pyproject.toml"
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1ZlHtnGexpTmFgmk2RZZ3EDP6W5ZHQ8dPQx1rZp7Pb"
DEPLOY_TABLE = f"""
[tool.pipeline.deploy]
host = "stg.example"
host-key = "{HOST_KEY}"
url = "https://stg.example"
service = "app"
"""
LOAD_TABLE = """
[tool.pipeline.load]
enabled = true
on-breach = "{on_breach}"
"""
COMMITTED = datetime(2025, 10, 15, 14, 30, 52, tzinfo=UTC)
# The run starts long after the commit: the staging tag names the deployment, not the commit.
STARTED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
TIMESTAMPED = "staging-v0.1.0-20260102-030405-abc123d"
CAN_PUSH = Reach(can_push=True)
DEPLOYS = Reach(can_push=True, can_deploy=True)


def cyclonedx(packages: int) -> bytes:
    """A CycloneDX BOM as Trivy writes it: an OS component and ``packages`` libraries."""
    libraries = [{"type": "library", "name": f"lib{n}", "version": "1.0"} for n in range(packages)]
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [{"type": "operating-system", "name": "debian"}, *libraries],
    }
    return json.dumps(document).encode()


def target(  # noqa: PLR0913 - each keyword is one variation of the sample
    ref: str = "develop",
    *,
    deploy: bool = False,
    load: str = "",
    image: str = "",
    settings: str = "",
    validate: str = "",
) -> Target:
    """The sample service at commit SHA; ``deploy`` adds a host, ``load`` an on-breach.

    ``image`` replaces the configured image repository (no ghcr.io: no source URL);
    ``settings`` are lines added to its ``[tool.pipeline]`` table, ``validate`` lines
    added to its ``[tool.pipeline.validate]`` table (which the sample already has).
    """
    text = SAMPLE.read_text(encoding="utf-8")
    if settings:
        text = text.replace("[tool.pipeline]\n", f"[tool.pipeline]\n{settings}\n", 1)
    if validate:
        family = "[tool.pipeline.validate]\n"
        text = text.replace(family, f"{family}{validate}\n", 1)
    if image:
        text = text.replace('"ghcr.io/example/sample-service"', f'"{image}"')
    if deploy:
        text += DEPLOY_TABLE
    if load:
        text += LOAD_TABLE.format(on_breach=load)
    service = load_service(text)
    return Target(
        service=service,
        ref=ref,
        revision=Revision(sha=SHA, committed_at=COMMITTED),
        repository=parse_image(image or "ghcr.io/example/sample-service"),
    )


def status(report: Report) -> dict[str, str]:
    """Each stage's status by name."""
    return {stage.name: stage.status for stage in report.stages}


def row(report: Report, name: str) -> StageResult:
    """The report's one stage called ``name``."""
    (found,) = [stage for stage in report.stages if stage.name == name]
    return found
