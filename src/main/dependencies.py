"""What the app under test needs beside its image: secret variables and helper services.

The values of secret variables arrive as one ``dagger.Secret`` holding a dotenv file
(``--secrets file://.env.staging``): a Dagger argument cannot be a map of secrets. It
is read in memory once per run, checked by ``core/secret_env.py`` against the names the
settings give, and each value becomes its own secret (``set_secret``), set with
``with_secret_variable`` only, so the engine keeps it out of logs, caches and reports.
Helper services (``core/smoke/services.py``) are their images run as services and bound
to the app by alias; each gets only the secrets it names.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

import dagger
from dagger import Doc, dag

from main.core.lazy import lazy_import

if TYPE_CHECKING:
    from main.core import secret_env
    from main.core.config import PipelineConfig
    from main.core.smoke.services import HelperService
else:
    secret_env = lazy_import("main.core.secret_env")

SECRET_PREFIX = "pipeline-secret-env-"  # noqa: S105 - a name, not a value; the name of each value's Dagger secret

SecretsArg = Annotated[
    dagger.Secret | None,
    Doc(
        "Values of the secret variables the settings name ([tool.pipeline.smoke] "
        "secret-env, a helper service's secret-env) as a dotenv file in a secret: "
        "file://.env.staging or env://STAGING_SECRETS"
    ),
]


@dataclass(frozen=True)
class Dependencies:
    """The app's secret variables and its helper services, ready to apply to a container."""

    secrets: Mapping[str, dagger.Secret] = field(default_factory=dict)  # every named value
    app_secrets: tuple[str, ...] = ()  # the names the app itself gets
    helpers: tuple[tuple[str, dagger.Service], ...] = ()  # (alias, service), in order

    def values_for(self, names: Sequence[str]) -> dict[str, dagger.Secret]:
        """The secrets of ``names`` (all of which were checked to be present)."""
        return {name: self.secrets[name] for name in names}

    def with_secrets(self, container: dagger.Container) -> dagger.Container:
        """``container`` with the app's secret variables (for the app or its own tests)."""
        return with_secret_variables(container, self.values_for(self.app_secrets))

    def apply(self, container: dagger.Container) -> dagger.Container:
        """``container`` with the app's secret variables and every helper bound by alias."""
        container = self.with_secrets(container)
        for alias, service in self.helpers:
            container = container.with_service_binding(alias, service)
        return container


NONE = Dependencies()


def with_secret_variables(
    container: dagger.Container, secrets: Mapping[str, dagger.Secret]
) -> dagger.Container:
    """Secret variables in a stable order; never plain ``with_env_variable``."""
    for name, secret in sorted(secrets.items()):
        container = container.with_secret_variable(name, secret)
    return container


def helper_service(helper: "HelperService", secrets: Mapping[str, dagger.Secret]) -> dagger.Service:
    """One helper: its pinned image with its env, its secrets and ports, as a service."""
    container = dag.container().from_(helper.image)
    for name, value in sorted(helper.env.items()):
        container = container.with_env_variable(name, value)
    container = with_secret_variables(container, secrets)
    for port in helper.ports:
        container = container.with_exposed_port(port)
    if helper.command:
        return container.as_service(args=list(helper.command), use_entrypoint=True)
    return container.as_service(use_entrypoint=True)


def dependencies_of(config: "PipelineConfig", values: Mapping[str, str]) -> Dependencies:
    """The dependencies of ``config`` given the checked secret values (lazy, no engine call)."""
    secrets = {
        name: dag.set_secret(f"{SECRET_PREFIX}{name}", value) for name, value in values.items()
    }
    made = Dependencies(secrets=secrets, app_secrets=tuple(config.smoke.secret_env))
    helpers = tuple(
        (helper.alias, helper_service(helper, made.values_for(helper.secret_env)))
        for helper in config.smoke.helper_services()
    )
    return Dependencies(secrets=secrets, app_secrets=made.app_secrets, helpers=helpers)


async def read_dependencies(
    config: "PipelineConfig", secrets: dagger.Secret | None
) -> Dependencies:
    """Read the caller's ``--secrets`` dotenv in memory and build the dependencies.

    Raises:
        PipelineError: a name the settings give is missing from the file, the file holds
            a name no setting gives, or names are configured and no file was given.
    """
    text = None if secrets is None else await secrets.plaintext()
    return dependencies_of(config, secret_env.resolve(text, config.smoke.secret_names()))
