"""Deploy overhead on Kubernetes and ECS, against each emulator's own rollout, same run.

Budget (docs/architecture.md: the deploy's overhead over the platform's own rollout):
what the orchestration adds to a rollout (the lock, the history, reading the target
before and after, the live smoke test) is paid on every staging deployment, so it must
stay small beside the rollout itself. No real cluster or ECS runs here, so each target
is measured against the integration tests' emulator, all on 127.0.0.1:

- Kubernetes, ``tests/support/kube_api.py``: the documented-API HTTPS server whose
  controller moves a Deployment's status every 20 ms. Reference: a minimal client (one
  JSON patch of the container's image, then a GET every 20 ms until
  ``kubectl rollout status``'s verdict is done): the emulator's own rollout time, as
  near as a client can observe it. Pipeline: ``orchestrate.deploy`` with the
  Kubernetes target (Lease, ConfigMap history, patch, rollout wait) and a live health
  check of the service URL.
- ECS, moto in server mode behind the tests' controller front. Moto runs no tasks, so
  this is a **protocol cost**, not a rollout: the front completes a rollout on the
  second DescribeServices after an UpdateService. Reference: the fewest calls a deploy
  can make (DescribeServices, DescribeTaskDefinition, RegisterTaskDefinition,
  UpdateService, then DescribeServices every 20 ms until steady). Pipeline:
  ``orchestrate.deploy`` with the ECS target (ticket lock, tagged revisions as history,
  the same calls) and the live health check.

Each pipeline runs twice: at its shipped poll interval (0.5 s Kubernetes, 2 s ECS, the
interval a user gets) and at the reference's 20 ms, so the wait for the next poll is
told apart from the calls themselves. The stability window is 0 (it is a deliberate
wait the user sets, 5 s by default). Every run is an upgrade between two images, after
one first deploy; runs are interleaved so drift hits all; figures are medians.

Run from the repository root: `.venv/bin/python benchmarks/deploy_targets.py [--runs 7]`
(about a minute on an idle 2-core machine).
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from main.core.deploy.ecs.revisions import with_image  # noqa: E402
from main.core.deploy.ecs.steady import judge as ecs_judge  # noqa: E402
from main.core.deploy.kubernetes.api import KubeApi  # noqa: E402
from main.core.deploy.kubernetes.kubeconfig import read_kubeconfig  # noqa: E402
from main.core.deploy.kubernetes.rollout import judge as kube_judge  # noqa: E402
from main.core.deploy.orchestrate import Release, deploy  # noqa: E402
from main.core.deploy.result import DeployReport  # noqa: E402
from tests.support.ecs_emulator import moto_server  # noqa: E402
from tests.support.ecs_staging import REGION, EcsStaging, ecs_staging  # noqa: E402
from tests.support.kube_staging import BETTER, GOOD, NAME, NAMESPACE, KubeStaging, kube_staging  # noqa: E402

TICK = 0.02  # the reference clients' poll, the emulators' own step
KUBE_POLL, ECS_POLL = 0.5, 2.0  # the targets' shipped poll intervals
STEPS = ("connect", "lock", "upload", "set-image", "register", "update-service", "rollout",
         "steady", "smoke")  # fmt: skip


async def kube_reference(staging: KubeStaging, image: str) -> float:
    """Patch the image, poll until kubectl's verdict is done: the emulator's rollout."""
    access = read_kubeconfig(staging.kubeconfig)
    path = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{NAME}"
    async with KubeApi(access) as api:
        started = time.perf_counter()
        found = await api.get(path)
        names = [c["name"] for c in found["spec"]["template"]["spec"]["containers"]]
        base = f"/spec/template/spec/containers/{names.index('app')}"
        await api.patch(path, [{"op": "replace", "path": f"{base}/image", "value": image}])
        while True:
            if kube_judge(await api.get(path)).done:
                return time.perf_counter() - started
            await asyncio.sleep(TICK)


def ecs_reference(staging: EcsStaging, image: str) -> float:
    """The fewest ECS calls of a deploy, polled every TICK until steady."""
    # Through the front, as the target goes: it plays the deployment controller.
    ecs: Any = boto3.client("ecs", region_name=REGION, endpoint_url=staging.endpoint)
    started = time.perf_counter()
    service = ecs.describe_services(cluster=staging.cluster, services=[staging.service])
    current = service["services"][0]["taskDefinition"]
    definition = ecs.describe_task_definition(taskDefinition=current)["taskDefinition"]
    made = ecs.register_task_definition(**with_image(definition, "app", image))
    arn = made["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=staging.cluster, service=staging.service, taskDefinition=arn)
    while True:
        found = ecs.describe_services(cluster=staging.cluster, services=[staging.service])
        if ecs_judge(found["services"][0], arn).done:
            return time.perf_counter() - started
        time.sleep(TICK)


def checked(result: DeployReport, image: str) -> DeployReport:
    """The result, if it deployed ``image``; a failed run voids the figure."""
    if not result.passed or result.running != image:
        msg = f"the benchmark's deploy failed: {result.summary()}"
        raise RuntimeError(msg)
    return result


async def kube_pipeline(staging: KubeStaging, image: str, poll: float) -> DeployReport:
    """``orchestrate.deploy`` to the Deployment, as the integration tests plan it."""
    target = staging.target(poll=poll)
    return checked(await deploy(target, Release(image), staging.plan(stability=0)), image)


async def ecs_pipeline(staging: EcsStaging, image: str, poll: float) -> DeployReport:
    """``orchestrate.deploy`` to the ECS service through the front."""
    target = staging.target(poll=poll)
    return checked(await deploy(target, Release(image), staging.plan(stability=0)), image)


class Figures:
    """Wall times and per-step times of every variant, run after run."""

    def __init__(self) -> None:
        """Nothing measured yet."""
        self.walls: dict[str, list[float]] = {}
        self.steps: dict[str, dict[str, list[float]]] = {}

    def add(self, variant: str, seconds: float, result: DeployReport | None = None) -> None:
        """One run of ``variant``."""
        self.walls.setdefault(variant, []).append(seconds)
        if result is not None:
            per = self.steps.setdefault(variant, {})
            for step in STEPS:
                if result.seconds(step):
                    per.setdefault(step, []).append(result.seconds(step))

    def median(self, variant: str) -> float:
        """The median wall time of ``variant``."""
        return statistics.median(self.walls[variant])

    def step_line(self, variant: str) -> str:
        """``step 0.01 s, ...``: the median of each step that ran."""
        per = self.steps.get(variant, {})
        return ", ".join(f"{s} {statistics.median(per[s]):.3f} s" for s in STEPS if s in per)


async def timed(figures: Figures, variant: str, run: Callable[[], Awaitable[DeployReport]]) -> None:
    """Run one pipeline deploy and record its wall time and steps."""
    started = time.perf_counter()
    result = await run()
    figures.add(variant, time.perf_counter() - started, result)


def variants(shipped: float) -> list[tuple[str, float | None]]:
    """Each variant's name and poll interval (None: the reference client)."""
    return [
        ("reference", None),
        (f"pipeline, poll {shipped:g} s", shipped),
        ("pipeline, poll 20 ms", TICK),
    ]


async def measure_kube(runs: int) -> Figures:
    """Reference and pipeline, interleaved, upgrades between GOOD and BETTER."""
    figures = Figures()
    with kube_staging() as staging:
        await kube_pipeline(staging, GOOD, TICK)  # the first deploy: history exists after
        image = GOOD
        for _ in range(runs):
            for variant, poll in variants(KUBE_POLL):
                image = BETTER if image == GOOD else GOOD
                if poll is None:
                    figures.add(variant, await kube_reference(staging, image))
                else:
                    await timed(figures, variant, partial(kube_pipeline, staging, image, poll))
    return figures


async def measure_ecs(runs: int) -> Figures:
    """Reference and pipeline against moto, interleaved, upgrades between GOOD and BETTER."""
    figures = Figures()
    with moto_server() as moto:
        os.environ.update(moto.env())  # boto3's own chain, as a runner's environment
        with ecs_staging(moto) as staging:
            await ecs_pipeline(staging, GOOD, TICK)
            image = GOOD
            for _ in range(runs):
                for variant, poll in variants(ECS_POLL):
                    image = BETTER if image == GOOD else GOOD
                    if poll is None:
                        seconds = await asyncio.to_thread(ecs_reference, staging, image)
                        figures.add(variant, seconds)
                    else:
                        await timed(figures, variant, partial(ecs_pipeline, staging, image, poll))
    return figures


def table(target: str, figures: Figures) -> list[str]:
    """The Markdown rows of one target: each variant against the reference."""
    today = datetime.now(UTC).date().isoformat()
    reference = figures.median("reference")
    rows = []
    for variant in figures.walls:
        median = figures.median(variant)
        rows.append(
            f"| {today} | {target} | {variant} | {median:.3f} s | {median - reference:+.3f} s "
            f"| {median / reference:.1f}x | {figures.step_line(variant)} |"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Measure both targets and print the BENCHMARKS.md rows."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="upgrades per variant")
    args = parser.parse_args(argv)
    kube = asyncio.run(measure_kube(args.runs))
    ecs = asyncio.run(measure_ecs(args.runs))
    print("| date | target | variant | median | over the reference | ratio | median steps |")
    print("|---|---|---|---|---|---|---|")
    for line in [*table("kubernetes (kube_api.py)", kube), *table("ecs (moto, protocol)", ecs)]:
        print(line)
    print(f"load average: {os.getloadavg()[0]:.2f}; runs: {args.runs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
