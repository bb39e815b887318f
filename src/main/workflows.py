"""DaggerStages: the stages of deploy-staging and ci, run on the Dagger engine.

The run's decisions live in ``main.core.run`` (what runs after what, what is
published, held back, deployed or rolled back, and what each outcome writes into the
report). This file is the adapter: each stage is the Dagger recipe of its family,
handed the settings read once for the run, answering with a core result. An engine
error becomes :class:`~main.core.run.StageError` with the line worth a report cell.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import dagger
from dagger import dag

from main import deploy as deploying
from main import keyless as keyless_signing
from main import load as loading
from main import provenance, smoke
from main._sdk import FunctionError
from main.build import build_service
from main.core.attest.attach import Attached, Attachment, attach
from main.core.attest.builder import this_module
from main.core.attest.dsse import SigningKey, load_private_key
from main.core.attest.statement import Builder
from main.core.config import PipelineConfig
from main.core.errors import PipelineError
from main.core.image import ImageRef, parse_image
from main.core.load.result import LoadResult
from main.core.publish import Published, registry_username
from main.core.registry.client import Registry
from main.core.registry.promotion import tags_or_none
from main.core.report.model import Report, ScanMode, StageResult
from main.core.revision import NO_HISTORY
from main.core.run import Deployed, Reach, Scanned, StageError, Target, Verify
from main.core.run.sections import last_line, scan_summary
from main.core.service import Service
from main.core.smoke.result import SmokeReport
from main.core.validate import CHECKS, CheckResult
from main.dependencies import Dependencies, read_dependencies
from main.post_deploy import run_post_deploy
from main.publish import local_repository, push_tags, with_credentials
from main.report import notify
from main.scan import Scan, read_ignore_file, run_scan, sbom_file
from main.source import read_revision
from main.validate import run_checks

if TYPE_CHECKING:
    from main.core.attest.keyless import Signed


@dataclass(frozen=True)
class CodeScanning:
    """Where ci sends its scan: GitHub code scanning of one repository, at one ref."""

    token: dagger.Secret
    repository: str
    ref: str


@dataclass(frozen=True)
class Delivery:
    """How a run may push and tell: credentials, a local registry, a webhook, a host key."""

    token: dagger.Secret | None = None
    username: str | None = None
    local_registry: dagger.Service | None = None
    webhook: dagger.Secret | None = None
    notify_kind: str = "slack"
    run_url: str = ""
    code_scanning: CodeScanning | None = None
    ssh_key: dagger.Secret | None = None
    signing_key: dagger.Secret | None = None
    keyless: keyless_signing.KeylessSigning | None = None  # --keyless: Sigstore, the job's token
    secrets: dagger.Secret | None = None  # a dotenv of the secret variables the settings name
    verify_key: dagger.File | None = None  # the public key deploy's provenance check uses
    skip_verify: bool = False  # deploy without the check verify-on-deploy asks for
    kubeconfig: dagger.Secret | None = None
    aws: deploying.AwsSecrets = field(default_factory=deploying.AwsSecrets)
    deploy_target: str = "compose-ssh"  # [tool.pipeline.deploy] target: which secret it needs

    @property
    def reach(self) -> Reach:
        """What these arguments let the run touch, as the flow reads it."""
        secrets = deploying.TargetSecrets(self.ssh_key, self.kubeconfig, self.aws)
        missing = secrets.problem(self.deploy_target)
        return Reach(
            can_push=self.token is not None or self.local_registry is not None,
            local_registry=self.local_registry is not None,
            can_deploy=not missing,
            deploy_missing=missing,
            code_scanning=self.code_scanning is not None,
            can_sign=self.signing_key is not None or self.keyless is not None,
            keyless=self.keyless is not None,
        )


def failure_text(exc: BaseException) -> str:
    """The line of an engine error worth a report cell: stderr's last line for an exec."""
    if isinstance(exc, dagger.ExecError):
        return last_line(exc.stderr) or last_line(exc.stdout) or f"exit code {exc.exit_code}"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def stage_errors() -> Iterator[None]:
    """Turn what the engine raises into one :class:`StageError` line (core errors pass)."""
    try:
        yield
    except (FunctionError, dagger.QueryError) as exc:
        raise StageError(failure_text(exc)) from None


async def resolve_target(
    service: Service,
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
    return Target(service, ref, revision, repository)


class DaggerStages:
    """Every stage of a run on the Dagger engine, for one target and one delivery."""

    def __init__(self, target: Target, tree: dagger.Directory, delivery: Delivery) -> None:
        """The service's tree at the target's commit, and how the run pushes and tells."""
        self.target, self.tree, self.delivery = target, tree, delivery
        self.config = target.service.config
        self.sbom_file: dagger.File | None = None  # the SBOM attested, exported beside the report
        self._dependencies: Dependencies | None = None

    @property
    def repository(self) -> ImageRef:
        """Where the image goes."""
        return self.target.repository

    async def validate(self, config: PipelineConfig, *, skip_tests: bool) -> Sequence[CheckResult]:
        """The checks of ``config``'s commands, concurrently, in containers."""
        return await run_checks(self.tree, config, CHECKS, skip_tests=skip_tests)

    async def build(self) -> dagger.Container:
        """The image, forced with ``sync`` so a failing build fails here."""
        with stage_errors():
            image = await build_service(self.tree, self.target.service, self.target.revision)
            return await image.sync()

    async def scan(self, image: dagger.Container, mode: ScanMode) -> Scanned[Scan]:
        """Trivy on the image's tarball under the service's scan settings."""
        now = datetime.now(UTC)
        with stage_errors():
            ignore = await read_ignore_file(self.tree, self.config.scan.trivyignore, now.date())
            result = await run_scan(
                image,
                mode=mode,
                severities=list(self.config.scan.severities),
                ignore_unfixed=self.config.scan.ignore_unfixed,
                ignore=ignore,
                scanned_at=now,
                db_repositories=list(self.config.scan.db_repositories),
                scanners=list(self.config.scan.scanners),
            )
        summary = scan_summary(
            mode,
            result.found.mapping(),
            result.counts.mapping(),
            blocked=result.blocked,
            reason=result.reason,
        )
        return Scanned(summary, result)

    async def upload_scan(self, scan: Scan) -> str:
        """The scan's SARIF to GitHub code scanning at the target's commit."""
        scanning = self.delivery.code_scanning
        if scanning is None:
            msg = "no --code-scanning-token given"
            raise StageError(msg)
        with stage_errors():
            return await scan.upload_sarif(
                scanning.token, scanning.repository, self.target.revision.sha, scanning.ref
            )

    async def dependencies(self) -> Dependencies:
        """The secret variables and helper services, read from ``--secrets`` once per run."""
        if self._dependencies is None:
            self._dependencies = await read_dependencies(self.config, self.delivery.secrets)
        return self._dependencies

    async def smoke(self, image: dagger.Container) -> SmokeReport:
        """The image as a service (its helpers bound), checked from a bound client container."""
        needs = await self.dependencies()
        with stage_errors():
            return await smoke.check_image(image, self.config, needs)

    async def push(self, image: dagger.Container, tags: Sequence[str]) -> Sequence[Published]:
        """Every tag at once, logged in for the image's registry host unless pushed locally."""
        delivery = self.delivery
        if delivery.token is not None and delivery.local_registry is None:
            username = registry_username(delivery.username, self.repository.host)
            image = with_credentials(image, self.repository, username, delivery.token)
        with stage_errors():
            return await push_tags(
                image, self.repository, list(tags), registry_service=delivery.local_registry
            )

    async def sbom(self, image: dagger.Container) -> bytes:
        """The pinned Trivy's CycloneDX SBOM of the image's tarball; kept for the export."""
        file = sbom_file(image)
        with stage_errors():
            contents = await file.contents()
        self.sbom_file = file
        return contents.encode()

    async def builder(self) -> Builder:
        """This module at its version, on the engine that runs it."""
        with stage_errors():
            engine = await dag.version()
        return this_module(engine)

    async def attach(self, attachment: Attachment) -> tuple[str, Sequence[Attached]]:
        """Sign both statements with the run's key and attach them to the pushed digest.

        From the module's own process, over the OCI API (``core.attest.attach``): the
        key and the registry token are read from their secrets only here.
        """
        delivery = self.delivery
        key: Signed | SigningKey
        if delivery.keyless is not None:
            statements = [attachment.provenance, attachment.sbom]
            with stage_errors():
                key = await keyless_signing.sign(delivery.keyless, statements)
        elif delivery.signing_key is None:
            msg = "no --signing-key given"
            raise StageError(msg)
        else:
            key = load_private_key((await delivery.signing_key.plaintext()).encode())
        with stage_errors():
            async with await self._registry() as client:
                return await attach(client, self.repository.repository, attachment, key)

    async def repository_tags(self) -> Sequence[str]:
        """The repository's tags over the OCI API, from this process (none for a new one)."""
        with stage_errors():
            async with await self._registry() as client:
                return await tags_or_none(client, self.repository.repository)

    async def _registry(self) -> Registry:
        """A client for where the run pushes; the token is read from its secret only here."""
        delivery = self.delivery
        base_url = self.repository.base_url
        if delivery.local_registry is not None:
            base_url = await delivery.local_registry.endpoint(scheme="http")
        token = await delivery.token.plaintext() if delivery.token is not None else None
        username = None
        if token is not None:
            username = registry_username(delivery.username, self.repository.host)
        return Registry(base_url, username, token)

    async def provenance(self, image: str) -> str:
        """The provenance check before the deploy (``main.provenance``), when asked for."""
        delivery = self.delivery
        access = deploying.RegistryAccess(delivery.token, delivery.username)
        checked = await provenance.before_deploy(
            self.config,
            self.tree,
            image,
            access,
            verify_key=delivery.verify_key,
            skip=delivery.skip_verify,
        )
        return checked.line

    async def deploy(self, image: str, *, by: str, verify: Verify | None) -> Deployed:
        """The image on the staging target (its secrets checked first), from this process."""
        request = deploying.Request(
            config=self.config,
            tree=self.tree,
            ssh_key=self.delivery.ssh_key,
            image=image,
            ref=self.target.revision.sha,
            by=by,
            verify=verify,
            kubeconfig=self.delivery.kubeconfig,
            aws=self.delivery.aws,
        )
        access = deploying.RegistryAccess(self.delivery.token, self.delivery.username)
        with stage_errors():
            result, moved = await deploying.execute(request, access)
        return Deployed(result, moved)

    async def post_deploy(self, url: str) -> CheckResult:
        """The service's post-deploy tests in the validation image against the live URL."""
        needs = await self.dependencies()
        with stage_errors():
            return await run_post_deploy(self.tree, self.config, url, needs)

    async def load(self, url: str) -> LoadResult:
        """The load generator's container against the live URL, judged by its settings."""
        with stage_errors():
            run = loading.plan(self.config, self.config.load, image=None, url=url)
            return await loading.read_result(run)

    async def notify(self, report: Report) -> StageResult:
        """The report to the webhook, when one was given."""
        delivery = self.delivery
        return await notify(report, delivery.webhook, delivery.notify_kind, link=delivery.run_url)
