"""``[tool.pipeline.deploy]`` for the Kubernetes and ECS targets, and the choice between targets.

``target`` picks the model the table is read with: ``compose-ssh`` (the default, so
tables written before there was a choice keep working), ``kubernetes`` or ``ecs``. Each
model refuses the others' keys, so a Compose key left in a Kubernetes table is named.
Credentials are never settings: they are Dagger secrets (or, for ECS, the runner's role).
"""

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Discriminator, Field, Tag, field_validator

from main.core.deploy.ecs.names import name_problem as ecs_problem
from main.core.deploy.kubernetes.names import name_problem as kube_problem
from main.core.deploy.settings import DeploySettings
from main.core.deploy.stability import STABILITY_SECONDS
from main.core.mcp.endpoint import check_url
from main.core.table import Seconds, SettingsTable, WaitSeconds

TARGETS = ("compose-ssh", "kubernetes", "ecs")


class _Common(SettingsTable):
    """What every target's table has: the live URL and the bounds."""

    url: str = Field(
        min_length=1, description="Public URL of the staging service, smoke-tested live."
    )
    timeout: Seconds = Field(default=300.0, description="Seconds the rollout may take to finish.")
    lock_timeout: WaitSeconds = Field(
        default=600.0, description="Seconds to wait for another deployment to finish."
    )
    stability_window: WaitSeconds = Field(
        default=STABILITY_SECONDS,
        description="Seconds the service must keep running, its restarts still, after its "
        "live smoke test, before a second smoke test: only then is it recorded healthy. "
        "0 turns the window off.",
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        check_url(value)
        return value


class KubernetesDeploySettings(_Common):
    """Staging is a Deployment: one of its containers gets each new image by digest."""

    target: Literal["kubernetes"] = Field(description="This table deploys to Kubernetes.")
    namespace: str = Field(
        default="",
        description="The Deployment's namespace (default: the kubeconfig context's, else default).",
    )
    deployment: str = Field(description="The Deployment whose container is set.")
    container: str = Field(description="The container whose image each deploy sets.")
    context: str = Field(default="", description="kubeconfig context (default: current-context).")

    @field_validator("namespace", "deployment", "container")
    @classmethod
    def _names(cls, value: str, info: Any) -> str:  # noqa: ANN401 - pydantic's ValidationInfo
        if info.field_name == "namespace" and not value:
            return value  # the context's, resolved with the kubeconfig (targets.py)
        why = kube_problem(str(info.field_name), value)
        if why:
            raise ValueError(why)
        return value


class EcsDeploySettings(_Common):
    """Staging is an ECS service: one container of its task definition gets each new image."""

    target: Literal["ecs"] = Field(description="This table deploys to ECS.")
    region: str = Field(description="AWS region, e.g. eu-west-1.")
    cluster: str = Field(description="ECS cluster name.")
    service: str = Field(description="ECS service name.")
    container: str = Field(description="The container whose image each deploy sets.")
    endpoint_url: str | None = Field(
        default=None, description="Another ECS endpoint (VPC endpoint)."
    )

    @field_validator("region", "cluster", "service", "container")
    @classmethod
    def _names(cls, value: str, info: Any) -> str:  # noqa: ANN401 - pydantic's ValidationInfo
        why = ecs_problem(str(info.field_name), value)
        if why:
            raise ValueError(why)
        return value

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in {"http", "https"} or not parts.netloc:
                msg = "not an http(s) URL"
                raise ValueError(msg)
        return value


def chosen_target(data: Any) -> str:  # noqa: ANN401 - the raw table, or a model
    """The table's ``target`` (compose-ssh when absent); an unknown one names itself."""
    value = (
        data.get("target", "compose-ssh")
        if isinstance(data, dict)
        else getattr(data, "target", "compose-ssh")
    )
    return str(value)


AnyDeploySettings = Annotated[
    Annotated[DeploySettings, Tag("compose-ssh")]
    | Annotated[KubernetesDeploySettings, Tag("kubernetes")]
    | Annotated[EcsDeploySettings, Tag("ecs")],
    Discriminator(
        chosen_target,
        custom_error_type="deploy_target",
        custom_error_message="not a deploy target: choose compose-ssh, kubernetes or ecs",
    ),
]
MODELS: dict[str, type[SettingsTable]] = {
    "compose-ssh": DeploySettings,
    "kubernetes": KubernetesDeploySettings,
    "ecs": EcsDeploySettings,
}
