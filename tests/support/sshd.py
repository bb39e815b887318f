"""A private OpenSSH server for tests: fresh keys per run, loopback only, key login only.

The server trusts one fresh client key for ``root`` and sets the session environment
(``SetEnv``), so a command run over SSH reaches the test's Docker daemon as a real
host's deploy user reaches its own.
"""

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import free_port, running

LOOPBACK = "127.0.0.1"
START_TIMEOUT = 10.0
PRIVSEP_DIR = Path("/run/sshd")  # Debian's sshd refuses to start without it


class SshdError(RuntimeError):
    """sshd did not come up; says why."""


@dataclass(frozen=True)
class KeyPair:
    """An ed25519 key made by ssh-keygen: the private key file and the public key line."""

    private: Path
    public: str  # "ssh-ed25519 AAAA... comment"

    @property
    def public_key(self) -> str:
        """Type and base64 only, as a known_hosts line or a setting carries it."""
        kind, blob, *_ = self.public.split()
        return f"{kind} {blob}"


def new_key(path: Path, comment: str) -> KeyPair:
    """A fresh ed25519 key pair without passphrase, written to ``path`` (OpenSSH format)."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return KeyPair(path, path.with_suffix(".pub").read_text(encoding="ascii").strip())


def known_hosts_line(port: int, key: KeyPair) -> str:
    """How OpenSSH writes a host on a non-default port: ``[127.0.0.1]:PORT type base64``."""
    return f"[{LOOPBACK}]:{port} {key.public_key}"


@dataclass(frozen=True)
class Sshd:
    """A running server: its port, its host key and the client key it lets in."""

    port: int
    host_key: KeyPair
    client_key: KeyPair
    log: Path


def _config(workdir: Path, host_key: KeyPair, env: Mapping[str, str]) -> str:
    setenv = " ".join(f"{name}={value}" for name, value in env.items())
    return "\n".join(
        [
            f"ListenAddress {LOOPBACK}",
            f"HostKey {host_key.private}",
            f"PidFile {workdir / 'sshd.pid'}",
            f"AuthorizedKeysFile {workdir / 'authorized_keys'}",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",  # the keys live in a temporary folder, not ~/.ssh
            "X11Forwarding no",
            "AllowTcpForwarding no",
            "PrintMotd no",
            "MaxStartups 100",  # the lock tests open several sessions at once
            "MaxSessions 20",
            f"SetEnv {setenv}",
            "",
        ]
    )


def _wait_ready(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll until the port greets with an SSH banner, the server dies or time runs out."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text(encoding="utf-8", errors="replace").strip()
            msg = f"sshd exited with {process.returncode}: {said[-300:]}"
            raise SshdError(msg)
        try:
            with socket.create_connection((LOOPBACK, port), timeout=1) as conn:
                if conn.recv(64).startswith(b"SSH-2.0-"):
                    return
        except OSError:
            time.sleep(0.02)
    msg = f"sshd did not greet on port {port} within {START_TIMEOUT:.0f} s"
    raise SshdError(msg)


@contextmanager
def sshd(workdir: Path, binary: str, env: Mapping[str, str]) -> Iterator[Sshd]:
    """Run sshd on a free loopback port with fresh keys under ``workdir``, until the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    host_key = new_key(workdir / "ssh_host_ed25519_key", "staging-host")
    client_key = new_key(workdir / "id_ed25519", "pipeline-deploy-test")
    (workdir / "authorized_keys").write_text(client_key.public + "\n", encoding="ascii")
    config = workdir / "sshd_config"
    config.write_text(_config(workdir, host_key, env), encoding="utf-8")
    PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
    checked = subprocess.run(
        [binary, "-t", "-f", str(config)], capture_output=True, text=True, check=False, timeout=30
    )
    if checked.returncode != 0:
        msg = f"sshd rejects its configuration: {checked.stderr.strip()}"
        raise SshdError(msg)
    port = free_port()
    log = workdir / "sshd.log"
    with running(
        [binary, "-D", "-e", "-f", str(config), "-p", str(port)], ready_url=None, log=log
    ) as process:
        _wait_ready(port, process, log)
        yield Sshd(port, host_key, client_key, log)


def sshd_binary() -> str | None:
    """The absolute path of sshd (it re-executes itself, so it refuses a relative one)."""
    return shutil.which(
        "sshd", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    )
