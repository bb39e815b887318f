"""The ``[tool.pipeline.smoke]`` table: what the smoke test checks beside health and MCP.

Validated with the rest of ``[tool.pipeline]`` (``PipelineConfig.smoke``), so a typo is
one line naming ``[tool.pipeline.smoke].KEY`` before anything is built. Unlike the rest
of ``core/smoke`` this module uses pydantic: it is read by the pipeline, never by the
checker's bare container, which gets its settings as command-line arguments
(:func:`main.core.smoke.spec.argv_for`). The port, health path, MCP path and startup
timeout stay in ``[tool.pipeline]`` itself: the deploy and the load test read them too.
"""

from typing import Any

from pydantic import Field, field_validator

from main.core.smoke.spec import parse_http_check, parse_tool_call
from main.core.table import Seconds, SettingsTable


class SmokeSettings(SettingsTable):
    """Settings of the smoke test, as read from ``[tool.pipeline.smoke]``."""

    timeout: Seconds = Field(
        default=30.0,
        description="Seconds all smoke checks together may take once the service has started.",
    )
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Environment of the service under smoke test (plain values, no secrets).",
    )
    mcp: bool = Field(
        default=True,
        description="Speak MCP in the smoke test (initialize, tools/list); false for plain HTTP.",
    )
    expected_tools: list[str] = Field(
        default_factory=list,
        description="Tools that tools/list must include; empty: at least one tool.",
    )
    tool_call: dict[str, Any] | None = Field(
        default=None,
        description=(
            "One tools/call in the smoke test: name, arguments (a table), "
            "expect (text the result must contain)."
        ),
    )
    checks: list[dict[str, Any]] = Field(
        default_factory=list,
        description=(
            "Extra HTTP checks: name, method, path, status (default 200), json-path "
            "(dotted) with optional equals, contains (a substring of the body)."
        ),
    )

    @field_validator("tool_call")
    @classmethod
    def _tool_call(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # The smoke checker's own parser: a setting is checked by the code that uses it.
        if value is not None:
            parse_tool_call(value)
        return value

    @field_validator("checks")
    @classmethod
    def _http_checks(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        checks = [parse_http_check(raw) for raw in value]
        names = [check.name for check in checks]
        for name in names:
            if names.count(name) > 1:
                msg = f"two checks are named {name!r}: give each a distinct name"
                raise ValueError(msg)
        return value
