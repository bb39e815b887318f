"""Deploy outside Dagger: ``python -m main.core.deploy --host HOST ... --image REPO@sha256:...``.

The same deployment the pipeline runs (lock, upload, pull by digest, start, live
smoke test, automatic rollback), from a laptop or to debug a host. Prints the JSON
result on stdout and one summary line on stderr. Exit status: 0 deployed and healthy,
1 failed (rolled back or not: the JSON says what runs now), 2 bad usage.
"""

import argparse
import asyncio
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from main.core.deploy.cli_targets import (
    EXIT_DEPLOYED,
    EXIT_FAILED,
    SeamParser,
    add_smoke_and_bounds,
    release_and_plan,
    run,
)
from main.core.deploy.compose import name_problem
from main.core.deploy.compose_ssh import ComposeOverSsh
from main.core.deploy.orchestrate import Plan, Release
from main.core.deploy.ssh import known_hosts_text
from main.core.deploy.targets import compose_target
from main.core.errors import PipelineError
from main.core.quiet import silence_library_warnings

MAX_PORT = 65535


def build_parser() -> argparse.ArgumentParser:
    """Every option; the required ones are what a deployment cannot guess."""
    parser = SeamParser(
        prog="python -m main.core.deploy",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    parser.add_argument(
        "--target",
        default="compose-ssh",
        help="compose-ssh (these options); kubernetes and ecs take their own: --target T --help",
    )
    ssh = parser.add_argument_group("the host")
    ssh.add_argument("--host", required=True, help="staging host name or address")
    ssh.add_argument("--port", type=int, default=22, help="SSH port (default 22)")
    ssh.add_argument("--user", default="deploy", help="SSH user, in the docker group")
    ssh.add_argument("--identity", required=True, type=Path, help="SSH private key file")
    ssh.add_argument(
        "--known-hosts",
        required=True,
        type=Path,
        help="known_hosts file pinning the host key (unknown keys are refused)",
    )
    service = parser.add_argument_group("the service")
    service.add_argument("--compose-file", required=True, type=Path, help="the Compose file")
    service.add_argument("--service", required=True, help="Compose service whose image is set")
    service.add_argument("--project", required=True, help="Compose project name on the host")
    service.add_argument(
        "--directory", help="directory on the host for the deploy's files (~/.pipeline/PROJECT)"
    )
    service.add_argument("--image", help="REPOSITORY@sha256:... to deploy (not with --rollback)")
    service.add_argument("--tag", default="", help="the tag the image is known by, for history")
    service.add_argument("--ref", default="", help="the git ref behind the image, for history")
    service.add_argument(
        "--rollback",
        action="store_true",
        help="go back one step through the host's history (again: one more step back)",
    )
    service.add_argument(
        "--to",
        default="",
        metavar="DIGEST|TAG",
        help="with --rollback: go back to this deployment of the history instead",
    )
    add_smoke_and_bounds(parser, timeout_help="seconds from pull to a ready container")
    return parser


def _read(option: str, path: Path) -> str:
    """A local file's text; a missing, unreadable or binary file is one line."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"{option} {path}: {exc.strerror or exc}"
        raise PipelineError(msg) from None
    except UnicodeDecodeError as exc:
        msg = (
            f"{option} {path}: not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x}): "
            "give the text file itself (a key or known_hosts in OpenSSH text form, a Compose "
            "file saved as UTF-8)"
        )
        raise PipelineError(msg) from None


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The port and the names, checked before anything connects (bad usage: exit 2)."""
    if not 0 < args.port <= MAX_PORT:
        parser.error(f"--port must be between 1 and {MAX_PORT}")
    # The settings' own name rules: the project becomes a directory on the host and a
    # word in its shell lines, so it is checked before anything connects.
    names: tuple[tuple[Literal["project", "service"], str], ...] = (
        ("project", args.project),
        ("service", args.service),
    )
    for kind, name in names:
        problem = name_problem(kind, name)
        if problem:
            parser.error(f"--{kind} {name!r}: {problem}")


def _parse(argv: Sequence[str] | None) -> tuple[ComposeOverSsh, Plan, Release | None, str]:
    parser = build_parser()
    args = parser.parse_args(argv)
    # One of --image or --rollback, the bounds and the live smoke test, as every seam reads them.
    release, plan = release_and_plan(parser, args)
    if args.to and not args.rollback:
        parser.error("--to DIGEST|TAG goes with --rollback (to deploy an image, use --image)")
    _check(parser, args)
    try:
        target = compose_target(
            host=args.host,
            user=args.user,
            port=args.port,
            host_keys=_read("--known-hosts", args.known_hosts),
            private_key=_read("--identity", args.identity),
            project=args.project,
            service=args.service,
            compose=_read("--compose-file", args.compose_file),
            directory=args.directory,
        )
    except PipelineError as exc:
        parser.error(str(exc))
    if not known_hosts_text(target.endpoint).strip():
        parser.error(
            f"--known-hosts {args.known_hosts} pins no host key: add the line "
            "`ssh-keyscan -p PORT HOST` prints, checked on a network you trust"
        )
    return target, plan, release, args.to


def _other_target(argv: Sequence[str]) -> Callable[[Sequence[str] | None], int] | None:
    """The seam of ``--target kubernetes|ecs`` (loaded only then); None: Compose over SSH."""
    chosen = next(
        (argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--target"),
        next((arg.split("=", 1)[1] for arg in argv if arg.startswith("--target=")), "compose-ssh"),
    )
    if chosen == "kubernetes":
        from main.core.deploy import cli_kubernetes  # noqa: PLC0415 - yaml loads only for it

        return cli_kubernetes.main
    if chosen == "ecs":
        from main.core.deploy import cli_ecs  # noqa: PLC0415 - boto3 loads only for it

        return cli_ecs.main
    if chosen != "compose-ssh":
        build_parser().error(f"--target {chosen!r}: choose compose-ssh, kubernetes or ecs")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one deployment; the exit status says how it ended."""
    silence_library_warnings()
    other = _other_target(sys.argv[1:] if argv is None else argv)
    if other is not None:
        return other(argv)
    target, plan, release, to = _parse(argv)
    result = asyncio.run(run(target, plan, release, to))
    sys.stdout.write(result.to_json() + "\n")
    sys.stderr.write(result.summary() + "\n")
    return EXIT_DEPLOYED if result.passed else EXIT_FAILED
