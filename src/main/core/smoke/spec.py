"""What a smoke test checks: target, paths, expected tools, one tool call, extra HTTP checks.

The same definitions serve the command line (``python -m main.core.smoke``, which must
run in a bare client container with nothing but httpx) and the ``[tool.pipeline]``
validation, which calls :func:`parse_http_check` and :func:`parse_tool_call` so that a
setting is checked by exactly the code that will use it. Standard library only.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from main.core.errors import PipelineError
from main.core.mcp.endpoint import (
    DEFAULT_HEALTH_PATH,
    DEFAULT_MCP_PATH,
    check_path,
    check_seconds,
    check_url,
)

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
HTTP_CHECK_KEYS = ("name", "method", "path", "status", "json-path", "equals", "contains")
TOOL_CALL_KEYS = ("name", "arguments", "expect")
_MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class HttpCheck:
    """One extra HTTP request and what its answer must show."""

    name: str
    path: str
    method: str = "GET"
    status: int = 200
    json_path: str | None = None
    # _MISSING when no value is expected: ``equals = null`` must stay expressible.
    equals: Any = _MISSING
    contains: str | None = None

    @property
    def expects_value(self) -> bool:
        """Whether the JSON field must equal a given value (not merely exist)."""
        return self.equals is not _MISSING


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One ``tools/call`` and the text its result must contain."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    expect: str | None = None


@dataclass(frozen=True, slots=True)
class SmokeSpec:
    """Everything one smoke run needs; built by the CLI or the Dagger function."""

    url: str
    health_path: str | None = DEFAULT_HEALTH_PATH  # None: the server has no health endpoint
    mcp_path: str | None = DEFAULT_MCP_PATH
    timeout: float = 30.0
    ready_timeout: float | None = None
    expected_tools: tuple[str, ...] = ()
    tool_call: ToolCall | None = None
    checks: tuple[HttpCheck, ...] = ()

    def __post_init__(self) -> None:
        """Refuse a spec that could only fail for reasons unrelated to the server."""
        check_url(self.url)
        if self.health_path is not None:
            check_path("--health-path", self.health_path)
        elif self.mcp_path is None:
            msg = (
                "with neither a health path nor MCP there is nothing to check: "
                "give --health-path, or leave MCP on"
            )
            raise PipelineError(msg)
        if self.mcp_path is not None:
            check_path("--mcp-path", self.mcp_path)
        check_seconds("--timeout", self.timeout)
        if self.ready_timeout is not None:
            check_seconds("--ready-timeout", self.ready_timeout)
        if self.mcp_path is None and (self.expected_tools or self.tool_call):
            msg = (
                "expected tools or a tool call need MCP: turn MCP on "
                "([tool.pipeline.smoke] mcp = true, or no --no-mcp) or leave them out"
            )
            raise PipelineError(msg)
        names = [check.name for check in self.checks]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            msg = f"extra checks need distinct names, {duplicates[0]!r} is used twice"
            raise PipelineError(msg)

    @property
    def base_url(self) -> str:
        """The URL without a trailing slash, so that paths join predictably."""
        return self.url.rstrip("/")


def _table(what: str, raw: object, known: tuple[str, ...]) -> Mapping[str, Any]:
    """``raw`` as a mapping whose keys are all ``known``: the first check of every form."""
    if not isinstance(raw, Mapping):
        msg = f"{what} must be a table/object, got {raw!r}"
        raise PipelineError(msg)
    unknown = sorted(set(raw) - set(known))
    if unknown:
        msg = f"{what} has an unknown key {unknown[0]!r}; known keys: {', '.join(known)}"
        raise PipelineError(msg)
    return raw


def _text(what: str, raw: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        msg = f"{what} needs '{key}' as a non-empty string, got {value!r}"
        raise PipelineError(msg)
    return value


def parse_http_check(raw: object) -> HttpCheck:
    """Read one extra check from its mapping form (a ``--check`` JSON or a TOML table).

    Raises:
        PipelineError: naming the bad key and what is expected.
    """
    what = "an extra check"
    raw = _table(what, raw, HTTP_CHECK_KEYS)
    path = _text(what, raw, "path", required=True) or "/"
    check_path(f"{what}'s path", path)
    method = (_text(what, raw, "method") or "GET").upper()
    if method not in HTTP_METHODS:
        msg = f"{what} has method {method!r}; use one of {', '.join(HTTP_METHODS)}"
        raise PipelineError(msg)
    status = raw.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:  # noqa: PLR2004
        msg = f"{what} needs 'status' as an HTTP status code (100-599), got {status!r}"
        raise PipelineError(msg)
    json_path = _text(what, raw, "json-path")
    if "equals" in raw and json_path is None:
        msg = f"{what} has 'equals' without 'json-path': name the JSON field to compare"
        raise PipelineError(msg)
    return HttpCheck(
        name=_text(what, raw, "name") or f"{method} {path}",
        path=path,
        method=method,
        status=status,
        json_path=json_path,
        equals=raw.get("equals", _MISSING),
        contains=_text(what, raw, "contains"),
    )


def parse_tool_call(raw: object) -> ToolCall:
    """Read the tool call from its mapping form: name, arguments, expected text.

    Raises:
        PipelineError: naming the bad key and what is expected.
    """
    what = "the tool call"
    raw = _table(what, raw, TOOL_CALL_KEYS)
    arguments = raw.get("arguments", {})
    if not isinstance(arguments, Mapping):
        msg = f"{what} needs 'arguments' as a table/object, got {arguments!r}"
        raise PipelineError(msg)
    return ToolCall(
        name=_text(what, raw, "name", required=True) or "",
        arguments=dict(arguments),
        expect=_text(what, raw, "expect"),
    )


def http_check_mapping(check: HttpCheck) -> dict[str, Any]:
    """The mapping form of a check: what ``--check`` takes, the inverse of parsing."""
    mapping: dict[str, Any] = {
        "name": check.name,
        "method": check.method,
        "path": check.path,
        "status": check.status,
    }
    if check.json_path is not None:
        mapping["json-path"] = check.json_path
    if check.expects_value:
        mapping["equals"] = check.equals
    if check.contains is not None:
        mapping["contains"] = check.contains
    return mapping


def argv_for(spec: SmokeSpec) -> list[str]:
    """The command line that makes the checker run ``spec``: the inverse of parsing it.

    The Dagger function builds its client container's command with this, so the
    container runs exactly what the integration tests run on the host. Options are
    written ``--name=value`` so that a value starting with ``-`` stays a value.
    """

    def option(name: str, value: str) -> str:
        return f"--{name}={value}"

    argv = [spec.url, option("timeout", str(spec.timeout))]
    argv += (
        ["--no-health"] if spec.health_path is None else [option("health-path", spec.health_path)]
    )
    argv += ["--no-mcp"] if spec.mcp_path is None else [option("mcp-path", spec.mcp_path)]
    if spec.ready_timeout is not None:
        argv.append(option("ready-timeout", str(spec.ready_timeout)))
    argv += [option("expect-tool", name) for name in spec.expected_tools]
    if spec.tool_call is not None:
        arguments = json.dumps(dict(spec.tool_call.arguments), sort_keys=True)
        argv += [option("call", spec.tool_call.name), option("call-args", arguments)]
        if spec.tool_call.expect is not None:
            argv.append(option("call-expect", spec.tool_call.expect))
    checks = [json.dumps(http_check_mapping(check), sort_keys=True) for check in spec.checks]
    return argv + [option("check", check) for check in checks]
