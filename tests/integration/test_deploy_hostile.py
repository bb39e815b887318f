"""Deploy against a real staging host that has been made hostile (#20 rows 1-8).

Each case is what a hostile pass found: a history line that is not text, a full disk,
a dead network, a container that ignores SIGTERM, an image that dies after its smoke
test. The host must end serving the last good image, and the call must say so.
"""

import asyncio
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from main.core.deploy.history import Deployment
from main.core.deploy.orchestrate import Release, deploy, roll_back
from main.core.deploy.result import DeployReport
from main.core.deploy.ssh import KEEPALIVE_COUNT, KEEPALIVE_SECONDS
from tests.integration.test_deploy import _sshd_sessions as sshd_sessions
from tests.support.deploying import NEVER_HEALTHY, Staged, compose_file
from tests.support.staging_host import StagingHost


@pytest.fixture
def staged(staging_host: StagingHost) -> Iterator[Staged]:
    project = Staged(staging_host)
    yield project
    project.down()


def run(project: Staged, variant: str, *, timeout: float = 30.0) -> DeployReport:
    release = Release(project.host.images[variant], tag=variant, ref="test")
    return asyncio.run(deploy(project.target(), release, project.plan(timeout=timeout)))


def write_remote(project: Staged, name: str, data: bytes) -> None:
    """Put raw bytes in a file of the project's folder on the host, over SSH."""
    path = f"{project.directory}/{name}"
    argv = project.host.ssh_argv(f"mkdir -p {project.directory} && cat > {path}")
    done = subprocess.run(argv, input=data, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr


def test_a_history_line_that_is_not_text_never_blocks_the_host(staged: Staged) -> None:
    v1 = staged.host.images["v1"]
    good = Deployment("2026-12-03T00:00:00+00:00", v1, "v1", "", "deploy", healthy=True)
    bad = b'{"at": "caf\xe9", "image": "x"}\n' + b"[" * 50_000 + b"\n"
    write_remote(staged, "history.jsonl", good.to_line().encode() + b"\n" + bad)
    result = run(staged, "v2")
    assert result.passed, result.summary()
    assert result.previous == v1
    assert any("2 unreadable lines of the host's history" in note for note in result.notes)
    back = asyncio.run(roll_back(staged.target(), staged.plan()))
    assert back.passed, back.summary()
    assert back.running == v1
    assert staged.serving() == "v1"


@pytest.fixture
def small_disk(staged: Staged) -> Iterator[Staged]:
    """The project's folder on a 256 KiB tmpfs of the test host, unmounted afterwards."""
    mounted = staged.host.ssh(
        f"mkdir -p {staged.directory} && mount -t tmpfs -o size=256k pipeline-test "
        f"{staged.directory}"
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs on the test host: {mounted.stderr.strip()}")
    try:
        yield staged
    finally:
        staged.down()
        staged.host.ssh(f"umount {staged.directory}")


def test_a_full_disk_never_replaces_a_good_file(small_disk: Staged) -> None:
    staged = small_disk
    assert run(staged, "v1").passed
    files = ("compose.yml", "pipeline.override.yml", "pipeline.env", "history.jsonl")
    before = {name: staged.host.ssh(f"cat {staged.directory}/{name}").stdout for name in files}
    assert all(before.values()), before
    staged.host.ssh(f"dd if=/dev/zero of={staged.directory}/filler bs=1k 2>/dev/null; true")
    result = run(staged, "v2")
    assert not result.passed
    assert "No space left on device" in result.error, result.error
    after = {name: staged.host.ssh(f"cat {staged.directory}/{name}").stdout for name in files}
    assert after == before
    assert staged.serving() == "v1"
    left = staged.host.ssh(f"ls -A {staged.directory}").stdout.split()
    assert not [name for name in left if name.endswith((".partial", ".next"))], left


def test_an_image_that_dies_after_its_smoke_test_is_never_recorded_healthy(staged: Staged) -> None:
    assert run(staged, "v1").passed
    fades = staged.host.images["fades"]
    release = Release(fades, tag="fades", ref="test")
    result = asyncio.run(deploy(staged.target(), release, staged.plan(stability=8)))
    assert result.smoke is not None
    assert result.smoke.passed  # healthy at first sight
    assert result.outcome == "rolled-back", result.summary()
    assert "stability window" in result.error, result.error
    assert result.running == staged.host.images["v1"]
    assert staged.serving() == "v1"
    assert [(h.image, h.healthy) for h in staged.history()[-2:]] == [
        (fades, False),
        (staged.host.images["v1"], True),
    ]


def test_a_rollback_target_is_re_verified_through_the_window(staged: Staged) -> None:
    # A history written before the window existed calls the fading image healthy: a
    # rollback to it must find out, not report it "running again" while nothing answers.
    fades = staged.host.images["fades"]
    line = Deployment("2026-12-03T00:00:00+00:00", fades, "fades", "", "deploy", healthy=True)
    write_remote(staged, "history.jsonl", line.to_line().encode() + b"\n")
    release = Release(staged.host.images["broken"], tag="broken", ref="test")
    result = asyncio.run(deploy(staged.target(), release, staged.plan(stability=8)))
    assert result.outcome == "failed", result.summary()
    assert "is running again" not in result.summary()
    assert "stability window" in result.error, result.error


def test_repeated_rollbacks_step_back_and_to_picks_one(staged: Staged, tmp_path: Path) -> None:
    images = staged.host.images
    for variant in ("v1", "v2", "v3"):
        assert run(staged, variant).passed
    status, body, err = staged.cli(tmp_path, "--rollback")
    assert status == 0, err
    assert (body["previous"], body["running"]) == (images["v3"], images["v2"])
    status, body, err = staged.cli(tmp_path, "--rollback")
    assert status == 0, err
    assert (body["previous"], body["running"]) == (images["v2"], images["v1"])  # not v3
    assert staged.serving() == "v1"
    status, body, err = staged.cli(tmp_path, "--rollback", "--to", "v3")
    assert status == 0, err
    assert body["running"] == images["v3"]
    assert staged.serving() == "v3"
    status, body, err = staged.cli(tmp_path, "--rollback", "--to", "sha-unknown")
    assert status == 1
    assert body["host_changed"] is False
    assert "no deployment of 'sha-unknown' in the host's history" in err


def test_a_container_that_ignores_sigterm_does_not_eat_the_rollback(staged: Staged) -> None:
    assert run(staged, "stubborn").passed
    assert staged.serving() == "stubborn"
    # Docker's default stop timeout (10 s) plus Compose v1's recreate (4-6 s on a busy
    # 2-core host) is more than this whole rollout budget.
    result = run(staged, "broken", timeout=15)
    assert result.outcome == "rolled-back", (result.summary(), result.steps)
    assert "live smoke test FAILED: health" in result.error, result.error
    assert result.running == staged.host.images["stubborn"]
    assert result.summary().endswith(f"{staged.host.images['stubborn']} is running again")
    assert staged.serving() == "stubborn"


def test_a_dead_network_mid_rollout_ends_within_bounds_naming_the_step(staged: Staged) -> None:
    # A blackhole, not a reset: the sshd serving the deploy is stopped (SIGSTOP), so the
    # connection stays open and nothing answers. Only keepalives or bounds can end it.
    assert run(staged, "v1").passed
    staged.compose = compose_file(staged.port, healthcheck=NEVER_HEALTHY)
    label = f"label=com.docker.compose.project={staged.project}"
    stopped: list[int] = []

    def blackhole_when_the_new_container_runs() -> None:
        for _ in range(600):
            listed = staged.host.docker("ps", "--filter", label, "--format", "{{.Status}}")
            if "health: starting" in listed.stdout:
                for pid in sshd_sessions(staged.host):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGSTOP)
                        stopped.append(pid)
                return
            time.sleep(0.1)

    cutter = threading.Thread(target=blackhole_when_the_new_container_runs)
    cutter.start()
    try:
        result = run(staged, "v2", timeout=10)
    finally:
        cutter.join()
        for pid in stopped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
    assert stopped, "the blackhole never started"
    assert result.outcome == "failed", result.summary()
    assert "connection lost during the " in result.error, result.error
    assert "PIPELINE" not in result.error  # no command text, no here-document
    assert "unknown" in result.summary()
    # Bounded by the rollout's 10 s plus the keepalive's ~6 s, not by a minute of waits.
    assert result.duration_seconds < 10 + 3 * KEEPALIVE_SECONDS * KEEPALIVE_COUNT
