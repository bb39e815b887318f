"""The stages a run calls, as one small interface: what the flow needs from an engine.

The flow (``flow.py``) decides what runs after what and what each outcome means; it
never builds a container. Whatever runs the stages (the Dagger shell's ``DaggerStages``,
or a fake in the tests) implements :class:`Stages` and answers with core results. A
stage that could not reach its own verdict (a failed exec, a refused push, an engine
error) raises :class:`StageError` with one line; a verdict (findings, a failed smoke
check, a load breach) is a result, never an exception.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from main.core.attest.attach import Attached, Attachment
from main.core.attest.statement import Builder
from main.core.config import PipelineConfig
from main.core.deploy.result import DeployReport
from main.core.errors import PipelineError
from main.core.load.result import LoadResult
from main.core.publish import Published
from main.core.report.model import Report, ScanMode, ScanSummary, StageResult
from main.core.smoke.result import SmokeReport
from main.core.validate import CheckResult

Image = TypeVar("Image")
ScanHandle = TypeVar("ScanHandle")

# The deploy's extra check after its live smoke test: why the new image fails it, or empty.
Verify = Callable[[], Awaitable[str]]


class StageError(PipelineError):
    """A stage that could not run to its own verdict, said in one line for its report cell."""


@dataclass(frozen=True, slots=True)
class Scanned(Generic[ScanHandle]):
    """A finished scan: the report's section, and the handle a code-scanning upload sends."""

    summary: ScanSummary
    handle: ScanHandle


@dataclass(frozen=True, slots=True)
class Deployed:
    """A finished deployment, and what happened to ``staging-latest`` after a rollback."""

    result: DeployReport
    staging_latest: str = ""


@dataclass(frozen=True, slots=True)
class Reach:
    """What a run may touch outside its engine, as the caller's arguments allow."""

    can_push: bool = False  # a registry token, or a local registry
    local_registry: bool = False  # pushes go to a registry only this machine reaches
    can_deploy: bool = False  # the deploy target's credential was given (an SSH key, ...)
    deploy_missing: str = ""  # when it was not: the line naming the argument to pass
    code_scanning: bool = False  # the scan goes to GitHub code scanning too
    can_sign: bool = False  # a signing key: pushed digests get a signed SBOM and provenance
    keyless: bool = False  # signed through Sigstore with the CI job's identity, not a key


class Stages(Protocol[Image, ScanHandle]):
    """Every stage a deploy-staging or ci run can call, each answering with a core result."""

    async def validate(self, config: PipelineConfig, *, skip_tests: bool) -> Sequence[CheckResult]:
        """Every validation check of ``config``'s commands, in order; a failure is a result."""
        ...

    async def build(self) -> Image:
        """The service's image, built to the end (a failing build raises here)."""
        ...

    async def scan(self, image: Image, mode: ScanMode) -> Scanned[ScanHandle]:
        """The image's scan under the service's policy, judged in ``mode``."""
        ...

    async def upload_scan(self, scan: ScanHandle) -> str:
        """Send a scan to GitHub code scanning; the upload's id."""
        ...

    async def smoke(self, image: Image) -> SmokeReport:
        """The image run as a service and smoke-tested; a failing check is a result."""
        ...

    async def push(self, image: Image, tags: Sequence[str]) -> Sequence[Published]:
        """Push ``image`` under every tag at once."""
        ...

    async def repository_tags(self) -> Sequence[str]:
        """Every tag already in the image's repository (none for a new repository)."""
        ...

    async def sbom(self, image: Image) -> bytes:
        """The image's SBOM as CycloneDX JSON, as the pinned Trivy writes it."""
        ...

    async def builder(self) -> Builder:
        """Who builds: this module at its version, on which engine version."""
        ...

    async def attach(self, attachment: Attachment) -> tuple[str, Sequence[Attached]]:
        """Sign (with the run's key) and attach both statements to the pushed digest.

        Returns how they are found (referrers API or fallback tag) and what was written.
        """
        ...

    async def provenance(self, image: str) -> str:
        """Check ``image``'s provenance before its deploy, when the settings ask for it.

        Returns the line for the report ("" when no check is asked for); raises
        ``PipelineError`` (``deploy refused: ...``) before the host is reached.
        """
        ...

    async def deploy(self, image: str, *, by: str, verify: Verify | None) -> Deployed:
        """Put ``image`` (``repository@digest``) on the staging host, rolling back on failure.

        Raises:
            StageError: refused before anything on the host changed.
        """
        ...

    async def post_deploy(self, url: str) -> CheckResult:
        """The service's post-deploy tests against the live ``url``; a failing test is a result.

        Raises:
            StageError: the tests could not run (their environment did not build).
        """
        ...

    async def load(self, url: str) -> LoadResult:
        """A load test of a live URL, judged against the service's limits."""
        ...

    async def notify(self, report: Report) -> StageResult:
        """Tell the chat about ``report``; the ``notify`` stage (never blocking)."""
        ...
