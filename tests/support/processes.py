"""Start real servers for integration tests: free loopback ports, bounded waits, clean stops."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.constants import SAMPLE_SERVICE


def tool(name: str) -> str:
    """A command-line tool installed beside this interpreter (the venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        msg = f"{name} is not installed: run scripts/test, which installs it"
        raise FileNotFoundError(msg)
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_answers(url: str, process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """Poll ``url`` until it answers at all; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"server exited with {process.returncode} before answering {url}"
            raise RuntimeError(msg)
        try:
            httpx.get(url, timeout=0.5)
        except httpx.TransportError:
            time.sleep(0.02)
        else:
            return
    msg = f"nothing answered {url} within {timeout} s"
    raise TimeoutError(msg)


@contextmanager
def running(
    argv: Sequence[str],
    *,
    ready_url: str | None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` until the block ends; wait for ``ready_url`` first when given.

    A chatty daemon gets a ``log`` file for its stdout and stderr: an unread pipe would
    fill up and stall it.
    """
    with contextlib.ExitStack() as files:
        output = files.enter_context(log.open("ab")) if log is not None else None
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=output or subprocess.DEVNULL,
            stderr=output or subprocess.PIPE,
        )
    try:
        if ready_url is not None:
            wait_until_answers(ready_url, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


@contextmanager
def registry_server(root: Path, binary: str = "docker-registry") -> Iterator[str]:
    """Debian's docker-registry (distribution 2.8) on a free port, deletes enabled.

    Storage lives under ``root``; yields the plain-HTTP base URL once ``/v2/`` answers.
    """
    port = free_port()
    config = root / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: error\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        "  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n",
        encoding="utf-8",
    )
    base = f"http://127.0.0.1:{port}"
    with running([binary, "serve", str(config)], ready_url=f"{base}/v2/"):
        yield base


def uvicorn_argv(app: str, port: int, *, factory: bool = True) -> list[str]:
    """The command that serves an ASGI ``module:attr`` on 127.0.0.1:``port``."""
    argv = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    return [*argv, "--factory"] if factory else argv


def sample_env() -> dict[str, str]:
    """The environment that lets a child Python import the sample service from source."""
    paths = [str(SAMPLE_SERVICE / "src"), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


@contextmanager
def serving_app(
    factory: str,
    *,
    wait: bool = True,
    extra_args: Sequence[str] = (),
    cwd: Path | None = None,
) -> Iterator[str]:
    """An ASGI app factory under uvicorn on a free port, able to import the sample service.

    Yields the base URL, once ``/health`` answers unless ``wait`` is false (for an app
    that is slow to start on purpose).
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [*uvicorn_argv(factory, port), *extra_args]
    with running(argv, ready_url=f"{base}/health" if wait else None, env=sample_env(), cwd=cwd):
        yield base
