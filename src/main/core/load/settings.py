"""The ``[tool.pipeline.load]`` table: whether and how ``deploy-staging`` load-tests.

Validated with the rest of ``[tool.pipeline]`` (``PipelineConfig.load``), so a typo
in a key is one line naming ``[tool.pipeline.load].KEY`` before anything is built.
Unlike the rest of ``core/load`` this module uses pydantic: it is read by the
pipeline, never by the load generator's container, which gets its settings as
command-line arguments (:func:`main.core.load.cli.argv_for`).
"""

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator

from main.core.errors import PipelineError
from main.core.load.limits import DEFAULT_KIND, Limit, merge_limits
from main.core.load.limits import split as _split
from main.core.load.spec import HEALTH, MAX_DURATION, MAX_USERS, MCP_KINDS, LoadSpec, path_kind
from main.core.load.thresholds import Thresholds, check_limit, check_share
from main.core.table import SettingsTable, kebab

LIMITS = ("p95_ms", "p99_ms", "max_error_rate")  # the settings that take limits per kind


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shape(value: object) -> object:
    """A number or a table of numbers, before pydantic's strict union sees it."""
    if value is None or _is_number(value):
        return value
    if isinstance(value, dict) and all(_is_number(limit) for limit in value.values()):
        return {str(kind): float(limit) for kind, limit in value.items()}
    msg = "must be a number, or a table of request kind to number (e.g. { default = 500 })"
    raise ValueError(msg)


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
    p95_ms: Limit = Field(
        default=None,
        description="p95 limit per request kind (ms), or a table of kind to ms "
        '(e.g. { default = 500, "mcp.initialize" = 1500 }).',
    )
    p99_ms: Limit = Field(
        default=None, description="p99 limit per request kind (ms), or a table like p95-ms."
    )
    max_error_rate: Limit = Field(
        default=0.01,
        description="Highest share of failed requests per kind (0.01 = 1%), or a table "
        "like p95-ms.",
    )
    min_rps: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="Lowest total requests per second."
    )
    warmup: float | None = Field(
        default=None,
        ge=0,
        le=MAX_DURATION,
        allow_inf_nan=False,
        description="Seconds from the start whose requests are reported but not judged; "
        "unset: the ramp-up (users / spawn-rate), rounded up to whole seconds.",
    )
    abort_on_breach: bool = Field(
        default=False,
        description="Stop the run once a limit is broken beyond recovery (k6's abortOnFail).",
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

    @field_validator("p95_ms", "p99_ms", "max_error_rate", mode="before")
    @classmethod
    def _limit_shape(cls, value: object) -> object:
        return _shape(value)

    @field_validator("p95_ms", "p99_ms", "max_error_rate")
    @classmethod
    def _limits(cls, value: Limit, info: ValidationInfo) -> Limit:
        # The run's kinds depend on the service's MCP and health settings too: any kind
        # this table's paths could make is accepted here, the run checks the rest.
        paths = info.data.get("paths") or []
        known = [DEFAULT_KIND, HEALTH, *MCP_KINDS, *(path_kind(path) for path in paths)]
        overall, per_kind = _split(value)
        for kind in per_kind:
            if kind not in known:
                msg = f"unknown request kind {kind!r} (kinds: {', '.join(known)})"
                raise ValueError(msg)
        share = info.field_name == "max_error_rate"
        if overall is not None and share and not 0 <= overall <= 1:
            msg = "Input should be less than or equal to 1" if overall > 1 else "Input should be "
            raise ValueError(msg + ("" if overall > 1 else "greater than or equal to 0"))
        if overall is not None and not share and not (overall > 0 and math.isfinite(overall)):
            msg = "Input should be greater than 0"
            raise ValueError(msg)
        for kind, limit in per_kind.items():
            try:
                (check_share if share else check_limit)("", limit)
            except PipelineError:
                what = "a share from 0 to 1" if share else "a positive number"
                msg = f"the limit of {kind} must be {what}, got {limit!r}"
                raise ValueError(msg) from None
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
        p95, p95_by_kind = _split(self.p95_ms)
        p99, p99_by_kind = _split(self.p99_ms)
        rate, rate_by_kind = _split(self.max_error_rate)
        return Thresholds(
            p95_ms=p95,
            p99_ms=p99,
            max_error_rate=rate,
            min_rps=self.min_rps,
            p95_by_kind=p95_by_kind,
            p99_by_kind=p99_by_kind,
            error_rate_by_kind=rate_by_kind,
            abort_on_breach=self.abort_on_breach,
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
            warmup_seconds=self.warmup,
        )

    def overridden(self, overrides: Mapping[str, object]) -> "LoadSettings":
        """These settings with per-call values (by field name; None: not given), validated.

        A limit may be given as the command line gives it, a list of ``VALUE`` and
        ``KIND=VALUE`` strings (empty: not given), merged onto the configured limit
        (:func:`main.core.load.limits.merge_limits`).

        Raises:
            PipelineError: naming the option (``--p95-ms``) and what is wrong with it.
        """
        given = {name: value for name, value in overrides.items() if value not in (None, [])}
        for name in LIMITS:
            value = given.get(name)
            if isinstance(value, list):
                given[name] = merge_limits(getattr(self, name), "--" + kebab(name), value)
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
