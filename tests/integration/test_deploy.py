"""Deploy to a real staging host: sshd, dockerd, Compose v1 and a registry, all on loopback.

Every scenario ends with one clear line and the host serving the last good digest,
checked on the service's own port (which variant answers ``/version``) and in the
history file the host keeps.
"""

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from main.core.deploy.errors import CommandTimedOut, DeployError
from main.core.deploy.history import Deployment
from main.core.deploy.orchestrate import Release, deploy, roll_back
from main.core.deploy.result import DeployReport
from main.core.deploy.ssh import SshEndpoint, connect
from main.core.errors import PipelineError
from tests.support.deploying import NEVER_HEALTHY, Staged, compose_file
from tests.support.processes import free_port
from tests.support.sshd import new_key
from tests.support.staging_app import MCP_PATH
from tests.support.staging_host import StagingHost


@pytest.fixture
def staged(staging_host: StagingHost) -> Iterator[Staged]:
    project = Staged(staging_host)
    yield project
    project.down()


@pytest.fixture(scope="module")
def upgraded(staging_host: StagingHost) -> Iterator[Staged]:
    """A project that went v1 -> v2, healthy both times: the start of the failure stories.

    The tests that use it run in file order and each leaves v2 serving, as it found it.
    """
    project = Staged(staging_host)
    project.results = [run(project, variant) for variant in ("v1", "v2")]
    yield project
    project.down()


def run(project: Staged, variant: str, *, timeout: float = 30.0) -> DeployReport:
    release = Release(project.host.images[variant], tag=variant, ref="test")
    return asyncio.run(deploy(project.target(), release, project.plan(timeout=timeout)))


def steps(result: DeployReport) -> list[str]:
    return [step.name for step in result.steps]


def test_first_deploy_then_upgrade(upgraded: Staged) -> None:
    first, upgrade = upgraded.results
    images = upgraded.host.images
    assert first.passed, first.summary()
    assert (first.previous, first.running) == (None, images["v1"])
    assert steps(first) == ["connect", "lock", "upload", "pull", "up", "ready", "smoke", "stable"]
    assert first.smoke is not None
    assert "mcp.tools_list" in [check.name for check in first.smoke.checks]
    assert upgrade.passed, upgrade.summary()
    assert (upgrade.previous, upgrade.running) == (images["v1"], images["v2"])
    assert upgraded.serving() == "v2"
    history = upgraded.history()
    assert [(h.image, h.healthy, h.action) for h in history] == [
        (images["v1"], True, "deploy"),
        (images["v2"], True, "deploy"),
    ]
    assert len(upgraded.containers()) == 1  # the upgrade replaced the container


def test_a_broken_image_rolls_back_and_the_old_one_serves_again(upgraded: Staged) -> None:
    result = run(upgraded, "broken")
    assert result.outcome == "rolled-back"
    assert not result.passed
    assert result.running == upgraded.host.images["v2"]
    assert "live smoke test FAILED: health" in result.error
    assert "expected HTTP 200 from /health, got 404" in result.error
    assert result.summary().endswith(f"{upgraded.host.images['v2']} is running again")
    assert upgraded.serving() == "v2"
    assert result.rollback_smoke is not None
    assert result.rollback_smoke.passed
    assert "rollback" in steps(result)
    last_two = [(h.image, h.healthy, h.action) for h in upgraded.history()[-2:]]
    assert last_two == [
        (upgraded.host.images["broken"], False, "deploy"),
        (upgraded.host.images["v2"], True, "auto-rollback"),
    ]


def test_an_image_that_exits_rolls_back_with_its_exit_code(upgraded: Staged) -> None:
    result = run(upgraded, "crash")
    assert result.outcome == "rolled-back"
    assert "the container exited with code 3" in result.error
    assert upgraded.serving() == "v2"


def test_a_rollout_that_never_becomes_healthy_is_bounded(upgraded: Staged) -> None:
    good = upgraded.compose
    upgraded.compose = compose_file(upgraded.port, healthcheck=NEVER_HEALTHY)
    try:
        result = run(upgraded, "v1", timeout=3)
    finally:
        upgraded.compose = good
    assert result.outcome == "rolled-back"
    assert "did not become ready within 3 s (running, health starting)" in result.error
    # v2 came back with the Compose file it was healthy with, not the new one.
    assert result.rollback_smoke is not None
    assert result.rollback_smoke.passed
    assert upgraded.serving() == "v2"


def test_a_compose_up_that_never_returns_rolls_back_like_any_failed_rollout(
    upgraded: Staged,
) -> None:
    # `up -d` waits for a dependency that stays "starting": the command outlives the rollout
    # deadline over a connection that is fine, so the host is not lost and rolls back.
    good = upgraded.compose
    gate = (
        "  gate:\n"
        f"    image: {upgraded.host.images['v1']}\n"
        "    network_mode: host\n"
        "    environment:\n"
        f'      PORT: "{free_port()}"\n'
        f"{NEVER_HEALTHY}"
    )
    waits = "    depends_on:\n      gate:\n        condition: service_healthy\n"
    upgraded.compose = compose_file(upgraded.port) + waits + gate
    try:
        result = run(upgraded, "v1", timeout=5)
    finally:
        upgraded.compose = good
    assert result.outcome == "rolled-back", result.summary()
    assert "within 5 s" in result.error
    assert result.running == upgraded.host.images["v2"]
    assert upgraded.serving() == "v2"
    assert [h.healthy for h in upgraded.history()[-2:]] == [False, True]


def test_a_remote_command_past_its_bound_is_killed_not_left_running(upgraded: Staged) -> None:
    async def overrun() -> tuple[str, str]:
        async with connect(upgraded.endpoint(), timeout=20) as shell:
            with pytest.raises(CommandTimedOut) as caught:
                await shell.run("sleep 271.828", timeout=0.5)
            # The same connection still works, and the host killed the sleep itself: a
            # closed channel alone would have left it running.
            left = await shell.run("ps -eo args | grep -c '^sleep 271[.]828' || true", timeout=20)
            return str(caught.value), left.stdout.strip()

    message, left = asyncio.run(overrun())
    assert "did not finish `sleep 271.828` within 0.5 s" in message
    assert left == "0"


def _sshd_sessions(host: StagingHost) -> list[int]:
    """The processes the test's sshd started for connections (and what they run)."""
    daemon = int((host.known_hosts.parent / "sshd.pid").read_text().strip())
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [daemon]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def test_a_connection_lost_mid_rollout_does_not_claim_nothing_runs(upgraded: Staged) -> None:
    # The deploy's own SSH connection dies while it waits for the new container: what runs
    # is unknown to it, and its one line must say so rather than "nothing is running".
    good = upgraded.compose
    label = f"label=com.docker.compose.project={upgraded.project}"

    def cut_when_the_new_container_runs() -> None:
        for _ in range(600):
            listed = upgraded.host.docker("ps", "--filter", label, "--format", "{{.Status}}")
            if "health: starting" in listed.stdout:  # the new container, never healthy
                for pid in _sshd_sessions(upgraded.host):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                return
            time.sleep(0.1)

    upgraded.compose = compose_file(upgraded.port, healthcheck=NEVER_HEALTHY)
    cutter = threading.Thread(target=cut_when_the_new_container_runs)
    cutter.start()
    try:
        result = run(upgraded, "v1", timeout=60)
    finally:
        cutter.join()
        upgraded.compose = good
    try:
        assert result.outcome == "failed", result.summary()
        assert "connection lost during the " in result.error, result.error
        assert "nothing of this service is running" not in result.summary()
        assert "unknown" in result.summary()
        assert any("unknown" in note for note in result.notes)  # the report shows the notes
    finally:
        assert run(upgraded, "v2").passed  # leave the module's project as the others expect


def test_an_extra_check_that_errors_rolls_back_instead_of_escaping(upgraded: Staged) -> None:
    # The load test after the live smoke test cannot run (its engine call fails): the new
    # image is unverified, and the call must not end as if nothing on the host changed.
    async def cannot_run() -> str:
        msg = "the load generator could not start"
        raise PipelineError(msg)

    plan = replace(upgraded.plan(), verify=cannot_run)
    release = Release(upgraded.host.images["v1"], tag="v1", ref="test")
    result = asyncio.run(deploy(upgraded.target(), release, plan))
    assert result.outcome == "rolled-back", result.summary()
    assert "the load generator could not start" in result.error
    assert upgraded.serving() == "v2"
    assert [h.healthy for h in upgraded.history()[-2:]] == [False, True]


def test_rollback_by_hand_goes_to_the_healthy_deployment_before(upgraded: Staged) -> None:
    result = asyncio.run(roll_back(upgraded.target(), upgraded.plan()))
    assert result.passed, result.summary()
    assert result.rollback
    assert result.summary().startswith("rollback PASSED")
    assert (result.previous, result.running) == (
        upgraded.host.images["v2"],
        upgraded.host.images["v1"],
    )
    assert upgraded.serving() == "v1"
    assert upgraded.history()[-1].action == "rollback"
    again = run(upgraded, "v2")  # leave the module's project as the other tests expect it
    assert again.passed


def test_a_failed_first_deploy_leaves_nothing_broken_running(staged: Staged) -> None:
    result = run(staged, "broken")
    assert result.outcome == "failed"
    assert result.running is None
    assert result.summary().endswith("nothing of this service is running")
    assert staged.serving() is None
    assert staged.containers() == []
    assert "stop" in steps(result)
    with pytest.raises(DeployError, match="has no earlier healthy deployment to roll back to"):
        asyncio.run(roll_back(staged.target(), staged.plan()))


def test_a_history_that_cannot_be_written_does_not_hide_a_healthy_rollout(staged: Staged) -> None:
    # Disk full, a read-only folder: the image runs and is healthy, so the call must say so
    # rather than fail as if nothing on the host had changed.
    staged.host.ssh(f"mkdir -p {staged.directory}/.history.jsonl.partial")
    result = run(staged, "v1")
    assert result.passed, result.summary()
    assert result.running == staged.host.images["v1"]
    assert any("history was not written" in note for note in result.notes), result.notes
    assert staged.serving() == "v1"


def test_a_failed_rollback_never_claims_that_nothing_runs(staged: Staged) -> None:
    # The history's last good image is gone from the registry (pruned, or the line was
    # edited by hand): the rollback cannot pull it, and the broken new image still serves.
    gone = staged.host.images["v1"].split("@")[0] + "@sha256:" + "0" * 64
    line = Deployment("2026-12-03T00:00:00+00:00", gone, "v0", "", "deploy", healthy=True)
    wrote = staged.host.ssh(
        f"mkdir -p {staged.directory} && cat > {staged.directory}/history.jsonl",
        stdin=line.to_line() + "\n",
    )
    assert wrote.returncode == 0, wrote.stderr
    result = run(staged, "broken")
    assert result.outcome == "failed"
    assert f"the rollback to {gone} failed too" in result.error
    assert "nothing of this service is running" not in result.summary()
    assert "what runs on the target now is unknown" in result.summary()
    assert staged.serving() == "broken"


def refused(project: Staged, **endpoint: str) -> str:
    target = project.target(project.endpoint(**endpoint))
    release = Release(project.host.images["v2"])
    with pytest.raises(DeployError) as caught:
        asyncio.run(deploy(target, release, project.plan()))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_an_unknown_host_key_is_refused_and_nothing_changes(upgraded: Staged) -> None:
    before = upgraded.history()
    other = upgraded.host.other_host_key_line.split(" ", 1)[1]
    message = refused(upgraded, host_keys=other)
    assert message.startswith(
        f"the SSH host key of 127.0.0.1:{upgraded.host.ssh_port} is not the pinned one"
    )
    assert upgraded.history() == before
    assert upgraded.serving() == "v2"


def test_a_wrong_ssh_key_is_refused(upgraded: Staged, tmp_path: Path) -> None:
    stranger = new_key(tmp_path / "stranger", "stranger").private.read_text()
    message = refused(upgraded, key=stranger)
    assert message == (
        f"127.0.0.1:{upgraded.host.ssh_port} refused the SSH key for user {upgraded.host.user} "
        f"(is its public key in ~{upgraded.host.user}/.ssh/authorized_keys?)"
    )
    assert upgraded.serving() == "v2"


def test_a_key_that_is_not_a_key_is_refused_without_echoing_it(upgraded: Staged) -> None:
    message = refused(upgraded, key="-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0\n")
    assert message.startswith("the SSH key is not a private key that can be used")
    assert "c2VjcmV0" not in message


def test_an_unreachable_host(staging_host: StagingHost) -> None:
    project = Staged(staging_host)
    nobody = SshEndpoint(
        "127.0.0.1", "root", free_port(), staging_host.host_key, staging_host.private_key
    )
    target = project.target(nobody)
    with pytest.raises(DeployError, match=r"^cannot reach 127\.0\.0\.1:\d+ over SSH \("):
        asyncio.run(deploy(target, Release(staging_host.images["v1"]), project.plan()))


def test_a_compose_file_without_the_service_is_refused_before_any_change(upgraded: Staged) -> None:
    before = upgraded.history()
    good = upgraded.compose
    upgraded.compose = good.replace("  app:", "  web:")
    try:
        message = refused(upgraded)
    finally:
        upgraded.compose = good
    assert message == (
        "the Compose file has no service 'app' (it has: web): set service in [tool.pipeline.deploy]"
    )
    assert upgraded.history() == before
    assert upgraded.serving() == "v2"


def test_a_compose_file_compose_cannot_read_is_refused(upgraded: Staged) -> None:
    good = upgraded.compose
    upgraded.compose = "services: [this is not, a mapping\n"
    try:
        message = refused(upgraded)
    finally:
        upgraded.compose = good
    assert message.startswith("Compose refused the Compose file: ")
    assert upgraded.serving() == "v2"


def test_a_lock_held_too_long_is_refused_with_its_holder(upgraded: Staged) -> None:
    lock = f"{upgraded.directory}/deploy.lock"
    # Held like the deploy holds it: until this side closes the session's stdin.
    holding = (
        f"echo someone@laptop > {lock}.owner && flock {lock} sh -c 'echo held; cat >/dev/null'"
    )
    argv = upgraded.host.ssh_argv(holding)
    with subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdin is not None
        assert holder.stdout is not None
        try:
            assert holder.stdout.readline().strip() == "held"
            release = Release(upgraded.host.images["v1"])
            attempt = deploy(upgraded.target(), release, upgraded.plan(lock_timeout=1))
            with pytest.raises(DeployError) as caught:
                asyncio.run(attempt)
        finally:
            holder.stdin.close()
            holder.wait(timeout=30)
    assert str(caught.value) == (
        "another deployment holds the lock on 127.0.0.1 (someone@laptop) and did not finish "
        "within 1 s: try again when it is done"
    )
    assert upgraded.serving() == "v2"


def test_the_cli_rolls_back_with_exit_1_and_deploys_with_exit_0(
    upgraded: Staged, tmp_path: Path
) -> None:
    status, body, err = upgraded.cli(tmp_path, "--image", upgraded.host.images["broken"])
    assert status == 1
    assert body["rolled_back"] is True
    assert body["running"] == upgraded.host.images["v2"]
    assert err.strip().startswith("deploy FAILED and rolled back: live smoke test FAILED: health")
    assert len(err.strip().splitlines()) == 1
    assert upgraded.serving() == "v2"
    status, body, err = upgraded.cli(tmp_path, "--image", upgraded.host.images["v2"], "--tag", "v2")
    assert status == 0, err
    assert body["passed"] is True
    assert body["running"] == upgraded.host.images["v2"]


def test_the_cli_refuses_an_unknown_host_key(upgraded: Staged, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text(upgraded.host.other_host_key_line + "\n")
    status, body, err = upgraded.cli(
        tmp_path, "--image", upgraded.host.images["v1"], known_hosts=known
    )
    assert status == 1
    assert body["host_changed"] is False
    assert "is not the pinned one" in err
    assert upgraded.serving() == "v2"


def test_a_load_test_breach_rolls_back(upgraded: Staged) -> None:
    # The real generator against the live new image, with a p95 limit no server meets.
    async def load_test() -> str:
        argv = ["-m", "main.core.load", upgraded.url, "--users", "2", "--duration", "1"]
        argv += ["--mcp-path", MCP_PATH, "--p95-ms", "0.001"]
        process = await asyncio.create_subprocess_exec(
            sys.executable, *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, _ = await process.communicate()
        verdict = json.loads(out)
        return "" if verdict["passed"] else f"load test: {verdict['breaches'][0]}"

    plan = replace(upgraded.plan(), verify=load_test)
    result = asyncio.run(deploy(upgraded.target(), Release(upgraded.host.images["v1"]), plan))
    assert result.outcome == "rolled-back"
    assert result.error.startswith("load test: ")
    assert "p95" in result.error
    verify = [step for step in result.steps if step.name == "verify"]
    assert len(verify) == 1  # the new image only: the rollback is smoke-tested, not loaded
    assert not verify[0].ok
    assert upgraded.serving() == "v2"


def test_a_deployer_killed_while_holding_the_lock_never_blocks_the_next(
    upgraded: Staged, tmp_path: Path
) -> None:
    # kill -9 mid-rollout: no finally runs, so only the host can release the lock (it dies
    # with the connection) and the next deploy finds the last good image in the history.
    good = upgraded.compose
    upgraded.compose = compose_file(upgraded.port, healthcheck=NEVER_HEALTHY)
    try:
        argv = upgraded.cli_argv(tmp_path, "--image", upgraded.host.images["v1"])
    finally:
        upgraded.compose = good
    argv[argv.index("--timeout") + 1] = "120"
    label = f"label=com.docker.compose.project={upgraded.project}"
    deployer = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            listed = upgraded.host.docker("ps", "--filter", label, "--format", "{{.Status}}")
            if "health: starting" in listed.stdout or deployer.poll() is not None:
                break
            time.sleep(0.1)
        assert deployer.poll() is None, "the deployer ended before it could be killed"
    finally:
        deployer.kill()
        deployer.wait(timeout=30)
    release = Release(upgraded.host.images["v2"], tag="v2", ref="test")
    plan = replace(upgraded.plan(), lock_timeout=20)
    result = asyncio.run(deploy(upgraded.target(), release, plan))
    assert result.passed, result.summary()
    assert result.previous == upgraded.host.images["v2"]
    assert upgraded.serving() == "v2"


def test_two_deploys_at_once_never_interleave(upgraded: Staged) -> None:
    # Last in the file: it leaves either image serving.
    async def both() -> list[DeployReport]:
        images = upgraded.host.images
        one = deploy(upgraded.target(), Release(images["v1"]), upgraded.plan(by="one"))
        two = deploy(upgraded.target(), Release(images["v2"]), upgraded.plan(by="two"))
        return list(await asyncio.gather(one, two))

    before = len(upgraded.history())
    results = asyncio.run(both())
    assert all(result.passed for result in results), [r.summary() for r in results]
    waits = sorted(result.seconds("lock") for result in results)
    # The one that waited held still for at least the other's whole rollout.
    other_rollout = min(r.seconds("pull") + r.seconds("up") + r.seconds("ready") for r in results)
    assert waits[1] >= other_rollout
    history = upgraded.history()[before:]
    assert [h.by for h in history] in (["one", "two"], ["two", "one"])
    assert upgraded.serving() == ("v2" if history[-1].image == upgraded.host.images["v2"] else "v1")
