"""A private Docker daemon for tests: its own data, sockets and no network of its own.

``--bridge=none`` and no iptables rules keep every container on the host network, so
all test traffic stays on loopback; the daemon touches nothing outside its folders
(its containerd included) and leaves no container or mount behind.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import running

STORAGE_DRIVERS = ("overlay2", "vfs")  # overlay2 where the folder's filesystem allows it
SOCKET_PATH_LIMIT = 90  # unix socket paths must fit in 108 bytes; containerd adds to ours
START_TIMEOUT = 30.0


class DockerdError(RuntimeError):
    """dockerd did not come up; the message ends with its last log lines."""


@dataclass(frozen=True)
class Dockerd:
    """A running daemon: where clients reach it and the CLI to reach it with."""

    host: str  # DOCKER_HOST, e.g. unix:///tmp/stgXXXX/docker.sock
    cli: str
    storage_driver: str
    log: Path

    def run(
        self, *args: str, stdin: bytes = b"", timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """``docker ARGS`` against this daemon; the finished process, checked by the caller."""
        done = subprocess.run(
            [self.cli, *args],
            input=stdin,
            env={**os.environ, "DOCKER_HOST": self.host},
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        out, err = (stream.decode(errors="replace") for stream in (done.stdout, done.stderr))
        return subprocess.CompletedProcess(done.args, done.returncode, out, err)


def _runtime_dir(workdir: Path) -> tuple[Path, bool]:
    """A folder for sockets: under ``workdir`` when its paths stay short, else a fresh /tmp one."""
    probe = workdir / "run" / "containerd" / "containerd.sock.ttrpc"
    if len(str(probe)) <= SOCKET_PATH_LIMIT:
        (workdir / "run").mkdir()
        return workdir / "run", False
    return Path(tempfile.mkdtemp(prefix="stg", dir="/tmp")), True


def _pings(socket_path: Path) -> bool:
    """Whether the daemon answers ``GET /_ping`` with OK on its socket right now."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(1)
            conn.connect(str(socket_path))
            conn.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            answer = b""
            while chunk := conn.recv(4096):  # HTTP/1.0: the daemon closes after answering
                answer += chunk
    except OSError:
        return False
    return answer.startswith(b"HTTP/1.") and answer.endswith(b"\r\n\r\nOK")


def _wait_ready(socket_path: Path, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll the daemon's socket until it answers, the daemon dies or time runs out."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"dockerd exited with {process.returncode}: {_tail(log)}"
            raise DockerdError(msg)
        if _pings(socket_path):
            return
        time.sleep(0.05)
    msg = f"dockerd did not answer within {START_TIMEOUT:.0f} s: {_tail(log)}"
    raise DockerdError(msg)


def _tail(log: Path, lines: int = 3) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return " | ".join(text[-lines:]) or "(no log output)"


def _mounts_under(folders: Sequence[Path]) -> list[str]:
    """Mount points below our folders, deepest first (a stopped daemon may leave netns mounts)."""
    found: list[str] = []
    for line in Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines():
        point = line.split()[4].replace("\\040", " ")
        if any(point.startswith(f"{f}/") for f in folders):
            found.append(point)
    return sorted(found, key=len, reverse=True)


def _unmount(folders: Sequence[Path]) -> None:
    for point in _mounts_under(folders):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False, timeout=10)


def _argv(binary: str, root: Path, run: Path, driver: str) -> list[str]:
    return [
        binary,
        "--bridge=none",
        "--iptables=false",
        "--ip6tables=false",
        "--storage-driver", driver,
        "--data-root", str(root / f"data-{driver}"),
        "--exec-root", str(run / "exec"),
        "--pidfile", str(run / "docker.pid"),
        "--host", f"unix://{run / 'docker.sock'}",
        "--log-level", "warn",
    ]  # fmt: skip


@contextmanager
def dockerd(
    workdir: Path, binary: str, cli: str, drivers: Sequence[str] = STORAGE_DRIVERS
) -> Iterator[Dockerd]:
    """Run a daemon with its data under ``workdir``; on exit remove every container, stop it.

    Tries each storage driver in turn and raises ``DockerdError`` if none starts.
    """
    run, own_tmp = _runtime_dir(workdir)
    folders = [workdir, run]
    failures: list[str] = []
    try:
        for driver in drivers:
            log = workdir / f"dockerd-{driver}.log"
            with running(_argv(binary, workdir, run, driver), ready_url=None, log=log) as process:
                try:
                    _wait_ready(run / "docker.sock", process, log)
                except DockerdError as exc:
                    failures.append(f"{driver}: {exc}")
                    continue
                daemon = Dockerd(f"unix://{run / 'docker.sock'}", cli, driver, log)
                try:
                    yield daemon
                finally:
                    _remove_containers(daemon)
                return
        raise DockerdError("; ".join(failures))
    finally:
        _unmount(folders)
        if own_tmp:
            shutil.rmtree(run, ignore_errors=True)


def _remove_containers(daemon: Dockerd) -> None:
    listed = daemon.run("ps", "--all", "--quiet").stdout.split()
    if listed:
        daemon.run("rm", "--force", "--volumes", *listed)
