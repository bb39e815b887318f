"""The ``[tool.pipeline.load]`` table: whether and how ``deploy-staging`` load-tests.

Validated with the rest of ``[tool.pipeline]`` (``PipelineConfig.load``), so a typo
in a key is one line naming ``[tool.pipeline.load].KEY`` before anything is built.
Unlike the rest of ``core/load`` this module uses pydantic: it is read by the
pipeline, never by the load generator's container, which gets its settings as
command-line arguments (:func:`main.core.load.cli.argv_for`).
"""

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator

from main.core.errors import PipelineError
from main.core.load.spec import MAX_DURATION, MAX_USERS, LoadSpec
from main.core.load.thresholds import Thresholds
from main.core.table import SettingsTable, kebab


class LoadSettings(SettingsTable):
    """Settings of the load test, as read from ``[tool.pipeline.load]``."""

    enabled: bool = Field(
        default=False, description="deploy-staging load-tests after the live smoke test."
    )
    users: int = Field(default=10, ge=1, le=MAX_USERS, description="Simulated users at once.")
    spawn_rate: float = Field(
        default=10.0, gt=0, allow_inf_nan=False, description="Users started per second."
    )
    duration: float = Field(
        default=30.0,
        gt=0,
        le=MAX_DURATION,
        allow_inf_nan=False,
        description="Seconds of traffic, ramp-up included.",
    )
    tool: str | None = Field(
        default=None,
        min_length=1,
        description="Tool each MCP round calls; unset: the first listed tool, if it needs "
        "no arguments.",
    )
    tool_arguments: dict[str, Any] = Field(
        default_factory=dict, description="Arguments of that tools/call (a table)."
    )
    health_weight: int = Field(
        default=1, ge=0, le=1000, description="Weight of a plain GET (health and each path)."
    )
    mcp_weight: int = Field(
        default=1, ge=0, le=1000, description="Weight of an MCP round (tools/list + tools/call)."
    )
    paths: list[str] = Field(
        default_factory=list, description="Extra plain HTTP paths users GET, e.g. ['/metrics']."
    )
    p95_ms: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="p95 limit per request kind (ms)."
    )
    p99_ms: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="p99 limit per request kind (ms)."
    )
    max_error_rate: float | None = Field(
        default=0.01,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="Highest share of failed requests per kind (0.01 = 1%).",
    )
    min_rps: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="Lowest total requests per second."
    )
    on_breach: Literal["fail", "warn"] = Field(
        default="fail",
        description="fail: a breach fails deploy-staging (and rolls back); warn: report only.",
    )

    @field_validator("paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/"):
                msg = "every path must start with '/'"
                raise ValueError(msg)
        if len(set(value)) != len(value):
            msg = "a path is listed twice"
            raise ValueError(msg)
        return value

    @field_validator("tool_arguments")
    @classmethod
    def _arguments(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        # Checked with the config, not by LoadSpec when deploy-staging has already deployed.
        if value and info.data.get("tool") is None:
            msg = "arguments need a tool: set tool too"
            raise ValueError(msg)
        return value

    @field_validator("mcp_weight")
    @classmethod
    def _weights(cls, value: int, info: ValidationInfo) -> int:
        if value == 0 and info.data.get("health_weight") == 0:
            msg = "health-weight and mcp-weight are both 0: nothing would be sent; raise one"
            raise ValueError(msg)
        return value

    def thresholds(self) -> Thresholds:
        """The limits the run is judged against."""
        return Thresholds(
            p95_ms=self.p95_ms,
            p99_ms=self.p99_ms,
            max_error_rate=self.max_error_rate,
            min_rps=self.min_rps,
        )

    def spec(self, url: str, *, health_path: str | None, mcp_path: str | None) -> LoadSpec:
        """The run against ``url``; the paths come from the service's own settings."""
        return LoadSpec(
            url=url,
            users=self.users,
            spawn_rate=self.spawn_rate,
            duration_seconds=self.duration,
            health_path=health_path,
            mcp_path=mcp_path,
            tool=self.tool,
            tool_arguments=dict(self.tool_arguments),
            health_weight=self.health_weight,
            mcp_weight=self.mcp_weight,
            paths=tuple(self.paths),
        )

    def overridden(self, overrides: Mapping[str, object]) -> "LoadSettings":
        """These settings with per-call values (by field name; None: not given), validated.

        Raises:
            PipelineError: naming the option (``--p95-ms``) and what is wrong with it.
        """
        given = {name: value for name, value in overrides.items() if value is not None}
        if not given:
            return self
        try:
            return LoadSettings.model_validate({**self.model_dump(), **given}, by_name=True)
        except ValidationError as exc:
            error = exc.errors()[0]
            option = "--" + kebab(str(error["loc"][0])) if error["loc"] else "an option"
            said = str(error["msg"]).removeprefix("Value error, ")
            msg = f"{option}: {said} (got {error.get('input')!r})"
            raise PipelineError(msg) from None
