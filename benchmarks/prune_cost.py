"""Dry-run prune time beside its floor, on a real docker-registry with many staging tags.

A dry-run prune must read the repository's snapshot: the tag list and, for each tag,
where it points and what it holds (an index's children). The floor is the least any
client can do for that: one ``httpx.AsyncClient`` that lists the tags and GETs each
tag's manifest once, with the same number of requests in flight as the registry client
(``CONCURRENT_READS``). Budget: a dry-run ``prune_staging`` within 2x of that floor,
both measured in the same run, interleaved so that drift on a shared machine hits both.

Starts Debian's docker-registry on a free 127.0.0.1 port with storage in a temporary
folder and pushes ``--tags`` timestamped staging tags (each its own image: a config with
its own labels over one shared layer), ``staging-latest`` on the newest.

Run from the repository root: `.venv/bin/python -m benchmarks.prune_cost [--tags N] [--runs N]`.
"""

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import httpx

from main.core.registry.client import CONCURRENT_READS, Registry
from main.core.registry.manifests import ACCEPT
from main.core.registry.pruning import OciDeleter, prune_staging
from main.core.tags import STAGING_LATEST, staging_tags
from tests.support.images import layer, push_image
from tests.support.processes import registry_server

REPO = "bench/prune"
START = datetime(2026, 1, 1, tzinfo=UTC)
BUDGET = 2.0


async def fill(base: str, count: int) -> None:
    """``count`` staging deployments, one a day, each a distinct image."""
    shared = [layer(1024, "prune-bench")]
    async with Registry(base) as client:  # one at a time: the shared layer's upload races
        for day in range(count):
            tag, _ = staging_tags("1.0.0", f"{day:07x}" + "0" * 33, START + timedelta(days=day))
            await push_image(client, REPO, tag, layers=shared, labels={"day": str(day)})
        newest, _ = staging_tags(
            "1.0.0", f"{count - 1:07x}" + "0" * 33, START + timedelta(days=count - 1)
        )
        await client.retag(REPO, newest, STAGING_LATEST)


async def floor(base: str) -> int:
    """One client: the tag list, then each tag's manifest once; returns how many tags."""
    async with httpx.AsyncClient(base_url=base) as client:
        listed = await client.get(f"/v2/{REPO}/tags/list?n=10000")
        tags: list[str] = listed.json()["tags"]
        limiter = anyio.CapacityLimiter(CONCURRENT_READS)

        async def get(tag: str) -> None:
            async with limiter:
                answer = await client.get(f"/v2/{REPO}/manifests/{tag}", headers={"Accept": ACCEPT})
                answer.raise_for_status()

        async with anyio.create_task_group() as group:
            for tag in tags:
                group.start_soon(get, tag)
    return len(tags)


async def dry_run(base: str) -> int:
    """A dry-run prune as the pipeline runs it (a fresh client, keep 10); digests to go."""
    registry = Registry(base)
    pruning = await prune_staging(
        registry,
        REPO,
        OciDeleter(registry),
        keep=10,
        newer_than=None,
        now=START + timedelta(days=3650),
        dry_run=True,
    )
    return len(pruning.digests)


async def measure(base: str, count: int, runs: int) -> None:
    """Fill the repository, then time the floor and the dry run, interleaved."""
    started = time.perf_counter()
    await fill(base, count)
    print(f"pushed {count} staging tags in {time.perf_counter() - started:.1f} s")
    timings: dict[str, list[float]] = {"floor": [], "prune": []}
    for _ in range(runs):
        for name, operation in (("floor", floor), ("prune", dry_run)):
            started = time.perf_counter()
            await operation(base)
            timings[name].append((time.perf_counter() - started) * 1000)
    for name, samples in timings.items():
        low, high = min(samples), max(samples)
        print(
            f"{name:>5} ({runs} runs): median {statistics.median(samples):8.1f} ms "
            f"(min {low:.1f}, max {high:.1f})"
        )
    ratio = statistics.median(timings["prune"]) / statistics.median(timings["floor"])
    verdict = "within" if ratio <= BUDGET else "OVER"
    print(f"budget: dry-run prune within {BUDGET:g}x of the floor: {verdict} ({ratio:.2f}x)")


def main() -> None:
    """Parse options, start a registry, measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=400, help="staging tags in the repository")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each")
    options = parser.parse_args()
    binary = shutil.which("docker-registry")
    if binary is None:
        parser.error("docker-registry is not installed (scripts/test installs it)")
    with tempfile.TemporaryDirectory() as root, registry_server(Path(root), binary) as base:
        anyio.run(measure, base, options.tags, options.runs)


if __name__ == "__main__":
    main()
