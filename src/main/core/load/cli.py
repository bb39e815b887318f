"""Load-test a running service: ``python -m main.core.load URL [options]``.

Simulated MCP clients (initialize, tools/list, tools/call) mixed with GETs of the
health path, for a number of users and seconds, then a verdict against the limits.
Prints the JSON result on stdout and a one-line verdict on stderr. Exit status: 0
passed, 1 a limit was broken or the target failed, 2 bad arguments.

The same command is every role of a distributed run: alone (the default), ``--workers
N`` (a master here and N worker processes on this machine), ``--master
--expect-workers N`` (workers elsewhere connect to it) and ``--worker --master-host H``
(one of those). Its settings are arguments only, so it runs as it is in the load
generator's container (Python, httpx and Locust).
"""

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from main.core.argv import ValueKeepingParser
from main.core.errors import PipelineError
from main.core.load.limits import parse_limits
from main.core.load.spec import LoadSpec, check_workers
from main.core.load.thresholds import Thresholds
from main.core.mcp.endpoint import DEFAULT_HEALTH_PATH, DEFAULT_MCP_PATH, check_seconds
from main.core.quiet import silence_library_warnings

EXIT_PASSED, EXIT_FAILED, EXIT_BAD_ARGUMENTS = 0, 1, 2
MASTER_PORT = 5557  # Locust's own default


def failure_document(line: str) -> dict[str, Any]:
    """The stable JSON shape for a run that produced no figures."""
    return {"passed": False, "breaches": [line], "requests": {}, "summary": line}


class _Parser(ValueKeepingParser):
    """argparse, but every mistake is one line (no usage dump) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        # Callers read stdout as JSON whatever happened, so bad usage prints a document too.
        document = failure_document(f"bad usage: {message}")
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        self.exit(EXIT_BAD_ARGUMENTS, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The command line; defaults suit the sample MCP server."""
    parser = _Parser(
        prog="python -m main.core.load",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    add = parser.add_argument
    add("url", metavar="URL", help="base URL of the service, e.g. http://app:8000")
    add("--users", type=int, default=10, help="simulated users at once (default 10)")
    add("--spawn-rate", type=float, default=10.0, help="users started per second (default 10)")
    add("--duration", type=float, default=30.0, help="seconds of traffic, ramp-up included")
    add("--health-path", default=DEFAULT_HEALTH_PATH, help="plain GET path counted as health")
    add("--no-health", action="store_true", help="the service has no health path")
    add("--mcp-path", default=DEFAULT_MCP_PATH, help="path of the MCP streamable HTTP endpoint")
    add("--no-mcp", action="store_true", help="no MCP: plain HTTP traffic only")
    add("--tool", help="tool each MCP round calls (default: the first, if it needs no arguments)")
    add("--tool-args", metavar="JSON", default="{}", help="arguments of --tool, e.g. '{\"a\": 2}'")
    add("--health-weight", type=int, default=1, help="weight of each plain GET path (default 1)")
    add("--mcp-weight", type=int, default=1, help="weight of an MCP round (default 1)")
    add("--path", action="append", default=[], help="extra plain GET path (repeatable)")
    for name, said in (
        ("--p95-ms", "p95 limit per request kind, in ms; KIND=MS for one kind (repeatable)"),
        ("--p99-ms", "p99 limit per request kind, in ms; KIND=MS for one kind (repeatable)"),
        ("--max-error-rate", "highest failed share per kind, 0 to 1; KIND=SHARE for one kind"),
    ):
        add(name, action="append", default=[], metavar="[KIND=]VALUE", help=said)
    add("--min-rps", type=float, help="lowest total requests per second")
    add("--warmup", type=float, help="seconds not judged (default: the ramp-up, whole seconds)")
    add("--abort-on-breach", action="store_true", help="stop once a limit is broken for good")
    add("--csv-prefix", metavar="PATH", help="also write Locust's CSV files as PATH_stats.csv...")
    add("--json-out", metavar="FILE", help="also write the JSON result to FILE")
    add("--markdown-out", metavar="FILE", help="also write the Markdown report to FILE")
    roles = parser.add_mutually_exclusive_group()
    roles.add_argument("--workers", type=int, default=0, help="N worker processes on this machine")
    roles.add_argument("--master", action="store_true", help="wait for --expect-workers to connect")
    roles.add_argument("--worker", action="store_true", help="serve the master at --master-host")
    add("--expect-workers", type=int, default=1, help="workers a --master waits for")
    add("--master-bind-host", default="*", help="interface a --master listens on")
    add("--master-bind-port", type=int, default=MASTER_PORT, help="port a --master listens on")
    add("--master-host", default="127.0.0.1", help="where a --worker finds its master")
    add("--master-port", type=int, default=MASTER_PORT, help="the master's port")
    add("--connect-timeout", type=float, default=60.0, help="seconds to wait for workers")
    return parser


def _json_object(option: str, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"{option} is not valid JSON ({exc.msg} at char {exc.pos}): {text!r}"
        raise PipelineError(msg) from None
    if not isinstance(value, dict):
        msg = f"{option} must be a JSON object, got {text!r}"
        raise PipelineError(msg)
    return value


def _check_roles(args: argparse.Namespace) -> None:
    check_workers("--workers", args.workers)
    check_workers("--expect-workers", args.expect_workers, least=1)
    check_seconds("--connect-timeout", args.connect_timeout)
    for option, port in (
        ("--master-bind-port", args.master_bind_port),
        ("--master-port", args.master_port),
    ):
        if not 0 <= port <= 65535:  # noqa: PLR2004 - the TCP port range
            msg = f"{option} must be a TCP port, got {port}"
            raise PipelineError(msg)


def _thresholds(args: argparse.Namespace, spec: LoadSpec) -> Thresholds:
    p95, p95_by_kind = parse_limits("--p95-ms", args.p95_ms)
    p99, p99_by_kind = parse_limits("--p99-ms", args.p99_ms)
    rate, rate_by_kind = parse_limits("--max-error-rate", args.max_error_rate)
    thresholds = Thresholds(
        p95_ms=p95,
        p99_ms=p99,
        max_error_rate=rate,
        min_rps=args.min_rps,
        p95_by_kind=p95_by_kind,
        p99_by_kind=p99_by_kind,
        error_rate_by_kind=rate_by_kind,
        abort_on_breach=args.abort_on_breach,
    )
    thresholds.check_kinds(spec.kinds())
    return thresholds


def _prepare_outputs(*outputs: tuple[str, str | None]) -> None:
    """Make the folders the files go to now, so a bad path is bad usage, not a lost run."""
    for option, path in outputs:
        if option != "--csv-prefix" and path is not None and Path(path).is_dir():
            msg = f"{option} names a directory, not a file: {path!r}"
            raise PipelineError(msg)
    for option, path in outputs:
        if path is None:
            continue
        folder = Path(path).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"{option}: cannot create the folder {folder} ({exc.strerror})"
            raise PipelineError(msg) from None
        _check_writable(option, folder)


def _check_writable(option: str, folder: Path) -> None:
    """Create and remove a file in ``folder``: what writing the output will need.

    A folder that exists may still take no file (``/proc``, read-only, no permission);
    found after the run, that lost the run's figures to a traceback.
    """
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".load-probe-"):
            pass
    except OSError as exc:
        msg = f"{option}: cannot write a file in {folder} ({exc.strerror})"
        raise PipelineError(msg) from None


def parse(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, LoadSpec, Thresholds]:
    """Parse the command line; a mistake exits with status 2 and one line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _check_roles(args)
        _prepare_outputs(
            ("--json-out", args.json_out),
            ("--markdown-out", args.markdown_out),
            ("--csv-prefix", args.csv_prefix),
        )
        spec = LoadSpec(
            url=args.url,
            users=args.users,
            spawn_rate=args.spawn_rate,
            duration_seconds=args.duration,
            health_path=None if args.no_health else args.health_path,
            mcp_path=None if args.no_mcp else args.mcp_path,
            tool=args.tool,
            tool_arguments=_json_object("--tool-args", args.tool_args),
            health_weight=args.health_weight,
            mcp_weight=args.mcp_weight,
            paths=tuple(args.path),
            warmup_seconds=args.warmup,
        )
        thresholds = _thresholds(args, spec)
    except PipelineError as exc:
        parser.error(str(exc))
    return args, spec, thresholds


def argv_for(spec: LoadSpec, thresholds: Thresholds) -> list[str]:
    """The command line that runs ``spec`` judged by ``thresholds``: the inverse of parsing.

    Options are written ``--name=value`` so that a value starting with ``-`` stays a value.
    """

    def option(name: str, value: object) -> str:
        return f"--{name}={value}"

    argv = [
        spec.url,
        option("users", spec.users),
        option("spawn-rate", spec.spawn_rate),
        option("duration", spec.duration_seconds),
        option("health-weight", spec.health_weight),
        option("mcp-weight", spec.mcp_weight),
    ]
    argv += (
        ["--no-health"] if spec.health_path is None else [option("health-path", spec.health_path)]
    )
    argv += ["--no-mcp"] if spec.mcp_path is None else [option("mcp-path", spec.mcp_path)]
    if spec.tool is not None:
        argv.append(option("tool", spec.tool))
    if spec.tool_arguments:
        argv.append(option("tool-args", json.dumps(dict(spec.tool_arguments), sort_keys=True)))
    argv += [option("path", path) for path in spec.paths]
    if spec.warmup_seconds is not None:
        argv.append(option("warmup", spec.warmup_seconds))
    for name, value, per_kind in (
        ("p95-ms", thresholds.p95_ms, thresholds.p95_by_kind),
        ("p99-ms", thresholds.p99_ms, thresholds.p99_by_kind),
        ("max-error-rate", thresholds.max_error_rate, thresholds.error_rate_by_kind),
        ("min-rps", thresholds.min_rps, {}),
    ):
        if value is not None:
            argv.append(option(name, value))
        argv += [option(name, f"{kind}={limit}") for kind, limit in per_kind.items()]
    if thresholds.abort_on_breach:
        argv.append("--abort-on-breach")
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load test in the role the arguments give; JSON on stdout, verdict on stderr."""
    silence_library_warnings()
    arguments = list(sys.argv[1:] if argv is None else argv)
    args, spec, thresholds = parse(arguments)
    # Locust patches the standard library when imported: only once the arguments are good.
    from main.core.load import runner  # noqa: PLC0415
    from main.core.load.markdown import failure_markdown, render_markdown  # noqa: PLC0415
    from main.core.load.thresholds import judge  # noqa: PLC0415

    if args.worker:
        runner.run_worker(spec, master_host=args.master_host, master_port=args.master_port)
        return EXIT_PASSED
    try:
        if args.workers:
            result = runner.run_with_local_workers(
                # Each worker gets the spec alone, written back as this seam writes it.
                spec,
                argv_for(spec, thresholds),
                workers=args.workers,
                csv_prefix=args.csv_prefix,
                thresholds=thresholds,
            )
        elif args.master:
            result = runner.run_master(
                spec,
                workers=args.expect_workers,
                bind_host=args.master_bind_host,
                bind_port=args.master_bind_port,
                csv_prefix=args.csv_prefix,
                connect_timeout=args.connect_timeout,
                thresholds=thresholds,
            )
        else:
            result = runner.run_local(spec, csv_prefix=args.csv_prefix, thresholds=thresholds)
    except PipelineError as exc:
        text = json.dumps(failure_document(str(exc)), indent=2)
        sys.stdout.write(text + "\n")
        sys.stderr.write(f"load test failed: {exc}\n")
        if args.json_out:
            write_result(args.json_out, text)
        if args.markdown_out:
            write_result(args.markdown_out, failure_markdown(str(exc)))
        return EXIT_FAILED
    result = judge(result, thresholds)
    text = result.to_json()
    sys.stdout.write(text + "\n")  # first: the document must not depend on the file
    sys.stderr.write(result.summary() + "\n")
    if args.json_out:
        write_result(args.json_out, text)
    if args.markdown_out:
        write_result(args.markdown_out, render_markdown(result))
    return EXIT_PASSED if result.passed else EXIT_FAILED


def write_result(path: str, text: str) -> None:
    """Write a result (JSON or Markdown) to ``path`` at once: the whole document or no file.

    A distributed run's reader copies the file as soon as it exists, so it is written
    under a hidden temporary name in the same folder (the same filesystem) and renamed.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    partial = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text if text.endswith("\n") else text + "\n")
        partial.chmod(0o644)  # mkstemp's 0600 would hide the report from other users
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
