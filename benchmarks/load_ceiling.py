"""The load generator's own ceiling: requests per second it can send on this machine.

A load test measures the service only while the generator is not the limit. This
measures the generator against a trivial local server (an ASGI app under uvicorn that
answers ``GET /health`` with a fixed 200, in its own process), beside reference
clients on the same server:

- ``httpx loop``: one Python client sending requests back to back on one connection
  (what a single simulated user could do at best, without Locust around it);
- ``wrk``: Debian's C load generator (``wrk -t1 -c{users}``), when installed: the
  server's own ceiling on this machine, as near as anything here can measure it.

The generator runs ``python -m main.core.load URL --no-mcp`` with ``--users`` users
alone, then with ``--workers 2`` (a master and two worker processes). Its figure is the
JSON result's total requests per second. Ratios are printed against both references.

Run: `.venv/bin/python benchmarks/load_ceiling.py [--runs 3] [--seconds 5] [--users 20]`.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.support.processes import free_port, running, uvicorn_argv  # noqa: E402

Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
BODY = b'{"status": "ok"}'


async def trivial(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:  # noqa: ARG001
    """Answer every HTTP request with the same small 200: the server costs next to nothing."""
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", b"16")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


def httpx_loop(url: str, seconds: float) -> float:
    """Requests per second of one httpx client, back to back on one connection."""
    count = 0
    with httpx.Client() as client:
        ends = time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < ends:
            client.get(url).raise_for_status()
            count += 1
        return count / (time.perf_counter() - started)


def wrk(url: str, seconds: float, connections: int) -> float | None:
    """Requests per second measured by wrk: one thread, ``connections`` connections."""
    binary = shutil.which("wrk")
    if binary is None:
        return None
    done = subprocess.run(
        [binary, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", url],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    return float(found.group(1)) if found else None


def generator(base: str, seconds: float, users: int, workers: int) -> tuple[float, float]:
    """The generator's total requests per second and its p50 latency (ms)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    argv = [
        sys.executable,
        "-m",
        "main.core.load",
        base,
        "--no-mcp",
        f"--users={users}",
        f"--spawn-rate={users * 100}",
        f"--duration={seconds}",
    ]
    if workers:
        argv.append(f"--workers={workers}")
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    total = json.loads(done.stdout)["total"]
    if total["failures"]:
        print(f"  note: {total['failures']} of {total['count']} requests failed")
    return float(total["rps"]), float(total["p50_ms"])


def main() -> None:
    """Measure each client ``--runs`` times and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [*uvicorn_argv("load_ceiling:trivial", port, factory=False), "--log-level", "warning"]
    argv += ["--app-dir", str(ROOT / "benchmarks"), "--no-access-log"]
    figures: dict[str, list[float]] = {}
    with running(argv, ready_url=f"{base}/health"):
        for _ in range(args.runs):
            figures.setdefault("httpx loop", []).append(httpx_loop(f"{base}/health", args.seconds))
            measured = wrk(f"{base}/health", args.seconds, args.users)
            if measured is not None:
                figures.setdefault("wrk", []).append(measured)
            for workers, name in ((0, "generator, 1 process"), (2, "generator, 2 workers")):
                rps, p50 = generator(base, args.seconds, args.users, workers)
                figures.setdefault(name, []).append(rps)
                figures.setdefault(f"{name} p50 ms", []).append(p50)
    medians = {name: statistics.median(values) for name, values in figures.items()}
    print(f"{args.users} users/connections, {args.seconds:g} s per run, median of {args.runs}:")
    for name, value in medians.items():
        unit = "ms" if name.endswith("ms") else "req/s"
        print(f"  {name:28} {value:10.1f} {unit}")
    for reference in ("httpx loop", "wrk"):
        if reference not in medians:
            print(f"  ({reference}: not installed)")
            continue
        for name in ("generator, 1 process", "generator, 2 workers"):
            print(f"  {name} / {reference}: {medians[name] / medians[reference]:.2f}")


if __name__ == "__main__":
    main()
