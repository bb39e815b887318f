"""How quickly the smoke checker notices a ready server, and how long a full run takes.

Two budgets from docs/architecture.md, measured on real servers on 127.0.0.1:

- detection delay: time from the moment a server becomes healthy until the checker's
  readiness wait returns (budget 50 ms). Two ways of becoming healthy are measured:
  the port starts listening (connection refused before), and an already listening
  server switches its health answer from 503 to 200.
- full suite: ready + health + MCP handshake + ``tools/list`` against the real sample
  MCP server under uvicorn, already running (budget 100 ms). Reported both as the
  report's own duration and as wall time including creating the HTTP client.

Run: `.venv/bin/python benchmarks/smoke_latency.py [--runs N]`.
"""

import argparse
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

ROOT = Path(__file__).parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from main.core.mcp.wire import Deadline  # noqa: E402
from main.core.smoke.checks import run_smoke, wait_until_ready  # noqa: E402
from main.core.smoke.spec import SmokeSpec  # noqa: E402
from tests.support.processes import free_port, serving_app  # noqa: E402

DETECTION_BUDGET_MS = 50.0
SUITE_BUDGET_MS = 100.0


class Health(BaseHTTPRequestHandler):
    """Answers GET with the server's current health status."""

    def do_GET(self) -> None:
        """200 once the server is healthy, 503 before."""
        status = 200 if getattr(self.server, "healthy", True) else 503
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Quiet: the benchmark prints its own lines."""


def _serve(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    return thread


def detect_once(becomes_healthy: str) -> float:
    """Milliseconds between the server becoming healthy and the checker noticing."""
    port = free_port()
    delay = random.uniform(0.15, 0.4)  # noqa: S311 - spreads the moment across poll phases
    ready_at: list[float] = []
    servers: list[ThreadingHTTPServer] = []

    def open_port_later() -> None:
        time.sleep(delay)
        server = ThreadingHTTPServer(("127.0.0.1", port), Health)  # listening from here
        ready_at.append(time.monotonic())
        servers.append(server)
        server.serve_forever(poll_interval=0.01)

    def turn_healthy_later(server: ThreadingHTTPServer) -> None:
        time.sleep(delay)
        server.healthy = True  # type: ignore[attr-defined]
        ready_at.append(time.monotonic())

    spec = SmokeSpec(url=f"http://127.0.0.1:{port}", timeout=5)
    threads: list[threading.Thread] = []
    if becomes_healthy == "port opens":
        threads.append(threading.Thread(target=open_port_later))
    else:
        server = ThreadingHTTPServer(("127.0.0.1", port), Health)
        server.healthy = False  # type: ignore[attr-defined]
        servers.append(server)
        threads += [_serve(server), threading.Thread(target=turn_healthy_later, args=(server,))]
    with httpx.Client() as client:
        deadline = Deadline(spec.timeout)
        threads[-1].start()
        check, startup = wait_until_ready(client, spec, deadline)
    noticed_at = deadline.started + (startup or 0.0)
    for server in servers:
        server.shutdown()
        server.server_close()
    for thread in threads:
        thread.join()
    if check.failed:
        msg = f"the server never became ready: {check.error}"
        raise RuntimeError(msg)
    return (noticed_at - ready_at[0]) * 1000


@contextmanager
def sample_server() -> Iterator[str]:
    """The real sample MCP server under uvicorn on a free port, already answering."""
    with serving_app(
        "sample_service.server:build_app", extra_args=["--log-level", "warning"]
    ) as base:
        yield base


def suite_once(url: str) -> tuple[float, float]:
    """One full run: the report's duration and the wall time, both in milliseconds."""
    started = time.perf_counter()
    report = run_smoke(SmokeSpec(url=url, timeout=10))
    wall = (time.perf_counter() - started) * 1000
    if not report.passed:
        raise RuntimeError(report.summary())
    return report.duration_seconds * 1000, wall


def _line(name: str, values: list[float], budget: float) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    verdict = "within" if p95 <= budget else "OVER"
    return (
        f"  {name:<34} median {statistics.median(values):6.1f} ms   p95 {p95:6.1f} ms   "
        f"max {max(values):6.1f} ms   budget {budget:.0f} ms: {verdict}"
    )


def _measure(runs: int, once: Callable[[], float]) -> list[float]:
    return [once() for _ in range(runs)]


def main() -> None:
    """Measure both budgets and print one line per figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="repetitions per figure")
    runs = parser.parse_args().runs
    print(f"{runs} runs each ({sys.version.split()[0]}, httpx {httpx.__version__})")
    for how in ("port opens", "health turns 200"):
        delays = _measure(runs, lambda how=how: detect_once(how))  # type: ignore[misc]
        print(_line(f"detection delay ({how})", delays, DETECTION_BUDGET_MS))
    with sample_server() as url:
        suite_once(url)  # warm the server's first-request paths once
        results = [suite_once(url) for _ in range(runs)]
    print(_line("full suite (report duration)", [r[0] for r in results], SUITE_BUDGET_MS))
    print(_line("full suite (wall, with new client)", [r[1] for r in results], SUITE_BUDGET_MS))


if __name__ == "__main__":
    main()
