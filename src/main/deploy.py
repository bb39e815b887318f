"""Deploy recipes: a published image onto the staging host, smoked live, rolled back by itself.

No container is involved. The module's own process connects over SSH (asyncssh, the
key read from its ``dagger.Secret`` into memory only), runs Compose on the host and the
same smoke checker against the public URL, all through ``main.core.deploy``. This file
resolves the image to a digest, reads the Compose file from the service's tree, moves
``staging-latest`` back after a rollback, and turns the outcome into Dagger objects.
"""

import asyncio
import dataclasses
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Self

import dagger
from dagger import Doc, field, object_type

from main._sdk import function
from main.core.errors import PipelineError
from main.core.lazy import lazy_import
from main.smoke import SmokeResult, smoke_result

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from contextlib import AbstractAsyncContextManager

    from main import registry as registry_family
    from main.core import deploy as deploying
    from main.core import image as images
    from main.core import registry as oci
    from main.core.config import PipelineConfig
    from main.core.deploy import reach as deploy_reach
    from main.core.deploy import result as deploy_results
    from main.core.deploy.settings import DeploySettings
    from main.core.report import markdown as report_markdown
    from main.core.run import sections
    from main.core.smoke import checks as smoke_checks
else:
    # asyncssh and the registry client load when a deploy runs, not with the module.
    deploying = lazy_import("main.core.deploy")
    deploy_reach = lazy_import("main.core.deploy.reach")
    deploy_results = lazy_import("main.core.deploy.result")
    images = lazy_import("main.core.image")
    oci = lazy_import("main.core.registry")
    registry_family = lazy_import("main.registry")
    report_markdown = lazy_import("main.core.report.markdown")
    smoke_checks = lazy_import("main.core.smoke.checks")
    sections = lazy_import("main.core.run.sections")

NO_HOST = (
    "deploy needs a staging host: add a [tool.pipeline.deploy] table (host, host-key, url, "
    "service) to the service's pyproject.toml"
)
DIGEST_MARK = "@sha256:"


@object_type
class DeployStep:
    """One timed step of a deployment: connect, lock, upload, pull, up, ready, smoke, ..."""

    name: Annotated[str, Doc("Step name")] = field()
    seconds: Annotated[float, Doc("How long it took")] = field()
    ok: Annotated[bool, Doc("Whether it succeeded")] = field()
    detail: Annotated[str, Doc("What it saw, or why it failed")] = field(default="")


@object_type
class DeployResult:
    """What a deployment did, and what the staging host runs now."""

    passed: Annotated[bool, Doc("Deployed and healthy")] = field()
    outcome: Annotated[str, Doc("deployed, rolled-back or failed")] = field()
    summary: Annotated[str, Doc("One line: what happened and what runs now")] = field()
    target: Annotated[str, Doc("The host and Compose project")] = field()
    url: Annotated[str, Doc("The public URL that was smoke-tested")] = field()
    image: Annotated[str, Doc("The image deployed, by digest")] = field()
    running: Annotated[str, Doc("What runs now, by digest; empty: nothing or unknown")] = field(
        default=""
    )
    previous: Annotated[str, Doc("What ran before, by digest")] = field(default="")
    rolled_back: Annotated[bool, Doc("Whether the previous image was brought back")] = field(
        default=False
    )
    staging_latest: Annotated[str, Doc("What happened to the staging-latest tag")] = field(
        default=""
    )
    steps: Annotated[list[DeployStep], Doc("Every step, in order, timed")] = field(default=list)
    smoke: Annotated[SmokeResult | None, Doc("The live smoke test of the new image")] = field(
        default=None
    )
    rollback_smoke: Annotated[SmokeResult | None, Doc("The live smoke test after the rollback")] = (
        field(default=None)
    )
    logs: Annotated[str, Doc("The failed container's last lines")] = field(default="")
    report: Annotated[str, Doc("The whole result as JSON")] = field(default="")

    @classmethod
    def of(cls, result: "deploy_results.DeployResult", staging_latest: str = "") -> Self:
        """The Dagger object for a finished deployment."""
        return cls(  # type: ignore[call-arg]
            passed=result.passed,
            outcome=result.outcome,
            summary=result.summary(),
            target=result.target,
            url=result.url,
            image=result.image,
            running=result.running or "",
            previous=result.previous or "",
            rolled_back=result.outcome == "rolled-back",
            staging_latest=staging_latest,
            steps=[
                DeployStep(name=s.name, seconds=round(s.seconds, 3), ok=s.ok, detail=s.detail)  # type: ignore[call-arg]
                for s in result.steps
            ],
            smoke=None if result.smoke is None else smoke_result(result.smoke),
            rollback_smoke=None
            if result.rollback_smoke is None
            else smoke_result(result.rollback_smoke),
            logs=result.logs,
            report=result.to_json(),
        )

    @function
    def markdown(self) -> str:
        """The result as Markdown, for $GITHUB_STEP_SUMMARY."""
        result = deploy_results.DeployResult.from_json(self.report)
        lines = report_markdown.deploy_section(sections.deploy_summary(result))
        return "\n".join(lines).strip() + "\n"


@dataclass(frozen=True)
class RegistryAccess:
    """How to read the image's registry (to resolve a tag) and move staging-latest back."""

    token: dagger.Secret | None = None
    username: str | None = None
    api: str = ""

    def client(
        self, config: "PipelineConfig"
    ) -> "AbstractAsyncContextManager[tuple[oci.Registry, images.ImageRef, str | None]]":
        """A client for the service's image repository, as the registry family opens one."""
        return registry_family.connected(config.image or "", self.api, self.username, self.token)


def deploy_settings(config: "PipelineConfig") -> "DeploySettings":
    """The configured host, or one line saying how to configure one."""
    if config.deploy is None:
        raise PipelineError(NO_HOST)
    if not isinstance(config.deploy, deploying.DeploySettings):
        target = config.deploy.target
        msg = (
            f"[tool.pipeline.deploy] target = {target!r}: the deploy function drives Compose "
            f"over SSH only so far; deploy with `python -m main.core.deploy --target {target}`"
        )
        raise PipelineError(msg)
    return config.deploy


async def compose_text(tree: dagger.Directory, settings: "DeploySettings") -> str:
    """The service's Compose file, read from its tree; a missing one is named."""
    if not await tree.exists(settings.compose_file):
        msg = (
            f"the Compose file {settings.compose_file} is not in the service repository "
            "(compose-file in [tool.pipeline.deploy])"
        )
        raise PipelineError(msg)
    return await tree.file(settings.compose_file).contents()


async def resolve(config: "PipelineConfig", image: str, access: RegistryAccess) -> tuple[str, str]:
    """``(repository@digest, tag)`` for a tag of the service's image, or a digest reference."""
    if DIGEST_MARK in image:
        return image, ""
    if "/" in image or ":" in image:
        msg = (
            f"--image {image!r}: give a tag of {config.image or 'the service image'} "
            "(e.g. staging-latest) or a full REPOSITORY@sha256:... reference"
        )
        raise PipelineError(msg)
    async with access.client(config) as (client, repository, _):
        digest = await client.digest(repository.repository, image)
    return f"{repository}@{digest}", image


def _tag_move(result: "deploy_results.DeployResult") -> tuple[str, str] | None:
    """``(to, replacing)`` digests when staging-latest should follow what runs now."""
    if result.rollback and result.passed and result.previous:
        return result.image, result.previous  # by hand: the tag follows the rollback
    if result.outcome == "rolled-back" and result.running and result.running == result.previous:
        return result.running, result.image  # automatic: away from the failed image
    return None


async def _restore_tag(
    config: "PipelineConfig", result: "deploy_results.DeployResult", access: RegistryAccess
) -> str:
    """After a rollback: point staging-latest at what runs now, if it names the other image."""
    move = _tag_move(result)
    if move is None:
        return ""
    to, replacing = (ref.split("@", 1)[1] for ref in move)
    try:
        async with access.client(config) as (client, repository, _):
            moved = await oci.restore_staging_latest(
                client, repository.repository, to, replacing=replacing
            )
    except PipelineError as exc:
        return f"staging-latest was not moved ({exc}): run `registry rollback`"
    if moved is None:
        return f"staging-latest does not name {replacing}: left as it is"
    return f"staging-latest moved to {to}"


@dataclass(frozen=True)
class Request:
    """One deploy call: what to deploy (or roll back), with which key, on whose behalf."""

    config: "PipelineConfig"
    tree: dagger.Directory
    ssh_key: dagger.Secret
    image: str = "staging-latest"
    rollback: bool = False
    ref: str = ""
    by: str = "dagger"
    verify: "Callable[[], Awaitable[str]] | None" = None  # after the live smoke test
    # Where SSH leaves from: the engine's runtime container (loopback is itself there),
    # or, for this module's own tests that run the function in-process, this machine.
    from_engine: bool = dataclasses.field(
        default_factory=lambda: deploy_reach.in_module_runtime(os.environ)
    )


async def execute(
    request: Request, access: RegistryAccess
) -> tuple["deploy_results.DeployResult", str]:
    """Deploy or roll back; the result and what happened to staging-latest.

    Raises:
        PipelineError: refused before anything on the host changed (no host configured,
            no Compose file, unreachable host, unknown host key, refused key, lock held).
    """
    config = request.config
    settings = deploy_settings(config)
    if request.from_engine:  # SSH leaves from the runtime container: loopback is itself
        problem = deploy_reach.engine_host_problem(settings.host)
        if problem:
            raise PipelineError(problem)
    compose = await compose_text(request.tree, settings)  # before the key is read at all
    target = deploying.ComposeOverSsh(
        deploying.SshEndpoint(
            host=settings.host,
            user=settings.user,
            port=settings.port,
            host_keys=settings.host_key,
            private_key=await request.ssh_key.plaintext(),
        ),
        deploying.ComposeProject(
            settings.remote_directory, settings.project_name, settings.service
        ),
        compose,
    )
    spec = config.smoke_spec(settings.url)
    plan = deploying.Plan(
        url=settings.url,
        smoke=lambda: asyncio.to_thread(smoke_checks.run_smoke, spec),
        by=request.by,
        timeout=settings.timeout,
        lock_timeout=settings.lock_timeout,
        stability=settings.stability_window,
        verify=request.verify,
    )
    if request.rollback:
        result = await deploying.roll_back(target, plan)
    else:
        image, tag = await resolve(config, request.image, access)
        release = deploying.Release(image, tag or request.image, request.ref)
        result = await deploying.deploy(target, release, plan)
    moved = await _restore_tag(config, result, access) if config.image else ""
    return result, moved


async def run(request: Request, access: RegistryAccess) -> DeployResult:
    """:func:`execute`, as the Dagger object ``deploy`` returns."""
    result, moved = await execute(request, access)
    return DeployResult.of(result, moved)
