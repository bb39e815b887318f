"""A real PostgreSQL server for integration tests: its own data folder, a free loopback port.

Debian's PostgreSQL (``scripts/install`` installs it): ``initdb`` with a superuser and a
password (scram-sha-256, so a wrong or missing password is refused as on a real
host), then ``postgres`` on 127.0.0.1 only, its socket in the test's folder. The
server refuses to run as root, so under root (the CI sandbox) it runs as ``postgres``.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pg8000.native

from tests.support.processes import free_port

USER = "app"
DATABASE = "app"
READY_WITHIN = 30.0


@dataclass(frozen=True)
class Postgres:
    """Where the server listens and how to log in."""

    port: int
    password: str
    host: str = "127.0.0.1"


def binary(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, or in Debian's versioned folder."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def missing() -> str:
    """Why no server can start here, or empty."""
    absent = [name for name in ("initdb", "postgres") if binary(name) is None]
    if absent:
        names = ", ".join(absent)
        return f"PostgreSQL is not installed ({names} missing): scripts/install installs it"
    return ""


def _as_server_user(root: Path) -> dict[str, str]:
    """Popen arguments that run as ``postgres`` under root (the server refuses root)."""
    if os.geteuid() != 0:
        return {}
    shutil.chown(root, "postgres", "postgres")
    for path in root.rglob("*"):
        shutil.chown(path, "postgres", "postgres")
    return {"user": "postgres", "group": "postgres"}


def _connect(server: Postgres, database: str) -> pg8000.native.Connection:
    return pg8000.native.Connection(
        USER,
        host=server.host,
        port=server.port,
        database=database,
        password=server.password,
        timeout=2,
    )


def _wait_ready(server: Postgres, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"postgres exited with {process.returncode}: {log.read_text(errors='replace')}"
            raise RuntimeError(msg)
        try:
            _connect(server, "postgres").close()
        except (OSError, pg8000.exceptions.InterfaceError, pg8000.exceptions.DatabaseError):
            time.sleep(0.05)
        else:
            return
    msg = f"postgres did not accept connections within {READY_WITHIN} s"
    raise TimeoutError(msg)


@contextmanager
def postgres_server(password: str) -> Iterator[Postgres]:
    """A fresh server with the superuser ``app``, its ``password`` and the database ``app``.

    Its folder is its own (pytest's ``tmp_path`` is private to root, and the server runs
    as ``postgres`` there), removed when the block ends.
    """
    initdb, postgres = binary("initdb"), binary("postgres")
    assert initdb is not None, missing()
    assert postgres is not None, missing()
    with tempfile.TemporaryDirectory(prefix="pipeline-postgres-") as folder:
        root = Path(folder)
        root.chmod(0o755)
        with _serving(root, initdb, postgres, password) as server:
            yield server


@contextmanager
def _serving(root: Path, initdb: str, postgres: str, password: str) -> Iterator[Postgres]:
    secret = root / "password"
    secret.write_text(password, encoding="utf-8")
    data, log = root / "data", root / "postgres.log"
    log.touch()
    who = _as_server_user(root)
    subprocess.run(
        [initdb, "-D", str(data), "-U", USER, "--auth=scram-sha-256", f"--pwfile={secret}",
         "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True, **who,  # type: ignore[call-overload]
    )  # fmt: skip
    server = Postgres(port=free_port(), password=password)
    argv = [postgres, "-D", str(data), "-h", server.host, "-p", str(server.port), "-k", str(root),
            "-c", "fsync=off"]  # fmt: skip
    with log.open("ab") as output:
        process = subprocess.Popen(argv, stdout=output, stderr=output, **who)  # type: ignore[call-overload]
    try:
        _wait_ready(server, process, log)
        admin = _connect(server, "postgres")
        admin.run(f"CREATE DATABASE {DATABASE}")
        admin.close()
        yield server
    finally:
        process.send_signal(signal.SIGINT)  # "fast" shutdown: clients are disconnected
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
