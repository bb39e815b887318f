"""Smoke-test a running service: ``python -m main.core.smoke URL [options]``.

Waits until the service answers, wants HTTP 200 from its health path, speaks MCP over
streamable HTTP (``initialize``, ``notifications/initialized``, ``tools/list``, an
optional ``tools/call``) and runs any extra HTTP checks. Prints a JSON report on stdout
and a one-line summary on stderr. Exit status: 0 every check passed, 1 a check failed,
2 bad arguments.

It runs as it is inside a small client container bound to the service under test, so
it depends on nothing but the standard library and httpx (``main/__init__.py`` and
``main/core/__init__.py`` import nothing), and it takes its settings as arguments:
the pipeline's pydantic configuration never comes near it.
"""

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from main.core.argv import ValueKeepingParser
from main.core.errors import PipelineError
from main.core.mcp.endpoint import DEFAULT_HEALTH_PATH, DEFAULT_MCP_PATH
from main.core.quiet import silence_library_warnings
from main.core.smoke.checks import run_smoke
from main.core.smoke.spec import (
    HttpCheck,
    SmokeSpec,
    ToolCall,
    parse_http_check,
    parse_tool_call,
)

EXIT_PASSED, EXIT_FAILED, EXIT_BAD_ARGUMENTS = 0, 1, 2


class _Parser(ValueKeepingParser):
    """argparse, but every mistake is one line (no usage dump) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        # Callers read stdout as JSON whatever happened, so bad usage prints a report too.
        usage = {"passed": False, "summary": f"bad usage: {message}", "error": message}
        sys.stdout.write(json.dumps({**usage, "checks": []}, indent=2) + "\n")
        self.exit(EXIT_BAD_ARGUMENTS, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line; every option has a default that suits the sample MCP server."""
    parser = _Parser(
        prog="python -m main.core.smoke",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument("url", metavar="URL", help="base URL of the service, e.g. http://app:8000")
    parser.add_argument(
        "--health-path", default=DEFAULT_HEALTH_PATH, help="path that answers 200 when healthy"
    )
    parser.add_argument(
        "--no-health",
        action="store_true",
        help="the server has no health endpoint: readiness from MCP initialize, liveness by ping",
    )
    parser.add_argument(
        "--mcp-path", default=DEFAULT_MCP_PATH, help="path of the MCP streamable HTTP endpoint"
    )
    parser.add_argument("--no-mcp", action="store_true", help="skip MCP: a plain HTTP service")
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="overall limit in seconds, waiting included"
    )
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=None,
        help="seconds the service may take to become ready (default: the overall timeout)",
    )
    parser.add_argument(
        "--expect-tool",
        action="append",
        default=[],
        metavar="NAME",
        help="a tool tools/list must include (repeatable; default: at least one tool)",
    )
    parser.add_argument("--call", metavar="TOOL", help="call this tool once with tools/call")
    parser.add_argument(
        "--call-args", metavar="JSON", default="{}", help="arguments of --call, e.g. '{\"a\": 2}'"
    )
    parser.add_argument("--call-expect", metavar="TEXT", help="text the --call result must contain")
    parser.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="JSON",
        help=(
            "extra HTTP check (repeatable), e.g. "
            '\'{"name": "version", "path": "/health", "status": 200, '
            '"json-path": "version", "equals": "0.1.0"}\'; keys: name, method, path, '
            "status, json-path, equals, contains"
        ),
    )
    return parser


def _json_argument(option: str, text: str) -> Any:  # noqa: ANN401 - any JSON value
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{option} is not valid JSON ({exc.msg} at char {exc.pos}): {text!r}"
        raise PipelineError(msg) from None


def _tool_call(args: argparse.Namespace) -> ToolCall | None:
    if args.call is None:
        if args.call_expect is not None or args.call_args != "{}":
            msg = "--call-args and --call-expect need --call TOOL"
            raise PipelineError(msg)
        return None
    raw = {"name": args.call, "arguments": _json_argument("--call-args", args.call_args)}
    if args.call_expect is not None:
        raw["expect"] = args.call_expect
    return parse_tool_call(raw)


def spec_from_args(argv: Sequence[str] | None = None) -> SmokeSpec:
    """Parse the command line into a spec; a mistake exits with status 2 and one line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        checks: tuple[HttpCheck, ...] = tuple(
            parse_http_check(_json_argument("--check", text)) for text in args.check
        )
        return SmokeSpec(
            url=args.url,
            health_path=None if args.no_health else args.health_path,
            mcp_path=None if args.no_mcp else args.mcp_path,
            timeout=args.timeout,
            ready_timeout=args.ready_timeout,
            expected_tools=tuple(args.expect_tool),
            tool_call=_tool_call(args),
            checks=checks,
        )
    except PipelineError as exc:
        parser.error(str(exc))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the smoke test; the JSON report goes to stdout, the verdict to stderr."""
    silence_library_warnings()
    report = run_smoke(spec_from_args(argv))
    sys.stdout.write(report.to_json() + "\n")
    sys.stderr.write(report.summary() + "\n")
    return EXIT_PASSED if report.passed else EXIT_FAILED
