"""``python -m main.core.deploy --target ecs ...``: deploy to an ECS service.

Registers a task-definition revision that differs only in one container's image (by
digest), updates the service, waits for steady state or the circuit breaker's verdict,
smokes the live URL and rolls back by itself. AWS credentials come from the environment
as boto3 reads them (variables, profile, the runner's role). Exit status: 0 deployed,
1 failed, 2 bad usage.
"""

import argparse
from collections.abc import Sequence
from urllib.parse import urlsplit

from main.core.deploy.cli_targets import (
    add_release_and_smoke,
    check_names,
    finish,
    release_and_plan,
    target_parser,
)
from main.core.deploy.ecs.names import name_problem
from main.core.deploy.ecs.target import EcsTarget
from main.core.deploy.orchestrate import Plan, Release
from main.core.deploy.targets import ecs_target


def build_parser() -> argparse.ArgumentParser:
    """Where the service is, then what every target shares."""
    parser = target_parser("ecs", __doc__)
    where = parser.add_argument_group("the service")
    where.add_argument("--region", required=True, help="AWS region, e.g. eu-west-1")
    where.add_argument("--cluster", required=True, help="ECS cluster name")
    where.add_argument("--service", required=True, help="ECS service name")
    where.add_argument("--container", required=True, help="the container whose image is set")
    where.add_argument(
        "--endpoint-url", default=None, help="another ECS endpoint (an emulator, a VPC endpoint)"
    )
    add_release_and_smoke(parser)
    return parser


def parse(argv: Sequence[str] | None) -> tuple[EcsTarget, Plan, Release | None]:
    """The target, plan and release; bad usage ends the process with status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    release, plan = release_and_plan(parser, args)
    check_names(
        parser,
        name_problem,
        {
            "--region": args.region,
            "--cluster": args.cluster,
            "--service": args.service,
            "--container": args.container,
        },
    )
    if args.endpoint_url is not None:
        parts = urlsplit(args.endpoint_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            parser.error(f"--endpoint-url {args.endpoint_url!r} is not an http(s) URL")
    target = ecs_target(
        args.region, args.cluster, args.service, args.container, endpoint_url=args.endpoint_url
    )
    return target, plan, release


def main(argv: Sequence[str] | None = None) -> int:
    """Run one deployment; the exit status says how it ended."""
    return finish(parse, argv)
