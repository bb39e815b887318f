"""Deployments to the real local staging host: targets, plans and what the host serves."""

import asyncio
import json
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from main.core.deploy.compose import ComposeProject
from main.core.deploy.compose_ssh import ComposeOverSsh
from main.core.deploy.history import Deployment, parse_history
from main.core.deploy.orchestrate import Plan
from main.core.deploy.result import DeployReport
from main.core.deploy.ssh import SshEndpoint
from main.core.smoke.checks import run_smoke
from main.core.smoke.spec import SmokeSpec
from tests.support.processes import free_port
from tests.support.staging_app import MCP_PATH
from tests.support.staging_host import REPOSITORY, StagingHost


def compose_file(port: int, *, healthcheck: str = "") -> str:
    """The service's Compose file: host networking (no bridge exists), the port by env."""
    return (
        "services:\n"
        "  app:\n"
        "    image: 127.0.0.1:1/replaced-by-the-deploy\n"
        "    network_mode: host\n"
        "    environment:\n"
        f'      PORT: "{port}"\n'
        f"{healthcheck}"
    )


NEVER_HEALTHY = (
    "    healthcheck:\n"
    '      test: ["CMD", "false"]\n'
    "      interval: 60s\n"
    "      start_period: 120s\n"
)


@dataclass
class Staged:
    """One Compose project on the host, on its own free port."""

    host: StagingHost
    project: str = field(default_factory=lambda: f"app{uuid.uuid4().hex[:8]}")
    port: int = field(default_factory=free_port)
    compose: str = ""
    results: list[DeployReport] = field(default_factory=list)  # a fixture's own deployments

    def __post_init__(self) -> None:
        """The default Compose file listens on this project's port."""
        self.compose = self.compose or compose_file(self.port)

    @property
    def url(self) -> str:
        """Where the service answers, on loopback."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def directory(self) -> str:
        """The project's folder on the host, under the SSH user's home."""
        return f"~/.pipeline/{self.project}"

    def endpoint(self, *, host_keys: str | None = None, key: str | None = None) -> SshEndpoint:
        """The host as the deploy reaches it: pinned key, our client key."""
        return SshEndpoint(
            host=self.host.ssh_host,
            user=self.host.user,
            port=self.host.ssh_port,
            host_keys=self.host.host_key if host_keys is None else host_keys,
            private_key=self.host.private_key if key is None else key,
        )

    def target(self, endpoint: SshEndpoint | None = None) -> ComposeOverSsh:
        """The deploy target for this project."""
        project = ComposeProject(self.directory, self.project, "app")
        return ComposeOverSsh(endpoint or self.endpoint(), project, self.compose)

    def plan(
        self,
        *,
        timeout: float = 30.0,
        lock_timeout: float = 60.0,
        by: str = "test",
        stability: float = 0.5,
    ) -> Plan:
        """Health, the MCP handshake and tools on the live URL, as a deploy checks them."""
        spec = SmokeSpec(url=self.url, mcp_path=MCP_PATH, timeout=20.0, ready_timeout=5.0)
        return Plan(
            url=self.url,
            smoke=lambda: asyncio.to_thread(run_smoke, spec),
            by=by,
            timeout=timeout,
            lock_timeout=lock_timeout,
            stability=stability,
        )

    def serving(self) -> str | None:
        """Which variant answers on the port now (its /version), or None."""
        try:
            response = httpx.get(f"{self.url}/version", timeout=2)
        except httpx.TransportError:
            return None
        return response.text.strip() if response.status_code == 200 else None

    def history(self) -> list[Deployment]:
        """The host's history file, read over SSH like a person would."""
        done = self.host.ssh(f"cat {self.directory}/history.jsonl 2>/dev/null || true")
        return parse_history(done.stdout)

    def containers(self) -> list[str]:
        """Names of this project's containers on the host, running or not."""
        label = f"label=com.docker.compose.project={self.project}"
        done = self.host.docker("ps", "--all", "--filter", label, "--format", "{{.Names}}")
        return done.stdout.split()

    def down(self) -> None:
        """Remove the project's containers (a test's own clean-up)."""
        for name in self.containers():
            self.host.docker("rm", "--force", name)

    def pyproject(self, *, compose_file: str = "compose.yml", extra: str = "") -> str:
        """A service's pyproject.toml whose settings name this project on the test host."""
        host = self.host
        return f"""[project]
name = "staging-app"
version = "1.0.0"

[tool.pipeline]
image = "{host.registry}/{REPOSITORY}"
mcp-path = "{MCP_PATH}"
startup-timeout = 5
smoke-timeout = 20

[tool.pipeline.deploy]
host = "{host.ssh_host}"
port = {host.ssh_port}
user = "{host.user}"
host-key = "{host.host_key}"
url = "{self.url}"
service = "app"
project = "{self.project}"
compose-file = "{compose_file}"
timeout = 30
stability-window = 0.5
{extra}"""

    def service_repo(
        self,
        folder: Path,
        *,
        compose_file: str = "compose.yml",
        extra: str = "",
        compose: bool = True,
    ) -> Path:
        """A service repository for this project, as a user writes it: settings, Compose file."""
        folder.mkdir()
        text = self.pyproject(compose_file=compose_file, extra=extra)
        (folder / "pyproject.toml").write_text(text, encoding="utf-8")
        if compose:
            (folder / compose_file).parent.mkdir(parents=True, exist_ok=True)
            (folder / compose_file).write_text(self.compose, encoding="utf-8")
        return folder

    def cli(
        self, tmp_path: Path, *arguments: str, known_hosts: Path | None = None
    ) -> tuple[int, dict[str, object], str]:
        """``python -m main.core.deploy`` against this project: status, JSON, stderr."""
        argv = self.cli_argv(tmp_path, *arguments, known_hosts=known_hosts)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=180, check=False)
        return done.returncode, json.loads(done.stdout), done.stderr

    def cli_argv(
        self, tmp_path: Path, *arguments: str, known_hosts: Path | None = None
    ) -> list[str]:
        """The command line of ``python -m main.core.deploy`` against this project."""
        compose = tmp_path / f"{self.project}.yml"
        compose.write_text(self.compose)
        return [
            sys.executable, "-m", "main.core.deploy",
            "--host", self.host.ssh_host, "--port", str(self.host.ssh_port),
            "--user", self.host.user, "--identity", str(self.host.identity),
            "--known-hosts", str(known_hosts or self.host.known_hosts),
            "--compose-file", str(compose), "--service", "app", "--project", self.project,
            "--url", self.url, "--mcp-path", MCP_PATH, "--ready-timeout", "5",
            "--timeout", "30", "--stability-window", "0.5", *arguments,
        ]  # fmt: skip
