"""The ``[tool.pipeline.smoke]`` table: what the smoke test checks, and what the app needs.

Beside the checks (health and MCP aside) it holds what the app under test is started
with: its plain ``env``, the names of its ``secret-env`` variables (values only from
``--secrets``) and its helper ``services``, which ``serve``, ``load-test --image`` and
the post-deploy tests use too.

Validated with the rest of ``[tool.pipeline]`` (``PipelineConfig.smoke``), so a typo is
one line naming ``[tool.pipeline.smoke].KEY`` before anything is built. Unlike the rest
of ``core/smoke`` this module uses pydantic: it is read by the pipeline, never by the
checker's bare container, which gets its settings as command-line arguments
(:func:`main.core.smoke.spec.argv_for`). The port, health path, MCP path and startup
timeout stay in ``[tool.pipeline]`` itself: the deploy and the load test read them too.
"""

from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from main.core.smoke.services import HelperService, check_variable_names, parse_services
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
    secret_env: list[str] = Field(
        default_factory=list,
        description="Secret environment variables of the service under smoke test and of the "
        "post-deploy tests, by name; the values come from --secrets (a dotenv file as a "
        "Dagger secret), never from settings.",
    )
    services: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Helper services started beside the service under smoke test (and the "
        "load test's --image): alias, image (pinned by tag or digest), env, secret-env, "
        "ports, command.",
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

    @field_validator("secret_env")
    @classmethod
    def _secret_names(cls, value: list[str], info: ValidationInfo) -> list[str]:
        check_variable_names("the secret variables", value)
        plain = sorted(set(value) & set(info.data.get("env", {})))
        if plain:
            msg = f"{plain[0]} is in env too: keep a secret in secret-env only"
            raise ValueError(msg)
        return value

    @field_validator("services")
    @classmethod
    def _helper_services(
        cls, value: list[dict[str, Any]], info: ValidationInfo
    ) -> list[dict[str, Any]]:
        plain = info.data.get("env", {})
        # core/smoke/services.py: the parser the shell builds from
        for helper in parse_services(value):
            both = sorted(set(helper.secret_env) & set(plain))
            if both:
                msg = (
                    f"{both[0]} is a secret of helper service {helper.alias!r} and in "
                    f"env too: keep its value out of the settings (in --secrets only)"
                )
                raise ValueError(msg)
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

    def helper_services(self) -> tuple[HelperService, ...]:
        """The helper services to start beside the app, parsed."""
        return parse_services(self.services)

    def secret_names(self) -> tuple[str, ...]:
        """Every secret variable a ``--secrets`` file must hold: the app's and the helpers'."""
        names = {*self.secret_env}
        for helper in self.helper_services():
            names.update(helper.secret_env)
        return tuple(sorted(names))
