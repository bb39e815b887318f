"""The ``[tool.pipeline.validate]`` table: the commands the checks run, and where.

The post-deploy tests live here too: they are the service's own commands run in the
same validation image, with the same splitting rules, only later (against the live URL).

Validated with the rest of ``[tool.pipeline]`` (``PipelineConfig.validation``), so a
command line that cannot be split is one line naming ``[tool.pipeline.validate].KEY``
before anything is built. How the checks run and are judged stays in
:mod:`main.core.validate`, which reads these values but never pydantic.
"""

import shlex
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator

from main.core.table import SettingsTable

Commands = Annotated[
    list[str],
    Field(description="Shell-style command lines, run in order; split with shlex."),
]
CommandKind = Literal["lint", "typecheck", "test", "post_deploy_test"]


class ValidateSettings(SettingsTable):
    """Settings of the validation checks, as read from ``[tool.pipeline.validate]``."""

    lint: Commands = Field(default_factory=lambda: ["ruff check .", "ruff format --check ."])
    typecheck: Commands = Field(default_factory=lambda: ["mypy ."])
    test: Commands = Field(
        default_factory=lambda: ["pytest -q -m 'not slow'"],
        description="Tests deploy-staging runs: the fast subset.",
    )
    ci_test: Commands = Field(
        default_factory=lambda: ["pytest -q"],
        description="Tests ci runs: the full suite (unit and integration), as the seed's CI does.",
    )
    post_deploy_test: Commands = Field(
        default_factory=list,
        description="The service's own tests against the live staging URL, run after the "
        "deploy's live smoke test in the validation image with STAGING_URL and the "
        "[tool.pipeline.smoke] secret-env variables set (e.g. 'pytest -q tests/staging'); "
        "empty: none.",
    )
    post_deploy_on_failure: Literal["rollback", "warn"] = Field(
        default="rollback",
        description="What a failing post-deploy test does: roll the deploy back, as a failed "
        "live smoke test does, or only warn in the report.",
    )
    python_image: str = Field(
        default="python:3.12-slim",
        min_length=1,
        description="Image the lint, type check and test commands run in.",
    )
    extras: list[str] | None = Field(
        default=None,
        description=(
            "Optional-dependency extras installed for validation; unset installs all "
            "extras (uv's default dependency groups, such as dev, always come along)."
        ),
    )
    uv_sources: bool = Field(
        default=True,
        description=(
            "Honour [tool.uv.sources] when validating; false installs every package from the "
            "index instead, for a path source that is generated elsewhere (a Dagger "
            "module's sdk/ folder)."
        ),
    )
    tools: list[str] = Field(
        default_factory=list,
        description=(
            "Requirements added for validation when the service does not declare them, "
            "e.g. ['ruff', 'mypy']."
        ),
    )

    @field_validator("lint", "typecheck", "test", "ci_test", "post_deploy_test", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("lint", "typecheck", "test", "ci_test", "post_deploy_test")
    @classmethod
    def _splittable(cls, value: list[str]) -> list[str]:
        for line in value:
            try:
                argv = shlex.split(line)
            except ValueError as exc:
                msg = f"cannot split a command line ({exc})"
                raise ValueError(msg) from None
            if not argv:
                msg = "empty command"
                raise ValueError(msg)
        return value

    def for_ci(self) -> Self:
        """These settings as ``ci`` runs them: its own, fuller test commands."""
        return self.model_copy(update={"test": list(self.ci_test)})

    def argv(self, kind: CommandKind) -> list[list[str]]:
        """The configured command lines of one validation kind, split for ``exec``."""
        lines: list[str] = getattr(self, kind)
        return [shlex.split(line) for line in lines]
