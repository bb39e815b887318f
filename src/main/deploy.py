"""Deploy recipes: a published image onto the staging target, smoked live, rolled back by itself.

No container is involved. The module's own process reaches the target configured in
``[tool.pipeline.deploy]`` (Compose over SSH, a Kubernetes Deployment, an ECS service),
its credentials read from their ``dagger.Secret`` into memory only, and runs the same
smoke checker against the public URL, all through ``main.core.deploy`` (the target is
built by ``main.core.deploy.targets``, as the command-line seams build theirs). This
file resolves the image to a digest, reads the Compose file from the service's tree,
moves ``staging-latest`` back after a rollback, and turns the outcome into Dagger
objects.
"""

import asyncio
import dataclasses
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Self

import dagger
from dagger import Doc, field, object_type

from main._sdk import function
from main.core.deploy.ecs.keys import AwsKeys
from main.core.errors import PipelineError
from main.core.lazy import lazy_import
from main.smoke import SmokeResult

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
    from main.core.deploy import targets as deploy_targets
    from main.core.deploy.settings import DeploySettings
    from main.core.deploy.target_settings import AnyDeploySettings
    from main.core.report import markdown as report_markdown
    from main.core.run import sections
    from main.core.smoke import checks as smoke_checks
else:
    # asyncssh and the registry client load when a deploy runs, not with the module.
    deploying = lazy_import("main.core.deploy")
    deploy_reach = lazy_import("main.core.deploy.reach")
    deploy_results = lazy_import("main.core.deploy.result")
    deploy_targets = lazy_import("main.core.deploy.targets")
    images = lazy_import("main.core.image")
    oci = lazy_import("main.core.registry")
    registry_family = lazy_import("main.registry")
    report_markdown = lazy_import("main.core.report.markdown")
    smoke_checks = lazy_import("main.core.smoke.checks")
    sections = lazy_import("main.core.run.sections")

KubeconfigArg = Annotated[
    dagger.Secret | None,
    Doc(
        "Kubernetes: the kubeconfig (server, CA, token or client certificate), as a secret: "
        "file://~/.kube/config or env://KUBECONFIG_DATA"
    ),
]
AwsKeyIdArg = Annotated[
    dagger.Secret | None,
    Doc("ECS: AWS access key id, as a secret: env://AWS_ACCESS_KEY_ID (none: the runner's role)"),
]
AwsSecretKeyArg = Annotated[
    dagger.Secret | None,
    Doc("ECS: AWS secret access key, as a secret: env://AWS_SECRET_ACCESS_KEY"),
]
AwsTokenArg = Annotated[
    dagger.Secret | None,
    Doc("ECS: AWS session token of temporary keys, as a secret: env://AWS_SESSION_TOKEN"),
]
NO_HOST = (
    "deploy needs a staging host: add a [tool.pipeline.deploy] table to the service's "
    'pyproject.toml (Compose over SSH: host, host-key, url, service; target = "kubernetes": '
    'url, deployment, container; target = "ecs": url, region, cluster, service, container)'
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
    target: Annotated[
        str,
        Doc(
            "Where it deployed: the host and Compose project, the cluster's namespace/"
            "Deployment and container, or the ECS cluster, service and container"
        ),
    ] = field()
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
    def of(cls, result: "deploy_results.DeployReport", staging_latest: str = "") -> Self:
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
            smoke=None if result.smoke is None else SmokeResult.of(result.smoke),
            rollback_smoke=None
            if result.rollback_smoke is None
            else SmokeResult.of(result.rollback_smoke),
            logs=result.logs,
            report=result.to_json(),
        )

    @function
    def markdown(self) -> str:
        """The result as Markdown, for $GITHUB_STEP_SUMMARY."""
        result = deploy_results.DeployReport.from_json(self.report)
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


def deploy_settings(config: "PipelineConfig") -> "AnyDeploySettings":
    """The configured target, or one line saying how to configure one."""
    if config.deploy is None:
        raise PipelineError(NO_HOST)
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


def tag_move(result: "deploy_results.DeployReport") -> tuple[str, str] | None:
    """``(to, replacing)`` digests when staging-latest should follow what runs now."""
    if result.rollback and result.passed and result.previous:
        return result.image, result.previous  # by hand: the tag follows the rollback
    if result.outcome == "rolled-back" and result.running and result.running == result.previous:
        return result.running, result.image  # automatic: away from the failed image
    return None


async def _restore_tag(
    config: "PipelineConfig", result: "deploy_results.DeployReport", access: RegistryAccess
) -> str:
    """After a rollback: point staging-latest at what runs now, if it names the other image."""
    move = tag_move(result)
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
class AwsSecrets:
    """AWS keys for an ECS target, as secrets; none at all: the runner's role or environment."""

    access_key_id: dagger.Secret | None = None
    secret_access_key: dagger.Secret | None = None
    session_token: dagger.Secret | None = None

    def given(self) -> set[str]:
        """The arguments given, as the CLI spells them (``aws-access-key-id``, ...)."""
        named = {
            "aws-access-key-id": self.access_key_id,
            "aws-secret-access-key": self.secret_access_key,
            "aws-session-token": self.session_token,
        }
        return {name for name, secret in named.items() if secret is not None}

    async def read(self) -> AwsKeys | None:
        """The keys in memory (None: none given); call once they were checked as a pair."""
        if self.access_key_id is None or self.secret_access_key is None:
            return None
        token = "" if self.session_token is None else await self.session_token.plaintext()
        return AwsKeys(
            await self.access_key_id.plaintext(),
            await self.secret_access_key.plaintext(),
            token,
        )


@dataclass(frozen=True)
class Request:
    """One deploy call: what to deploy (or roll back), with which secrets, on whose behalf.

    Each target reads only its own secret: the SSH key (Compose over SSH), the
    kubeconfig (Kubernetes) or the AWS keys (ECS, optional).
    """

    config: "PipelineConfig"
    tree: dagger.Directory
    ssh_key: dagger.Secret | None = None
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
    kubeconfig: dagger.Secret | None = None
    aws: AwsSecrets = dataclasses.field(default_factory=AwsSecrets)

    @property
    def secrets(self) -> "TargetSecrets":
        """Every target's secrets given to this call."""
        return TargetSecrets(self.ssh_key, self.kubeconfig, self.aws)


@dataclass(frozen=True)
class TargetSecrets:
    """The credentials of every target a call may have been given, as secrets."""

    ssh_key: dagger.Secret | None = None
    kubeconfig: dagger.Secret | None = None
    aws: AwsSecrets = dataclasses.field(default_factory=AwsSecrets)

    def given(self) -> set[str]:
        """The credential arguments given, as the CLI spells them."""
        named = {"ssh-key": self.ssh_key, "kubeconfig": self.kubeconfig}
        return {n for n, secret in named.items() if secret is not None} | self.aws.given()

    def problem(self, target: str) -> str:
        """Why these secrets cannot deploy to ``target``: one line, or empty."""
        given = self.given()
        missing = deploy_targets.missing_credential(target, given)
        return missing or (deploy_targets.aws_keys_problem(given) if target == "ecs" else "")

    async def credentials(self, target: str) -> "deploy_targets.Credentials":
        """The secrets ``target`` uses, read into memory; the others are never read."""
        if target == "kubernetes" and self.kubeconfig is not None:
            return deploy_targets.Credentials(kubeconfig=await self.kubeconfig.plaintext())
        if target == "ecs":
            return deploy_targets.Credentials(aws=await self.aws.read())
        if target == "compose-ssh" and self.ssh_key is not None:
            return deploy_targets.Credentials(ssh_key=await self.ssh_key.plaintext())
        return deploy_targets.Credentials()


async def execute(
    request: Request, access: RegistryAccess
) -> tuple["deploy_results.DeployReport", str]:
    """Deploy or roll back; the result and what happened to staging-latest.

    Raises:
        PipelineError: refused before anything on the target changed (no target
            configured, its secret missing, no Compose file, unreachable host or API,
            unknown host key, refused credentials, lock held).
    """
    config = request.config
    settings = deploy_settings(config)
    secrets = request.secrets
    problem = secrets.problem(settings.target)
    if request.from_engine:  # it leaves from the runtime container: loopback is itself
        problem = problem or deploy_targets.reach_problem(settings) or ""
    if problem:
        raise PipelineError(problem)
    compose = ""
    if settings.target == "compose-ssh":
        compose = await compose_text(request.tree, settings)  # before the key is read at all
    target = deploy_targets.build_target(
        settings,
        await secrets.credentials(settings.target),
        compose=compose,
        from_engine=request.from_engine,
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
