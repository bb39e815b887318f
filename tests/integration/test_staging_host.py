"""The staging host works for a deploy: the very SSH and Compose commands a deploy runs.

Every command goes over SSH with the host key pinned, as the deploy will send it: files
uploaded through ``cat >``, then Compose's ``pull``, ``up -d``, ``ps -q`` (v1's
``docker-compose`` or v2's ``docker compose``, whichever the host has) and
``docker inspect`` in the project's folder. The service is the busybox test image,
which listens on the port its environment names, on the host network.
"""

import shlex
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from main.core.deploy.compose import DETECT_FLAVOR
from main.core.smoke.checks import run_smoke
from main.core.smoke.result import SmokeReport
from main.core.smoke.spec import SmokeSpec
from tests.support.compose import V2_VERSION
from tests.support.dockerd import DockerdError, dockerd
from tests.support.processes import free_port
from tests.support.staging_app import MCP_PATH
from tests.support.staging_host import StagingHost


@dataclass(frozen=True)
class Project:
    """A Compose project in a folder on the host, its image pinned by an env file.

    (The deploy's own way, an override file, is tested through the deploy itself in
    test_deploy.py; here Compose is driven by hand to prove the host.)
    """

    host: StagingHost
    folder: Path
    name: str
    port: int

    def upload(self, name: str, text: str) -> None:
        """Write a file into the project's folder through SSH, as a deploy uploads it."""
        folder = shlex.quote(str(self.folder))
        command = f"mkdir -p {folder} && cat > {folder}/{shlex.quote(name)}"
        done = self.host.ssh(command, stdin=text)
        assert done.returncode == 0, done.stderr

    def pin(self, image: str) -> None:
        """Write the file that pins the service's image by digest."""
        self.upload(".deploy.env", f"APP_IMAGE={image}\n")

    def compose(self, *args: str) -> tuple[int, str, str]:
        """Compose ``ARGS`` in the project's folder over SSH: status, stdout, stderr."""
        files = ["--env-file", ".deploy.env", "-f", "compose.yml"]
        compose = ["docker", "compose"] if self.host.flavor == "v2" else ["docker-compose"]
        argv = [*compose, "-p", self.name, *files, *args]
        done = self.host.ssh(f"cd {shlex.quote(str(self.folder))} && {shlex.join(argv)}")
        return done.returncode, done.stdout, done.stderr

    def container(self) -> str:
        """The id of the service's container, as Compose reports it."""
        status, out, err = self.compose("ps", "-q", "app")
        assert status == 0, err
        return out.strip()

    def inspect(self, container: str, template: str) -> str:
        """``docker inspect --format TEMPLATE`` over SSH."""
        done = self.host.ssh(shlex.join(["docker", "inspect", "--format", template, container]))
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def smoke(self, timeout: float = 10) -> SmokeReport:
        """The project's smoke checker against the service: health and MCP on its port."""
        spec = SmokeSpec(url=f"http://127.0.0.1:{self.port}", timeout=timeout, mcp_path=MCP_PATH)
        return run_smoke(spec)


def compose_file(port: int) -> str:
    image = "${APP_IMAGE:?the deploy's env file pins the image}"
    return (
        "services:\n"
        "  app:\n"
        f'    image: "{image}"\n'
        "    network_mode: host\n"
        "    environment:\n"
        f'      PORT: "{port}"\n'
    )


@pytest.fixture
def project(staging_host: StagingHost, tmp_path: Path) -> Iterator[Project]:
    """A project with its Compose file uploaded."""
    port = free_port()
    made = Project(staging_host, tmp_path / "app", f"t{uuid.uuid4().hex[:8]}", port)
    made.upload("compose.yml", compose_file(port))
    yield made
    label = f"label=com.docker.compose.project={made.name}"
    if left := staging_host.docker("ps", "--all", "--quiet", "--filter", label).stdout.split():
        staging_host.docker("rm", "--force", *left)


def up(project: Project, image: str) -> str:
    """Pin ``image``, pull it and start it, as a deploy does; the container's id."""
    project.pin(image)
    for step in (("pull",), ("up", "-d")):
        status, _, err = project.compose(*step)
        assert status == 0, err
    return project.container()


def test_a_session_reaches_the_test_daemon_which_has_no_network_of_its_own(
    staging_host: StagingHost,
) -> None:
    done = staging_host.ssh("docker network ls --format '{{.Name}}'")
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.split()) == ["host", "none"]  # no bridge: containers share loopback


def test_a_session_has_exactly_the_hosts_compose_flavour(staging_host: StagingHost) -> None:
    # What the deploy detects first thing (compose.DETECT_FLAVOR): v2 wins when present.
    v2 = staging_host.ssh("docker compose version --short")
    v1 = staging_host.ssh("docker-compose version --short")
    if staging_host.flavor == "v2":
        assert v2.returncode == 0, v2.stderr
        assert v2.stdout.strip() == V2_VERSION
    else:
        assert v2.returncode != 0  # `docker compose` is not a command on this host
        assert v1.returncode == 0, v1.stderr
        assert v1.stdout.strip().startswith("1.")
    detected = staging_host.ssh(DETECT_FLAVOR)
    assert detected.stdout.strip() == staging_host.flavor


def test_compose_deploys_by_digest_upgrades_and_cleans_up(project: Project) -> None:
    images = project.host.images
    first = up(project, images["v1"])
    assert project.inspect(first, "{{.State.Status}} {{.Config.Image}}") == (
        f"running {images['v1']}"
    )
    report = project.smoke()
    assert report.passed, report.to_json()
    assert report.server is not None
    assert report.server["version"] == "v1"

    second = up(project, images["v2"])
    assert second != first  # a new digest replaces the container
    assert project.inspect(second, "{{.Config.Image}}") == images["v2"]
    assert project.smoke().server == {**report.server, "version": "v2"}
    label = f"label=com.docker.compose.project={project.name}"
    containers = project.host.docker("ps", "--all", "--quiet", "--no-trunc", "--filter", label)
    assert containers.stdout.split() == [second]  # the old one is gone

    status, _, err = project.compose("down")
    assert status == 0, err
    assert project.host.docker("ps", "--all", "--quiet", "--filter", label).stdout == ""


def test_an_unknown_or_changed_host_key_is_refused(
    staging_host: StagingHost, tmp_path: Path
) -> None:
    empty, changed = tmp_path / "empty", tmp_path / "changed"
    empty.write_text("", encoding="ascii")
    changed.write_text(staging_host.other_host_key_line + "\n", encoding="ascii")

    unknown = staging_host.ssh("true", known_hosts=empty)
    assert unknown.returncode == 255
    assert "Host key verification failed" in unknown.stderr
    assert "No ED25519 host key is known for [127.0.0.1]" in unknown.stderr

    swapped = staging_host.ssh("true", known_hosts=changed)
    assert swapped.returncode == 255
    assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in swapped.stderr
    assert empty.read_text(encoding="ascii") == ""  # nothing trusted on first use


def test_a_daemon_that_cannot_start_says_why(tmp_path: Path) -> None:
    binary, cli = shutil.which("dockerd"), shutil.which("docker")
    assert binary is not None
    assert cli is not None
    with (
        pytest.raises(
            DockerdError, match=r"no-such-driver: dockerd exited with 1: .*not supported"
        ),
        dockerd(tmp_path, binary, cli, drivers=("no-such-driver",)),
    ):
        pass
