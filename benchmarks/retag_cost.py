"""Re-tag cost against image size, beside a full copy, on a real docker-registry.

Promote and rollback re-tag: GET the manifest, PUT the same bytes under another tag.
The budget is that this costs the same for a 1 MB and a 200 MB image (within noise),
because no layer moves. Beside it, a full copy of the same image to another repository
(every blob downloaded and uploaded, then the manifest: what `docker pull` + `docker
tag` + `docker push` to a new place amounts to) shows what re-tagging saves.

Starts Debian's docker-registry on a free 127.0.0.1 port with storage in a temporary
folder, pushes both images, then times each operation with `time.perf_counter`.

Run from the repository root: `.venv/bin/python -m benchmarks.retag_cost [--runs N]`.
"""

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

from main.core.registry.client import Registry
from tests.support.images import layer, push_image
from tests.support.processes import registry_server

MB = 1024 * 1024
SIZES = {"1 MB": 1 * MB, "200 MB": 200 * MB}
LAYERS = 4
NOISE_MS = 1.0  # below this, a difference is scheduling noise on a loopback registry


async def copy_image(client: Registry, repo: str, tag: str, target_repo: str) -> None:
    """Copy ``repo:tag`` to ``target_repo:tag`` the long way: every blob down and up."""
    manifest = await client.manifest(repo, tag)
    for digest in [manifest.config_digest(), *manifest.layer_digests()]:
        await client.push_blob(target_repo, await client.blob(repo, digest))
    await client.put_manifest(target_repo, tag, manifest)


async def timed(runs: int, operation: Callable[[int], Awaitable[object]]) -> list[float]:
    """Wall time in ms of ``operation(n)`` for each run ``n``."""
    samples = []
    for run in range(runs):
        started = time.perf_counter()
        await operation(run)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def describe(samples: list[float]) -> str:
    """Median and spread of a list of timings."""
    low, high = min(samples), max(samples)
    return f"median {statistics.median(samples):8.1f} ms (min {low:.1f}, max {high:.1f})"


async def measure(base: str, runs: int, copies: int) -> None:
    """Push both images, then time re-tags (interleaved, so drift hits both) and copies."""
    async with Registry(base) as client:
        repos = {label: f"bench/{label.replace(' ', '').lower()}" for label in SIZES}
        for label, size in SIZES.items():
            layers = [layer(size // LAYERS, f"{repos[label]}-{n}") for n in range(LAYERS)]
            await push_image(client, repos[label], "staging-latest", layers=layers)
            await client.retag(repos[label], "staging-latest", "warm-up")
        retags: dict[str, list[float]] = {label: [] for label in SIZES}
        for run in range(runs):
            for label, repo in repos.items():
                started = time.perf_counter()
                await client.retag(repo, "staging-latest", f"release-{run}")
                retags[label].append((time.perf_counter() - started) * 1000)
        for label, repo in repos.items():

            async def copy(run: int, repo: str = repo) -> None:
                await copy_image(client, repo, "staging-latest", f"{repo}-copy-{run}")

            copied = await timed(copies, copy)
            print(f"{label:>7} image, re-tag ({runs} runs):     {describe(retags[label])}")
            print(f"{label:>7} image, full copy ({copies} runs): {describe(copied)}")
    small, large = (statistics.median(retags[label]) for label in SIZES)
    ratio = large / small
    within = abs(large - small) <= NOISE_MS or 0.8 <= ratio <= 1.25  # noqa: PLR2004
    verdict = "within" if within else "OVER"
    print(f"budget: re-tag cost does not grow with size: {verdict} (200 MB / 1 MB = {ratio:.2f})")


def main() -> None:
    """Parse options, start a registry, measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="re-tags timed per image")
    parser.add_argument("--copies", type=int, default=3, help="full copies timed per image")
    options = parser.parse_args()
    binary = shutil.which("docker-registry")
    if binary is None:
        parser.error("docker-registry is not installed (scripts/test installs it)")
    with tempfile.TemporaryDirectory() as root, registry_server(Path(root), binary) as base:
        anyio.run(measure, base, options.runs, options.copies)


if __name__ == "__main__":
    main()
