"""Helper services started beside the app under smoke test: a database, a cache, a stub API.

Each is an image run as a service that the app reaches by its alias (a DNS label, as in
``postgres://db:5432``). The settings are parsed here, by the code the shell builds
the services from, so a setting is checked by exactly what uses it (the pattern of
``spec.parse_http_check``). Values of secret variables never pass through here: only
their names, which the caller's ``--secrets`` file must provide. Standard library only.
"""

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from main.core.errors import PipelineError

SERVICE_KEYS = ("alias", "image", "env", "secret-env", "ports", "command")
RESERVED_ALIASES = ("app",)  # the app under test is bound as ``app``
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class HelperService:
    """One service beside the app: its image, environment, ports and optional command."""

    alias: str
    image: str
    env: Mapping[str, str] = field(default_factory=dict)
    secret_env: tuple[str, ...] = ()
    ports: tuple[int, ...] = ()
    command: tuple[str, ...] = ()  # empty: the image's own entrypoint and command


def check_variable_names(what: str, names: Sequence[object]) -> tuple[str, ...]:
    """Environment variable names, each a shell identifier, none twice.

    Raises:
        PipelineError: naming the first bad or repeated name.
    """
    seen: list[str] = []
    for name in names:
        if not isinstance(name, str) or not _VARIABLE.match(name):
            msg = f"{what}: {name!r} is not a variable name (letters, digits, '_')"
            raise PipelineError(msg)
        if name in seen:
            msg = f"{what} names {name} twice"
            raise PipelineError(msg)
        seen.append(name)
    return tuple(seen)


def _alias(raw: Mapping[str, Any]) -> str:
    alias = raw.get("alias")
    if not isinstance(alias, str) or not _LABEL.match(alias):
        msg = (
            f"a helper service's alias must be a DNS label (a-z, 0-9, '-', at most 63, "
            f"e.g. 'db'), got {alias!r}"
        )
        raise PipelineError(msg)
    if alias in RESERVED_ALIASES:
        msg = f"a helper service cannot be called {alias!r}: the app under test is bound so"
        raise PipelineError(msg)
    return alias


def _image(what: str, raw: Mapping[str, Any]) -> str:
    image = raw.get("image")
    if not isinstance(image, str) or not image.strip():
        msg = f"{what} needs 'image' as a non-empty string, e.g. 'postgres:16-alpine'"
        raise PipelineError(msg)
    if any(char.isspace() for char in image):
        msg = f"{what}'s image {image!r} holds a space"
        raise PipelineError(msg)
    last = image.rsplit("/", 1)[-1]
    if ":" not in last and "@" not in last:
        msg = (
            f"{what}'s image {image!r} is not pinned: add a tag or a digest "
            f"(e.g. '{image}:16-alpine' or '{image}@sha256:...')"
        )
        raise PipelineError(msg)
    return image


def _env(what: str, raw: Mapping[str, Any]) -> dict[str, str]:
    env = raw.get("env", {})
    if not isinstance(env, Mapping):
        msg = f"{what} needs 'env' as a table of strings, got {type(env).__name__}"
        raise PipelineError(msg)
    check_variable_names(f"{what}'s env", list(env))
    for name, value in env.items():
        if not isinstance(value, str):
            msg = f"{what}'s env {name} must be a string, got {type(value).__name__}"
            raise PipelineError(msg)
    return dict(env)


def _ports(what: str, raw: Mapping[str, Any]) -> tuple[int, ...]:
    ports = raw.get("ports", [])
    if not isinstance(ports, list):
        ports = [ports]
    for port in ports:
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:  # noqa: PLR2004
            msg = f"{what}'s ports must be port numbers (1-65535), got {port!r}"
            raise PipelineError(msg)
        if ports.count(port) > 1:  # a typo for another port, which would then never be exposed
            msg = f"{what}'s ports name {port} twice: list each port once"
            raise PipelineError(msg)
    return tuple(ports)


def _command(what: str, raw: Mapping[str, Any]) -> tuple[str, ...]:
    command = raw.get("command", [])
    if isinstance(command, str):
        try:
            command = shlex.split(command)
        except ValueError as exc:
            msg = f"{what}'s command cannot be split ({exc})"
            raise PipelineError(msg) from None
    if not isinstance(command, list) or not all(isinstance(arg, str) for arg in command):
        msg = f"{what}'s command must be a string or a list of strings"
        raise PipelineError(msg)
    return tuple(command)


def parse_service(raw: object) -> HelperService:
    """Read one helper service from its table form.

    Raises:
        PipelineError: naming the bad key and what is expected.
    """
    if not isinstance(raw, Mapping):
        msg = f"a helper service must be a table, got {raw!r}"
        raise PipelineError(msg)
    unknown = sorted(set(raw) - set(SERVICE_KEYS))
    if unknown:
        known = ", ".join(SERVICE_KEYS)
        msg = f"a helper service has an unknown key {unknown[0]!r}; known keys: {known}"
        raise PipelineError(msg)
    alias = _alias(raw)
    what = f"helper service {alias!r}"
    env = _env(what, raw)
    secret_env = raw.get("secret-env", [])
    if not isinstance(secret_env, list):
        msg = f"{what} needs 'secret-env' as a list of variable names"
        raise PipelineError(msg)
    secrets = check_variable_names(f"{what}'s secret-env", secret_env)
    both = sorted(set(env) & set(secrets))
    if both:
        msg = f"{what} sets {both[0]} both in env and in secret-env: keep it in secret-env only"
        raise PipelineError(msg)
    return HelperService(
        alias=alias,
        image=_image(what, raw),
        env=env,
        secret_env=secrets,
        ports=_ports(what, raw),
        command=_command(what, raw),
    )


def parse_services(raw: Sequence[object]) -> tuple[HelperService, ...]:
    """Every helper service, each alias once.

    Raises:
        PipelineError: naming the bad service or the repeated alias.
    """
    services = tuple(parse_service(item) for item in raw)
    aliases = [service.alias for service in services]
    for alias in aliases:
        if aliases.count(alias) > 1:
            msg = f"two helper services have the alias {alias!r}: give each a distinct alias"
            raise PipelineError(msg)
    return services
