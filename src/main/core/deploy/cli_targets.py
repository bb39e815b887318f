"""What the Kubernetes and ECS command lines share with the Compose one.

The live-smoke options, the bounds and the JSON answer are the same for every target,
so a person switching targets changes only the options that say where the service runs.
"""

import argparse
import asyncio
import getpass
import json
import socket
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from main.core.argv import ValueKeepingParser
from main.core.deploy.errors import DeployError
from main.core.deploy.orchestrate import Plan, Release, deploy, roll_back
from main.core.deploy.result import DeployReport
from main.core.deploy.stability import STABILITY_SECONDS
from main.core.deploy.target import DeployTarget
from main.core.errors import PipelineError
from main.core.limits import MAX_SECONDS
from main.core.mcp.endpoint import DEFAULT_HEALTH_PATH, DEFAULT_MCP_PATH
from main.core.quiet import silence_library_warnings
from main.core.smoke.checks import run_smoke
from main.core.smoke.spec import SmokeSpec

EXIT_DEPLOYED, EXIT_FAILED, EXIT_BAD_USAGE = 0, 1, 2
TARGETS = ("compose-ssh", "kubernetes", "ecs")


class SeamParser(ValueKeepingParser):
    """argparse whose mistakes are one line, a JSON answer and exit status 2.

    Every deploy seam (Compose, Kubernetes, ECS) answers bad usage the same way, so a
    caller reading the JSON never needs to know which target refused.
    """

    def error(self, message: str) -> NoReturn:
        """Print the JSON answer and the line, exit with status 2."""
        sys.stdout.write(json.dumps({"passed": False, "error": f"bad usage: {message}"}) + "\n")
        self.exit(EXIT_BAD_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def target_parser(target: str, doc: str | None) -> SeamParser:
    """The parser of ``python -m main.core.deploy --target TARGET``, its --target required.

    The description is the seam module's docstring's second paragraph.
    """
    parser = SeamParser(
        prog=f"python -m main.core.deploy --target {target}",
        description=doc.split("\n\n")[1] if doc else None,
    )
    parser.add_argument("--target", choices=TARGETS, required=True, help="where staging runs")
    return parser


def add_release_and_smoke(parser: argparse.ArgumentParser) -> None:
    """--image/--rollback, history names, the live smoke test and the bounds."""
    release = parser.add_argument_group("the release")
    release.add_argument("--image", help="REPOSITORY@sha256:... to deploy (not with --rollback)")
    release.add_argument("--tag", default="", help="the tag the image is known by, for history")
    release.add_argument("--ref", default="", help="the git ref behind the image, for history")
    release.add_argument(
        "--rollback", action="store_true", help="go back to the previous healthy deployment"
    )
    add_smoke_and_bounds(parser, timeout_help="seconds the rollout may take to finish")


def add_smoke_and_bounds(parser: argparse.ArgumentParser, *, timeout_help: str) -> None:
    """The live smoke test's options and the bounds: the same for every target."""
    check = parser.add_argument_group("the live smoke test")
    check.add_argument("--url", required=True, help="public URL of the service")
    check.add_argument("--health-path", default=DEFAULT_HEALTH_PATH, help="health path")
    mcp = check.add_mutually_exclusive_group()
    mcp.add_argument("--mcp-path", default=DEFAULT_MCP_PATH, help="MCP endpoint path")
    mcp.add_argument("--no-mcp", action="store_true", help="the service does not speak MCP")
    check.add_argument(
        "--ready-timeout", type=float, default=60.0, help="seconds the live URL may take to answer"
    )
    bounds = parser.add_argument_group("bounds")
    bounds.add_argument("--timeout", type=float, default=300.0, help=timeout_help)
    bounds.add_argument(
        "--stability-window",
        type=float,
        default=STABILITY_SECONDS,
        help="seconds the service must keep running after its live smoke test, before a "
        f"second one (default {STABILITY_SECONDS:g}; 0: off)",
    )
    bounds.add_argument(
        "--lock-timeout", type=float, default=600.0, help="seconds to wait for another deploy"
    )


def check_bounds(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The bounds of [tool.pipeline.deploy]; a zero budget changes and fails, inf is none."""
    if not 0 < args.timeout <= MAX_SECONDS:
        parser.error(f"--timeout must be a number of seconds > 0 and <= {MAX_SECONDS}")
    if not 0 <= args.lock_timeout <= MAX_SECONDS:
        parser.error(f"--lock-timeout must be a number of seconds >= 0 and <= {MAX_SECONDS}")
    if not 0 <= args.stability_window <= MAX_SECONDS:
        parser.error(f"--stability-window must be a number of seconds >= 0 and <= {MAX_SECONDS}")
    if not 0 < args.ready_timeout <= MAX_SECONDS:  # the smoke bound derives from it
        parser.error(f"--ready-timeout must be a number of seconds > 0 and <= {MAX_SECONDS}")


def release_and_plan(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> tuple[Release | None, Plan]:
    """The release (None: a rollback) and the plan; mistakes end as ``parser.error``."""
    if args.rollback == bool(args.image):
        parser.error("give exactly one of --image REPOSITORY@sha256:... or --rollback")
    check_bounds(parser, args)
    try:
        spec = SmokeSpec(
            url=args.url,
            health_path=args.health_path or None,
            mcp_path=None if args.no_mcp else args.mcp_path,
            timeout=args.ready_timeout + 30.0,
            ready_timeout=args.ready_timeout,
        )
        release = None if args.rollback else Release(args.image, args.tag, args.ref)
    except PipelineError as exc:
        parser.error(str(exc))
    plan = Plan(
        url=args.url,
        smoke=lambda: asyncio.to_thread(run_smoke, spec),
        by=f"{getpass.getuser()}@{socket.gethostname()}",
        timeout=args.timeout,
        lock_timeout=args.lock_timeout,
        stability=args.stability_window,
    )
    return release, plan


def check_names(
    parser: argparse.ArgumentParser, problem: Callable[[str, str], str], names: dict[str, str]
) -> None:
    """Every ``--option value`` pair is a valid name of its kind, else bad usage."""
    for option, value in names.items():
        why = problem(option.removeprefix("--"), value)
        if why:
            parser.error(f"{option}: {why}")


async def run(
    target: DeployTarget, plan: Plan, release: Release | None, to: str = ""
) -> DeployReport:
    """Deploy (or roll back, to ``to`` if given); a refusal before any change fails too."""
    try:
        if release is None:
            return await roll_back(target, plan, to=to)
        return await deploy(target, release, plan)
    except DeployError as exc:
        return DeployReport(
            outcome="failed",
            target=target.describe(),
            url=plan.url,
            image="" if release is None else release.image,
            error=str(exc),
            rollback=release is None,
            host_changed=False,
        )


def finish(
    parse: Callable[[Sequence[str] | None], tuple[DeployTarget, Plan, Release | None]],
    argv: Sequence[str] | None,
) -> int:
    """Parse, run, print the JSON result and the summary; the exit status says how it ended."""
    silence_library_warnings()
    target, plan, release = parse(argv)
    result = asyncio.run(run(target, plan, release))
    sys.stdout.write(result.to_json() + "\n")
    sys.stderr.write(result.summary() + "\n")
    return EXIT_DEPLOYED if result.passed else EXIT_FAILED
