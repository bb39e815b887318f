"""The service's ``[tool.pipeline]`` table: one validated model, documented defaults.

The table lives in the service repository's ``pyproject.toml`` so that CI and a laptop
read the same settings; command-line arguments override single keys. Keys are
kebab-case, like most ``[tool.*]`` tables. Every mistake is reported as one line that
names the key, because a CI log is read in a hurry.
"""

import difflib
from collections.abc import Mapping
from typing import Any, Self

from pydantic import (
    BaseModel,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from main.core.attest.settings import ATTEST, AttestSettings
from main.core.branch_settings import BranchSettings
from main.core.deploy.target_settings import MODELS, AnyDeploySettings
from main.core.errors import PipelineError
from main.core.flat_keys import (
    CONFLICT,
    FLAT_KEYS,
    deprecation_note,
    home,
    home_location,
    unflatten,
)
from main.core.github import API_URL
from main.core.load.settings import LoadSettings
from main.core.mcp.endpoint import DEFAULT_HEALTH_PATH, DEFAULT_MCP_PATH
from main.core.registry.settings import RetentionSettings
from main.core.scan.settings import ScanSettings
from main.core.smoke.settings import SmokeSettings
from main.core.smoke.spec import SmokeSpec, parse_http_check, parse_tool_call
from main.core.table import Seconds, SettingsTable, kebab
from main.core.triggers import DEFAULT_LABEL
from main.core.validate_settings import CommandKind, ValidateSettings
from main.core.versioning import parse_pyproject

TABLE = "[tool.pipeline]"


class PipelineConfig(SettingsTable):
    """Settings of one service, as read from ``[tool.pipeline]``."""

    _flat_keys: tuple[str, ...] = PrivateAttr(default=())  # flat keys read, for the report

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

    # --- build and publish settings ---
    source_url: str | None = Field(
        default=None,
        description=(
            "Repository URL for the image's source label; a ghcr.io image defaults to "
            "its GitHub repository."
        ),
    )

    # --- the families' own tables ---
    validation: ValidateSettings = Field(
        default_factory=ValidateSettings,
        alias="validate",  # a field named validate would shadow pydantic's BaseModel.validate
        description="[tool.pipeline.validate]: the lint, typecheck and test commands and "
        "the image and packages they run with.",
    )
    scan: ScanSettings = Field(
        default_factory=ScanSettings,
        description="[tool.pipeline.scan]: what Trivy looks for and what counts as a finding.",
    )
    smoke: SmokeSettings = Field(
        default_factory=SmokeSettings,
        description="[tool.pipeline.smoke]: what the smoke test checks beside health and MCP, "
        "and the environment, secret variables and helper services the app starts with.",
    )
    retention: RetentionSettings = Field(
        default_factory=RetentionSettings,
        description="[tool.pipeline.retention]: which staging tags registry prune keeps.",
    )

    def smoke_spec(self, url: str) -> SmokeSpec:
        """What the smoke checker needs to test this service at ``url``."""
        return SmokeSpec(
            url=url,
            health_path=self.health_path or None,
            mcp_path=self.mcp_path if self.smoke.mcp else None,
            timeout=self.startup_timeout + self.smoke.timeout,
            ready_timeout=self.startup_timeout,
            expected_tools=tuple(self.smoke.expected_tools),
            tool_call=None
            if self.smoke.tool_call is None
            else parse_tool_call(self.smoke.tool_call),
            checks=tuple(parse_http_check(raw) for raw in self.smoke.checks),
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

    @model_validator(mode="wrap")
    @classmethod
    def _move_flat_keys(cls, data: object, handler: ModelWrapValidatorHandler[Self]) -> Self:
        # Today's flat keys move to their family tables; the report names those read.
        used: tuple[str, ...] = ()
        if isinstance(data, Mapping):
            data, used = unflatten(data)
        config = handler(data)
        config._flat_keys = (*config._flat_keys, *used)  # noqa: SLF001 - our own model
        return config

    def deprecations(self) -> tuple[str, ...]:
        """The report's notes about these settings: flat keys read and their new homes."""
        note = deprecation_note(self._flat_keys)
        return (note,) if note else ()

    def for_ci(self) -> Self:
        """These settings as ``ci`` runs them: its own, fuller test commands."""
        return self.model_copy(update={"validation": self.validation.for_ci()})

    def argv(self, kind: CommandKind) -> list[list[str]]:
        """The configured command lines of one validation kind, split for ``exec``."""
        return self.validation.argv(kind)

    attest: AttestSettings = Field(default_factory=AttestSettings, description=ATTEST)


def _keys(model: type[BaseModel]) -> dict[str, str]:
    """A model's keys as written in TOML (its aliases), each with its field's name."""
    return {field.alias or kebab(name): name for name, field in model.model_fields.items()}


KNOWN_KEYS = tuple(_keys(PipelineConfig))


def _table_of(location: list[str]) -> tuple[str, list[str], tuple[str, ...]]:
    """The TOML table an error is in, the rest of its location, and that table's keys."""
    if len(location) > 1 and location[0] == "deploy":  # a tagged union: the tag is no key
        model = MODELS.get(location[1])
        rest = location[2:] if model else location[1:]
        keys = tuple(kebab(name) for name in (model or MODELS["compose-ssh"]).model_fields)
        return "[tool.pipeline.deploy]", rest, keys
    if len(location) > 1:
        name = _keys(PipelineConfig).get(location[0], "")
        nested = getattr(PipelineConfig.model_fields.get(name), "annotation", None)
        for member in getattr(nested, "__args__", (nested,)):
            if isinstance(member, type) and issubclass(member, BaseModel):
                return f"[tool.pipeline.{location[0]}]", location[1:], tuple(_keys(member))
    return TABLE, location, KNOWN_KEYS


def _describe(error: Mapping[str, Any], flat: tuple[str, ...] = ()) -> str:
    if error["type"] == CONFLICT:
        return str(error["msg"])
    table, location, known = _table_of([str(part) for part in error["loc"]])
    key = location[-1] if location else "?"
    where = f"{table}.{'.'.join(location)}" if location else table
    if error["type"] == "extra_forbidden":
        # At the top, a misspelt flat key is pointed to its family table, never back to it.
        moved = tuple(FLAT_KEYS) if table == TABLE else ()
        hint = difflib.get_close_matches(kebab(key), (*known, *moved), n=1)
        shown = (home(hint[0]) if hint[0] in moved else f"'{hint[0]}'") if hint else ""
        suggestion = f" (did you mean {shown}?)" if hint else ""
        return f"{table} has an unknown key '{key}'{suggestion}; known keys: {', '.join(known)}"
    if error["type"] == "deploy_target":
        got = error.get("input", {}).get("target") if isinstance(error.get("input"), dict) else None
        return f"[tool.pipeline.deploy].target: {got!r} is {error['msg']}"
    if error["type"] == "missing":
        return f"{where} is required"
    message = str(error["msg"]).removeprefix("Value error, ")
    line = f"{where}: {message} (got {error.get('input')!r})"
    for written in flat:  # the user wrote the flat key: name it, and where it lives now
        family_key = home_location(written)
        if where == family_key or where.startswith((f"{family_key}.", f"{family_key}[")):
            line = f"{TABLE}.{written}{where.removeprefix(family_key)}: {message} "
            line += f"(got {error.get('input')!r}); it moves to {home(written)}"
    return line


def validate_config(table: Mapping[str, Any]) -> PipelineConfig:
    """Validate a ``[tool.pipeline]`` table, raising one line per the first bad key.

    Raises:
        PipelineError: naming the unknown or badly typed key.
    """
    flat = tuple(key for key in table if key in FLAT_KEYS)
    try:
        return PipelineConfig.model_validate(dict(table), by_alias=True, by_name=False)
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key explains the "required" error of the key it was meant to be.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        raise PipelineError(_describe(first, flat)) from None


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
