"""``python -m main.core.deploy --target kubernetes ...``: deploy to a Kubernetes Deployment.

Sets one container's image by digest, waits for the rollout as ``kubectl rollout status``
judges it, smokes the live URL and rolls back by itself; the Lease and the history live
beside the Deployment. Credentials come from the kubeconfig as kubectl reads it (server,
CA, token or client certificate). Exit status: 0 deployed, 1 failed, 2 bad usage.
"""

import argparse
from collections.abc import Sequence
from pathlib import Path

from main.core.deploy.cli_targets import (
    add_release_and_smoke,
    check_names,
    finish,
    release_and_plan,
    target_parser,
)
from main.core.deploy.errors import DeployError
from main.core.deploy.kubernetes.names import name_problem
from main.core.deploy.kubernetes.target import KubernetesTarget
from main.core.deploy.orchestrate import Plan, Release
from main.core.deploy.targets import kubernetes_target


def build_parser() -> argparse.ArgumentParser:
    """Where the Deployment is, then what every target shares."""
    parser = target_parser("kubernetes", __doc__)
    where = parser.add_argument_group("the Deployment")
    where.add_argument(
        "--kubeconfig", required=True, type=Path, help="kubeconfig file (as kubectl reads it)"
    )
    where.add_argument(
        "--context", default="", help="kubeconfig context (default: current-context)"
    )
    where.add_argument(
        "--namespace", default="", help="namespace (default: the context's, else default)"
    )
    where.add_argument("--deployment", required=True, help="the Deployment whose container is set")
    where.add_argument("--container", required=True, help="the container whose image is set")
    add_release_and_smoke(parser)
    return parser


def parse(argv: Sequence[str] | None) -> tuple[KubernetesTarget, Plan, Release | None]:
    """The target, plan and release; bad usage ends the process with status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    release, plan = release_and_plan(parser, args)
    try:
        text = args.kubeconfig.read_text(encoding="utf-8")
    except OSError as exc:
        parser.error(f"--kubeconfig {args.kubeconfig}: {exc.strerror or exc}")
    try:
        target = kubernetes_target(
            text,
            deployment=args.deployment,
            container=args.container,
            namespace=args.namespace,
            context=args.context,
        )
    except DeployError as exc:
        parser.error(f"--kubeconfig {args.kubeconfig}: {exc}")
    check_names(
        parser,
        name_problem,
        {
            "--namespace": target.namespace,
            "--deployment": args.deployment,
            "--container": args.container,
        },
    )
    return target, plan, release


def main(argv: Sequence[str] | None = None) -> int:
    """Run one deployment; the exit status says how it ended."""
    return finish(parse, argv)
