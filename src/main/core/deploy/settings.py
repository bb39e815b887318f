"""The ``[tool.pipeline.deploy]`` table: which host, whom to trust, what to run there.

Without the table nothing is deployed (``deploy-staging`` ends at publishing), so every
key a deployment cannot do without is required once the table exists: a half-configured
host is refused with the key's name rather than guessed.
"""

import re
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from main.core.deploy.compose import name_problem
from main.core.deploy.stability import STABILITY_SECONDS
from main.core.mcp.endpoint import check_url
from main.core.table import Seconds, SettingsTable, WaitSeconds

# A known_hosts line ("host ssh-ed25519 AAAA...") or a bare public key ("ssh-ed25519 AAAA...").
_HOST_KEY = re.compile(
    r"^(?:\S+\s+)?(?:ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+)\s+[A-Za-z0-9+/]+=*(?:\s.*)?$"
)


class DeploySettings(SettingsTable):
    """Where staging runs: a Compose project on one host, reached over SSH."""

    target: Literal["compose-ssh"] = Field(
        default="compose-ssh", description="This table deploys with Compose over SSH."
    )
    host: str = Field(min_length=1, description="The staging host's name or address.")
    user: str = Field(default="deploy", min_length=1, description="SSH user (in the docker group).")
    port: int = Field(default=22, ge=1, le=65535, description="SSH port.")
    host_key: str = Field(
        min_length=1,
        description="The host's public key, pinned: a line of `ssh-keyscan HOST` "
        "(or several). An unknown or changed host key is refused.",
    )
    url: str = Field(
        min_length=1, description="Public URL of the staging service, smoke-tested live."
    )
    service: str = Field(
        min_length=1, description="The Compose service whose image each deploy replaces."
    )
    compose_file: str = Field(
        default="compose.yml",
        min_length=1,
        description="The Compose file, relative to the service root; uploaded on each deploy.",
    )
    project: str | None = Field(
        default=None, description="Compose project name on the host (default: the service name)."
    )
    directory: str | None = Field(
        default=None,
        description="Directory on the host for the Compose files, history and lock "
        "(default: ~/.pipeline/PROJECT).",
    )
    timeout: Seconds = Field(
        default=300.0,
        description="Seconds the new image may take from pull to a ready container.",
    )
    stability_window: WaitSeconds = Field(
        default=STABILITY_SECONDS,
        description="Seconds the service must keep running, its restart count still, after "
        "its live smoke test, before a second smoke test: only then is it recorded healthy "
        "(and a rollback target is checked the same way). 0 turns the window off.",
    )
    lock_timeout: WaitSeconds = Field(
        default=600.0,
        description="Seconds to wait for another deployment to the same host to finish.",
    )

    @field_validator("host_key")
    @classmethod
    def _host_keys(cls, value: str) -> str:
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        keys = [line for line in lines if not line.startswith("#")]
        if not keys:
            msg = "no public key given: paste a line of `ssh-keyscan -p PORT HOST`"
            raise ValueError(msg)
        for line in keys:
            if not _HOST_KEY.match(line):
                msg = "not a public host key line such as 'ssh-ed25519 AAAA...' (from ssh-keyscan)"
                raise ValueError(msg)
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        check_url(value)
        return value

    @field_validator("service")
    @classmethod
    def _service(cls, value: str) -> str:
        problem = name_problem("service", value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("project")
    @classmethod
    def _project(cls, value: str | None) -> str | None:
        problem = None if value is None else name_problem("project", value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("compose_file")
    @classmethod
    def _relative(cls, value: str) -> str:
        if value.startswith("/") or ".." in value.split("/"):
            msg = "must be a path inside the service repository"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _names(self) -> Self:
        if self.project is None and name_problem("project", self.service):
            msg = "project: the service name is not a valid Compose project name; set project"
            raise ValueError(msg)
        return self

    @property
    def project_name(self) -> str:
        """The Compose project name on the host."""
        return self.project or self.service

    @property
    def remote_directory(self) -> str:
        """Where the deploy keeps its files on the host."""
        return self.directory or f"~/.pipeline/{self.project_name}"
