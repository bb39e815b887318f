"""The service's ``[tool.pipeline]`` table: one validated model, documented defaults.

The table lives in the service repository's ``pyproject.toml`` so that CI and a laptop
read the same settings; command-line arguments override single keys. Keys are
kebab-case, like most ``[tool.*]`` tables. Every mistake is reported as one line that
names the key, because a CI log is read in a hurry.
"""

import difflib
import shlex
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from main.core.attest.settings import ATTEST, AttestSettings
from main.core.branch_settings import BranchSettings
from main.core.deploy.target_settings import MODELS, AnyDeploySettings
from main.core.errors import PipelineError
from main.core.github import API_URL
from main.core.load.settings import LoadSettings
from main.core.mcp.endpoint import DEFAULT_HEALTH_PATH, DEFAULT_MCP_PATH
from main.core.registry.retention import parse_age
from main.core.scan.trivy import DB_REPOSITORIES
from main.core.smoke.services import HelperService, check_variable_names, parse_services
from main.core.smoke.spec import SmokeSpec, parse_http_check, parse_tool_call
from main.core.table import Seconds, SettingsTable, kebab
from main.core.triggers import DEFAULT_LABEL
from main.core.versioning import parse_pyproject

Severity = Literal["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
TABLE = "[tool.pipeline]"


def _all_severities() -> list[Severity]:
    return ["CRITICAL", "HIGH", "MEDIUM", "LOW"]


Commands = Annotated[
    list[str],
    Field(description="Shell-style command lines, run in order; split with shlex."),
]


class PipelineConfig(SettingsTable):
    """Settings of one service, as read from ``[tool.pipeline]``."""

    image: str | None = Field(
        default=None,
        description="Image repository to publish to, e.g. ghcr.io/OWNER/SERVICE.",
    )
    registry_username: str | None = Field(
        default=None,
        description="User name for the registry; GitHub's token works with any name.",
    )
    containerfile: str = Field(
        default="Containerfile",
        description="Path of the Containerfile, relative to the service root.",
    )
    build_target: str | None = Field(
        default=None, description="Stage of a multi-stage Containerfile to build."
    )
    build_args: dict[str, str] = Field(
        default_factory=dict, description="Build arguments passed to the Containerfile."
    )
    port: int = Field(default=8000, ge=1, le=65535, description="Port the service listens on.")
    health_path: str = Field(
        default=DEFAULT_HEALTH_PATH,
        description="Path answering 200 when healthy; empty when the service has none "
        "(readiness and liveness then come from MCP: initialize and ping).",
    )
    mcp_path: str = Field(
        default=DEFAULT_MCP_PATH, description="Path of the MCP streamable HTTP endpoint."
    )
    startup_timeout: Seconds = Field(
        default=60.0,
        description="Seconds the service may take to become healthy.",
    )
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
        "smoke-secret-env variables set (e.g. 'pytest -q tests/staging'); empty: none.",
    )
    post_deploy_on_failure: Literal["rollback", "warn"] = Field(
        default="rollback",
        description="What a failing post-deploy test does: roll the deploy back, as a failed "
        "live smoke test does, or only warn in the report.",
    )
    scan_severities: list[Severity] = Field(
        default_factory=_all_severities,
        min_length=1,
        description="Trivy severities that count as findings.",
    )
    ignore_unfixed: bool = Field(
        default=True, description="Leave out findings that have no fixed version yet."
    )
    staging_label: str = Field(
        default=DEFAULT_LABEL,
        min_length=1,
        description="Pull-request label that deploys the PR to staging.",
    )
    branches: BranchSettings = Field(
        default_factory=BranchSettings,
        description="[tool.pipeline.branches]: the staging, production, CI and release "
        "branches (default: develop, main, feature/** bugfix/** chore/** release/**, "
        "release/**).",
    )
    tag_aliases: bool = Field(
        default=False,
        description="Production tags of a final release also move major.minor and major "
        "(1.4.2 adds 1.4 and 1), as docker/metadata-action's semver patterns do.",
    )

    # --- validate, build, publish settings ---
    python_image: str = Field(
        default="python:3.12-slim",
        min_length=1,
        description="Image the lint, type check and test commands run in.",
    )
    validate_extras: list[str] | None = Field(
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
    validate_tools: list[str] = Field(
        default_factory=list,
        description=(
            "Requirements added for validation when the service does not declare them, "
            "e.g. ['ruff', 'mypy']."
        ),
    )
    source_url: str | None = Field(
        default=None,
        description=(
            "Repository URL for the image's source label; a ghcr.io image defaults to "
            "its GitHub repository."
        ),
    )

    # --- scan settings ---
    trivy_db_repositories: list[str] = Field(
        default_factory=lambda: list(DB_REPOSITORIES),
        min_length=1,
        description="Where Trivy downloads its vulnerability DB, in order (mirrors first); "
        "a rate-limited or failing one falls back to the next.",
    )
    trivyignore: str = Field(
        default=".trivyignore",
        min_length=1,
        description="Trivy ignore file (IDs, '#' comments, 'exp:YYYY-MM-DD'), relative to "
        "the service root; a missing file ignores nothing.",
    )

    # --- smoke-test settings ---
    smoke_timeout: Seconds = Field(
        default=30.0,
        description="Seconds all smoke checks together may take once the service has started.",
    )
    smoke_env: dict[str, str] = Field(
        default_factory=dict,
        description="Environment of the service under smoke test (plain values, no secrets).",
    )
    smoke_secret_env: list[str] = Field(
        default_factory=list,
        description="Secret environment variables of the service under smoke test and of the "
        "post-deploy tests, by name; the values come from --secrets (a dotenv file as a "
        "Dagger secret), never from settings.",
    )
    smoke_services: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Helper services started beside the service under smoke test (and the "
        "load test's --image): alias, image (pinned by tag or digest), env, secret-env, "
        "ports, command.",
    )
    smoke_mcp: bool = Field(
        default=True,
        description="Speak MCP in the smoke test (initialize, tools/list); false for plain HTTP.",
    )
    smoke_expected_tools: list[str] = Field(
        default_factory=list,
        description="Tools that tools/list must include; empty: at least one tool.",
    )
    smoke_tool_call: dict[str, Any] | None = Field(
        default=None,
        description=(
            "One tools/call in the smoke test: name, arguments (a table), "
            "expect (text the result must contain)."
        ),
    )
    smoke_checks: list[dict[str, Any]] = Field(
        default_factory=list,
        description=(
            "Extra HTTP checks: name, method, path, status (default 200), json-path "
            "(dotted) with optional equals, contains (a substring of the body)."
        ),
    )

    @field_validator("smoke_tool_call")
    @classmethod
    def _tool_call(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # The smoke checker's own parser: a setting is checked by the code that uses it.
        if value is not None:
            parse_tool_call(value)
        return value

    @field_validator("smoke_secret_env")
    @classmethod
    def _secret_names(cls, value: list[str], info: ValidationInfo) -> list[str]:
        check_variable_names("the secret variables", value)
        plain = sorted(set(value) & set(info.data.get("smoke_env", {})))
        if plain:
            msg = f"{plain[0]} is in smoke-env too: keep a secret in smoke-secret-env only"
            raise ValueError(msg)
        return value

    @field_validator("smoke_services")
    @classmethod
    def _helper_services(
        cls, value: list[dict[str, Any]], info: ValidationInfo
    ) -> list[dict[str, Any]]:
        plain = info.data.get("smoke_env", {})
        # core/smoke/services.py: the parser the shell builds from
        for helper in parse_services(value):
            both = sorted(set(helper.secret_env) & set(plain))
            if both:
                msg = (
                    f"{both[0]} is a secret of helper service {helper.alias!r} and in "
                    f"smoke-env too: keep its value out of the settings (in --secrets only)"
                )
                raise ValueError(msg)
        return value

    def helper_services(self) -> tuple[HelperService, ...]:
        """The helper services to start beside the app, parsed."""
        return parse_services(self.smoke_services)

    def secret_names(self) -> tuple[str, ...]:
        """Every secret variable a ``--secrets`` file must hold: the app's and the helpers'."""
        names = {*self.smoke_secret_env}
        for helper in self.helper_services():
            names.update(helper.secret_env)
        return tuple(sorted(names))

    @field_validator("smoke_checks")
    @classmethod
    def _http_checks(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        checks = [parse_http_check(raw) for raw in value]
        names = [check.name for check in checks]
        for name in names:
            if names.count(name) > 1:
                msg = f"two checks are named {name!r}: give each a distinct name"
                raise ValueError(msg)
        return value

    def smoke_spec(self, url: str) -> SmokeSpec:
        """What the smoke checker needs to test this service at ``url``."""
        return SmokeSpec(
            url=url,
            health_path=self.health_path or None,
            mcp_path=self.mcp_path if self.smoke_mcp else None,
            timeout=self.startup_timeout + self.smoke_timeout,
            ready_timeout=self.startup_timeout,
            expected_tools=tuple(self.smoke_expected_tools),
            tool_call=None
            if self.smoke_tool_call is None
            else parse_tool_call(self.smoke_tool_call),
            checks=tuple(parse_http_check(raw) for raw in self.smoke_checks),
        )

    # --- deploy settings ---
    deploy: AnyDeploySettings | None = Field(
        default=None,
        description="[tool.pipeline.deploy]: the staging host deploy-staging deploys to; "
        "without it, deploy-staging ends at publishing.",
    )

    # --- load-test settings ---
    load: LoadSettings = Field(
        default_factory=LoadSettings,
        description="[tool.pipeline.load]: the load test deploy-staging runs when enabled.",
    )

    # --- registry operation settings ---
    staging_keep: int = Field(
        default=10,
        ge=0,
        description="registry prune keeps at least this many newest timestamped staging tags.",
    )
    staging_keep_newer_than: str = Field(
        default="7d",
        description="registry prune also keeps staging tags younger than this (7d, 12h, 2w; "
        "empty: no age rule).",
    )
    github_api_url: str = Field(
        default=API_URL,
        description="GitHub REST API, through which images on ghcr.io are deleted.",
    )

    @field_validator("health_path", "mcp_path")
    @classmethod
    def _absolute_path(cls, value: str, info: ValidationInfo) -> str:
        if info.field_name == "health_path" and value == "":
            return value  # no health endpoint: MCP itself tells readiness and liveness
        if not value.startswith("/"):
            msg = "must start with '/'"
            raise ValueError(msg)
        return value

    @field_validator("staging_keep_newer_than")
    @classmethod
    def _age(cls, value: str) -> str:
        if value:
            parse_age(value)
        return value

    @field_validator("lint", "typecheck", "test", "post_deploy_test", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("lint", "typecheck", "test", "post_deploy_test")
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

    def argv(
        self, kind: Literal["lint", "typecheck", "test", "post_deploy_test"]
    ) -> list[list[str]]:
        """The configured command lines of one validation kind, split for ``exec``."""
        lines: list[str] = getattr(self, kind)
        return [shlex.split(line) for line in lines]

    attest: AttestSettings = Field(default_factory=AttestSettings, description=ATTEST)


KNOWN_KEYS = tuple(kebab(name) for name in PipelineConfig.model_fields)


def _table_of(location: list[str]) -> tuple[str, list[str], tuple[str, ...]]:
    """The TOML table an error is in, the rest of its location, and that table's keys."""
    if len(location) > 1 and location[0] == "deploy":  # a tagged union: the tag is no key
        model = MODELS.get(location[1])
        rest = location[2:] if model else location[1:]
        keys = tuple(kebab(name) for name in (model or MODELS["compose-ssh"]).model_fields)
        return "[tool.pipeline.deploy]", rest, keys
    if len(location) > 1:
        annotation = PipelineConfig.model_fields.get(location[0].replace("-", "_"))
        nested = getattr(annotation, "annotation", None)
        for member in getattr(nested, "__args__", (nested,)):
            if isinstance(member, type) and issubclass(member, BaseModel):
                keys = tuple(kebab(name) for name in member.model_fields)
                return f"[tool.pipeline.{location[0]}]", location[1:], keys
    return TABLE, location, KNOWN_KEYS


def _describe(error: Mapping[str, Any]) -> str:
    table, location, known = _table_of([str(part) for part in error["loc"]])
    key = location[-1] if location else "?"
    where = f"{table}.{'.'.join(location)}" if location else table
    if error["type"] == "extra_forbidden":
        hint = difflib.get_close_matches(kebab(key), known, n=1)
        suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
        return f"{table} has an unknown key '{key}'{suggestion}; known keys: {', '.join(known)}"
    if error["type"] == "deploy_target":
        got = error.get("input", {}).get("target") if isinstance(error.get("input"), dict) else None
        return f"[tool.pipeline.deploy].target: {got!r} is {error['msg']}"
    if error["type"] == "missing":
        return f"{where} is required"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message} (got {error.get('input')!r})"


def validate_config(table: Mapping[str, Any]) -> PipelineConfig:
    """Validate a ``[tool.pipeline]`` table, raising one line per the first bad key.

    Raises:
        PipelineError: naming the unknown or badly typed key.
    """
    try:
        return PipelineConfig.model_validate(dict(table), by_alias=True, by_name=False)
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key explains the "required" error of the key it was meant to be.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        raise PipelineError(_describe(first)) from None


def load_config(
    pyproject_text: str | None,
    overrides: Mapping[str, object] | None = None,
) -> PipelineConfig:
    """Read ``[tool.pipeline]`` from ``pyproject.toml`` text and apply overrides.

    ``overrides`` are keyed by field name (``health_path``); ``None`` values mean "not
    given" and leave the file's value. A missing file or table gives the defaults.
    """
    table: dict[str, Any] = {}
    if pyproject_text is not None:
        tool = parse_pyproject(pyproject_text).get("tool", {})
        raw = tool.get("pipeline", {}) if isinstance(tool, dict) else {}
        if not isinstance(raw, dict):
            msg = f"{TABLE} must be a table, got {type(raw).__name__}"
            raise PipelineError(msg)
        table = raw
    for name, value in (overrides or {}).items():
        if value is not None:
            table[kebab(name)] = value
    return validate_config(table)
