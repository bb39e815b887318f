"""Every deploy target, built in one place from its settings and its credentials.

The Dagger shell (``dagger call deploy`` and ``deploy-staging``) and the three command
line seams (Compose, Kubernetes, ECS) construct their targets here, so a target is the
same whichever door it is reached through. Credentials arrive as text already in memory
(a Dagger secret's plaintext, a file the CLI read) and go straight to the target's
client: never into an environment variable, a label, a log or an error line.

Which credential a deployment needs follows from ``[tool.pipeline.deploy] target``: the
SSH key for Compose over SSH, a kubeconfig for Kubernetes, and for ECS nothing (an
access key pair, when given, else whatever boto3 finds: the runner's role, its
environment). A missing one is one line naming the argument and its ``env://`` form.
boto3 and the Kubernetes client load only when their target is built.
"""

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from main.core.deploy.compose import ComposeProject
from main.core.deploy.compose_ssh import ComposeOverSsh
from main.core.deploy.errors import DeployError
from main.core.deploy.reach import engine_host_problem, engine_url_problem
from main.core.deploy.ssh import SshEndpoint
from main.core.lazy import lazy_import

if TYPE_CHECKING:
    from main.core.deploy.ecs import target as ecs
    from main.core.deploy.ecs.keys import AwsKeys
    from main.core.deploy.kubernetes import kubeconfig as kubeconfigs
    from main.core.deploy.kubernetes import target as kubernetes
    from main.core.deploy.settings import DeploySettings
    from main.core.deploy.target import DeployTarget
    from main.core.deploy.target_settings import EcsDeploySettings, KubernetesDeploySettings
else:
    ecs = lazy_import("main.core.deploy.ecs.target")
    kubeconfigs = lazy_import("main.core.deploy.kubernetes.kubeconfig")
    kubernetes = lazy_import("main.core.deploy.kubernetes.target")

# The settings models are pydantic's: the CLI seams build targets without loading it.
AnySettings: TypeAlias = "DeploySettings | KubernetesDeploySettings | EcsDeploySettings"


@dataclass(frozen=True, slots=True)
class Credentials:
    """The secrets a deployment may use, as text in memory; ``repr`` shows none of them."""

    ssh_key: str = field(default="", repr=False)  # the deploy user's private key
    kubeconfig: str = field(default="", repr=False)  # a kubeconfig file's text
    aws: "AwsKeys | None" = None  # None: boto3's own chain (role, environment)


@dataclass(frozen=True, slots=True)
class SecretArgument:
    """The argument that carries a target's credential, and how people usually pass it."""

    name: str  # as the Dagger CLI spells it: --NAME
    what: str
    env: str  # the env:// variable of the examples
    file: str  # the file:// path of the examples


REQUIRED = {
    "compose-ssh": SecretArgument(
        "ssh-key", "the deploy user's private SSH key", "STAGING_SSH_KEY", "~/.ssh/staging"
    ),
    "kubernetes": SecretArgument(
        "kubeconfig",
        "a kubeconfig (server, CA, a token or client certificate)",
        "KUBECONFIG_DATA",
        "~/.kube/config",
    ),
}
AWS_ARGUMENTS = {
    "aws-access-key-id": "AWS_ACCESS_KEY_ID",
    "aws-secret-access-key": "AWS_SECRET_ACCESS_KEY",
    "aws-session-token": "AWS_SESSION_TOKEN",
}
KUBE_HOW = (
    "from the Dagger engine, give the cluster's public or LAN address as the kubeconfig's "
    "server (or a tunnel the engine's network can route); `python -m main.core.deploy "
    "--target kubernetes` runs on your machine and takes it as it is"
)
ECS_HOW = (
    "from the Dagger engine, give an endpoint-url the engine's network can route (or none: "
    "the region's public endpoint); `python -m main.core.deploy --target ecs` runs on "
    "your machine and takes it as it is"
)


def missing_credential(target: str, given: Collection[str]) -> str:
    """One line naming the secret ``target`` needs when it is not among ``given``, else "".

    ``given`` holds argument names as the CLI spells them (``kubeconfig``, ``ssh-key``).
    ECS needs none: without keys boto3 uses the runner's role or environment.
    """
    needed = REQUIRED.get(target)
    if needed is None or needed.name in given:
        return ""
    return (
        f"[tool.pipeline.deploy] target {target} needs --{needed.name}: {needed.what}, as a "
        f"secret, e.g. --{needed.name} env://{needed.env} or file://{needed.file}"
    )


def aws_keys_problem(given: Collection[str]) -> str:
    """Why the AWS key arguments given do not make a pair, or "" (a pair, or none at all)."""
    key_id, secret = "aws-access-key-id" in given, "aws-secret-access-key" in given
    if key_id != secret:
        has, lacks = (
            ("aws-access-key-id", "aws-secret-access-key")
            if key_id
            else ("aws-secret-access-key", "aws-access-key-id")
        )
        return (
            f"--{has} needs --{lacks} too (e.g. --{lacks} env://{AWS_ARGUMENTS[lacks]}); "
            "or give neither, and the runner's role or environment is used"
        )
    if "aws-session-token" in given and not key_id:
        return (
            "--aws-session-token goes with --aws-access-key-id and --aws-secret-access-key "
            "(temporary keys come as all three)"
        )
    return ""


def reach_problem(settings: AnySettings) -> str | None:
    """Why the configured endpoint cannot be reached from the engine, before any secret.

    The SSH host and the ECS endpoint-url are settings; the Kubernetes API server is in
    the kubeconfig, so :func:`build_target` checks it once the kubeconfig is read.
    """
    if settings.target == "compose-ssh":
        return engine_host_problem(settings.host)
    if settings.target == "ecs" and settings.endpoint_url:
        return engine_url_problem(settings.endpoint_url, what="the ECS endpoint", how=ECS_HOW)
    return None


def compose_target(  # noqa: PLR0913 - each is one thing the deploy must be told
    *,
    host: str,
    user: str,
    port: int,
    host_keys: str,
    private_key: str,
    project: str,
    service: str,
    compose: str,
    directory: str | None = None,
) -> ComposeOverSsh:
    """A Compose project on one host over SSH (its files in ``~/.pipeline/PROJECT`` by default)."""
    endpoint = SshEndpoint(
        host=host, user=user, port=port, host_keys=host_keys, private_key=private_key
    )
    place = ComposeProject(directory or f"~/.pipeline/{project}", project, service)
    return ComposeOverSsh(endpoint, place, compose)


def kubernetes_target(
    kubeconfig: str,
    *,
    deployment: str,
    container: str,
    namespace: str = "",
    context: str = "",
) -> "kubernetes.KubernetesTarget":
    """One container of a Deployment, reached as ``kubeconfig``'s context describes.

    ``namespace`` empty: the context's, else ``default``.

    Raises:
        DeployError: the kubeconfig cannot be used (one line, never a credential).
    """
    access = kubeconfigs.read_kubeconfig(kubeconfig, context=context)
    namespace = namespace or access.namespace or "default"
    return kubernetes.KubernetesTarget(access, namespace, deployment, container)


def ecs_target(  # noqa: PLR0913 - each is one thing the deploy must be told
    region: str,
    cluster: str,
    service: str,
    container: str,
    *,
    endpoint_url: str | None = None,
    keys: "AwsKeys | None" = None,
) -> "ecs.EcsTarget":
    """One container of an ECS service's task definition; ``keys`` else boto3's own chain."""
    return ecs.EcsTarget(region, cluster, service, container, endpoint_url=endpoint_url, keys=keys)


def build_target(
    settings: AnySettings,
    credentials: Credentials,
    *,
    compose: str = "",
    from_engine: bool = False,
) -> "DeployTarget":
    """The target ``[tool.pipeline.deploy]`` describes, holding its credentials.

    ``compose`` is the service's Compose file (Compose over SSH only). ``from_engine``:
    the deploy runs in the engine, so the API server a kubeconfig names is checked for
    reach as the SSH host and the ECS endpoint are (see :func:`reach_problem`).

    Raises:
        DeployError: the credential is missing or unusable, or the engine cannot reach
            the endpoint: one line, nothing changed anywhere.
    """
    missing = missing_credential(settings.target, _given(credentials))
    if missing:
        raise DeployError(missing)
    if settings.target == "kubernetes":
        target = kubernetes_target(
            credentials.kubeconfig,
            deployment=settings.deployment,
            container=settings.container,
            namespace=settings.namespace,
            context=settings.context,
        )
        if from_engine:
            server = target.access.server
            problem = engine_url_problem(server, what="the Kubernetes API server", how=KUBE_HOW)
            if problem:
                raise DeployError(problem)
        return target
    if settings.target == "ecs":
        return ecs_target(
            settings.region,
            settings.cluster,
            settings.service,
            settings.container,
            endpoint_url=settings.endpoint_url,
            keys=credentials.aws,
        )
    return compose_target(
        host=settings.host,
        user=settings.user,
        port=settings.port,
        host_keys=settings.host_key,
        private_key=credentials.ssh_key,
        project=settings.project_name,
        service=settings.service,
        compose=compose,
        directory=settings.directory,
    )


def _given(credentials: Credentials) -> set[str]:
    names = {"ssh-key": credentials.ssh_key, "kubeconfig": credentials.kubeconfig}
    return {name for name, value in names.items() if value}
