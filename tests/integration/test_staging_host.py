"""The staging host works for a deploy: the very SSH and Compose v1 commands a deploy runs.

Every command goes over SSH with the host key pinned, as the deploy will send it: files
uploaded through ``cat >``, then ``docker-compose pull``, ``up -d``, ``ps -q`` and
``docker inspect`` in the project's folder. The service is the busybox test image,
which listens on the port its environment names, on the host network.
"""

import shlex
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from main.core.smoke.checks import run_smoke
from main.core.smoke.result import SmokeReport
from main.core.smoke.spec import SmokeSpec
from tests.support.dockerd import DockerdError, dockerd
from tests.support.processes import free_port
from tests.support.sshd import new_key
from tests.support.staging_app import MCP_PATH
from tests.support.staging_host import StagingHost


@dataclass(frozen=True)
class Project:
    """A Compose project in a folder on the host, its image pinned one of two ways."""

    host: StagingHost
    folder: Path
    name: str
    port: int
    pinned_by: str

    def upload(self, name: str, text: str) -> None:
        """Write a file into the project's folder through SSH, as a deploy uploads it."""
        folder = shlex.quote(str(self.folder))
        command = f"mkdir -p {folder} && cat > {folder}/{shlex.quote(name)}"
        done = self.host.ssh(command, stdin=text)
        assert done.returncode == 0, done.stderr

    def pin(self, image: str) -> None:
        """Write the file that pins the service's image by digest."""
        if self.pinned_by == "override":
            self.upload("override.yml", f"services:\n  app:\n    image: {image}\n")
        else:
            self.upload(".deploy.env", f"APP_IMAGE={image}\n")

    def compose(self, *args: str) -> tuple[int, str, str]:
        """``docker-compose ARGS`` in the project's folder over SSH: status, stdout, stderr."""
        if self.pinned_by == "override":
            files = ["-f", "compose.yml", "-f", "override.yml"]
        else:
            files = ["--env-file", ".deploy.env", "-f", "compose.yml"]
        argv = ["docker-compose", "-p", self.name, *files, *args]
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


def compose_file(host: StagingHost, port: int, *, pinned_by: str) -> str:
    image = (
        "${APP_IMAGE:?the deploy's env file pins the image}"
        if pinned_by == "env-file"
        else f"{host.registry}/staging/app:unpinned"  # the override always replaces it
    )
    return (
        "services:\n"
        "  app:\n"
        f'    image: "{image}"\n'
        "    network_mode: host\n"
        "    environment:\n"
        f'      PORT: "{port}"\n'
    )


@pytest.fixture
def project(
    staging_host: StagingHost, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Project]:
    """A project with its Compose file uploaded; pinned by an env file unless parametrized."""
    pinned_by: str = getattr(request, "param", "env-file")
    port = free_port()
    made = Project(staging_host, tmp_path / "app", f"t{uuid.uuid4().hex[:8]}", port, pinned_by)
    made.upload("compose.yml", compose_file(staging_host, port, pinned_by=pinned_by))
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
    done = staging_host.ssh(
        "docker network ls --format '{{.Name}}' && docker-compose version --short"
    )
    assert done.returncode == 0, done.stderr
    *networks, compose_version = done.stdout.split()
    assert sorted(networks) == ["host", "none"]  # no bridge: containers share loopback
    assert compose_version.startswith("1.")


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


@pytest.mark.parametrize("project", ["override"], indirect=True)
def test_an_override_file_pins_the_image_too(project: Project) -> None:
    container = up(project, project.host.images["v2"])
    assert project.inspect(container, "{{.State.Status}} {{.Config.Image}}") == (
        f"running {project.host.images['v2']}"
    )


def test_a_broken_image_runs_but_fails_its_health_check(project: Project) -> None:
    container = up(project, project.host.images["broken"])
    assert project.inspect(container, "{{.State.Status}}") == "running"
    report = project.smoke(timeout=5)
    assert report.failed_checks == ["health"]
    assert report.checks[1].http_status == 404


def test_a_crashing_image_is_seen_exited_with_its_code(project: Project) -> None:
    container = up(project, project.host.images["crash"])
    state = project.host.docker("wait", container)  # returns once it has exited
    assert state.stdout.strip() == "3"
    assert project.inspect(container, "{{.State.Status}} {{.State.ExitCode}}") == "exited 3"


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


def test_a_key_the_host_does_not_know_is_refused(staging_host: StagingHost, tmp_path: Path) -> None:
    stranger = new_key(tmp_path / "stranger", "not-authorized")
    argv = staging_host.ssh_argv("true")
    argv[argv.index(str(staging_host.identity))] = str(stranger.private)
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 255
    assert "Permission denied (publickey)" in done.stderr


@pytest.mark.usefixtures("staging_host")  # only where the host's parts are installed
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
