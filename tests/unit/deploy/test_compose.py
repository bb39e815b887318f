"""What the deploy writes and runs on the host, as text: override, env file, commands."""

import shlex
import subprocess
from pathlib import Path

import pytest

from main.core.deploy import compose
from main.core.deploy.compose import (
    ComposeProject,
    kept_file,
    parse_state,
    remote_path,
    stop_seconds,
)

IMAGE = "ghcr.io/o/app@sha256:" + "a" * 64


def test_override_pins_the_service_to_the_digest() -> None:
    text = compose.override_text("app", IMAGE, None)
    assert "services:\n  app:\n" in text
    assert f'image: "{IMAGE}"' in text
    assert "version" not in text


def test_override_repeats_the_files_version_for_compose_v1() -> None:
    version = compose.top_level_version('# staging\nversion: "3.8"\nservices: {}\n')
    assert version == "3.8"
    assert compose.override_text("app", IMAGE, version).count('version: "3.8"') == 1


@pytest.mark.parametrize(
    "text",
    ["services:\n  app:\n    image: x\n", "x-version: 3\nservices: {}\n", "  version: 3\n"],
)
def test_no_top_level_version(text: str) -> None:
    assert compose.top_level_version(text) is None


def test_env_file_names_the_same_digest() -> None:
    assert compose.env_text(IMAGE) == f"PIPELINE_IMAGE={IMAGE}\n"


def test_command_loads_the_env_file_and_stacks_both_files() -> None:
    project = ComposeProject("~/.pipeline/my app", "mcp", "app")
    line = project.command("v1", "up", "-d")
    assert line.startswith("cd ~/'.pipeline/my app' && ")
    assert ". ./pipeline.env" in line
    tail = shlex.split(line.split("&& ")[-1])
    assert tail == [
        "docker-compose", "--project-name", "mcp", "--file", "compose.yml",
        "--file", "pipeline.override.yml", "up", "-d",
    ]  # fmt: skip
    assert shlex.split(project.command("v2", "ps").split("&& ")[-1])[:2] == ["docker", "compose"]


@pytest.mark.parametrize(
    ("path", "quoted"),
    [
        ("~", "~"),
        ("~/.pipeline/x", "~/.pipeline/x"),
        ("/srv/a b", "'/srv/a b'"),
        ("~/$(reboot)", "~/'$(reboot)'"),
        ("/srv/;rm -rf /", "'/srv/;rm -rf /'"),
    ],
)
def test_remote_paths_are_quoted_but_home_still_expands(path: str, quoted: str) -> None:
    assert remote_path(path) == quoted


@pytest.mark.parametrize(
    ("line", "ready", "failed"),
    [
        ("running none 0 0 img", True, None),
        ("running healthy 0 0 img", True, None),
        ("running starting 0 0 img", False, None),
        ("created none 0 0 img", False, None),
        ("running unhealthy 0 0 img", False, "the container's healthcheck reports unhealthy"),
        ("exited none 3 0 img", False, "the container exited with code 3"),
        ("restarting none 1 4 img", False, "the container keeps restarting (4 restarts)"),
    ],
)
def test_container_state(line: str, ready: bool, failed: str | None) -> None:  # noqa: FBT001
    state = parse_state(line)
    assert state is not None
    assert state.ready is ready
    assert state.failed == failed


@pytest.mark.parametrize("line", ["", "running", "running none x 0", "Error: No such object"])
def test_unreadable_state(line: str) -> None:
    assert parse_state(line) is None


def _prune_in(folder: Path, revisions: set[str]) -> subprocess.CompletedProcess[str]:
    project = ComposeProject(str(folder), "mcp", "app")
    return subprocess.run(
        ["sh", "-c", project.prune_command(revisions)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_prune_keeps_named_revisions_and_removes_the_rest(tmp_path: Path) -> None:
    for name in ("compose-aaa.yml", "compose-bbb.yml", "compose.yml"):
        (tmp_path / name).write_text("x")
    done = _prune_in(tmp_path, {"aaa"})
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compose-aaa.yml", "compose.yml"]


@pytest.mark.parametrize(
    "revision",
    [
        "x.yml) touch pwned ;; esac; done; : ",
        "a b",
        "$(touch pwned)",
        "*",
    ],
)
def test_a_hand_edited_revision_is_never_shell_code_nor_a_pattern(
    tmp_path: Path, revision: str
) -> None:
    # The revisions come from the history file on the host, which a person may edit.
    (tmp_path / "compose-aaa.yml").write_text("x")
    done = _prune_in(tmp_path, {revision})
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "pwned").exists()
    assert not (tmp_path / "compose-aaa.yml").exists()


def _pin_in(folder: Path, restore: str) -> subprocess.CompletedProcess[str]:
    project = ComposeProject(str(folder), "mcp", "app")
    files = {"pipeline.env": "PIPELINE_IMAGE=x@sha256:" + "a" * 64 + "\n"}
    return subprocess.run(
        ["sh", "-c", project.pin_command(files, restore=restore)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_pinning_puts_a_kept_revision_back_in_place(tmp_path: Path) -> None:
    (tmp_path / "compose.yml").write_text("new\n")
    (tmp_path / "compose-aaaaaaaaaaaa.yml").write_text("old\n")
    done = _pin_in(tmp_path, "aaaaaaaaaaaa")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "compose.yml").read_text() == "old\n"
    assert (tmp_path / "pipeline.env").read_text().startswith("PIPELINE_IMAGE=x@sha256:")


def test_a_revision_the_host_no_longer_keeps_leaves_the_file_in_place(tmp_path: Path) -> None:
    # As DeployTarget.roll_out promises, and as _kept_text already reads the file in place
    # for its version line when the revision is gone.
    (tmp_path / "compose.yml").write_text("current\n")
    done = _pin_in(tmp_path, "bbbbbbbbbbbb")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "compose.yml").read_text() == "current\n"
    assert (tmp_path / "pipeline.env").exists()


def test_a_pin_whose_write_fails_keeps_the_good_file_and_fails(tmp_path: Path) -> None:
    # ENOSPC without a full disk: the partial file is a link to /dev/full.
    (tmp_path / "pipeline.env").write_text("PIPELINE_IMAGE=good\n")
    (tmp_path / ".pipeline.env.partial").symlink_to("/dev/full")
    done = _pin_in(tmp_path, "")
    assert done.returncode != 0
    assert (tmp_path / "pipeline.env").read_text() == "PIPELINE_IMAGE=good\n"
    assert not (tmp_path / "pipeline.env").is_symlink()


def test_a_history_write_that_fails_keeps_the_old_history(tmp_path: Path) -> None:
    project = ComposeProject(str(tmp_path), "mcp", "app")
    (tmp_path / "history.jsonl").write_text("old\n")
    (tmp_path / ".history.jsonl.partial").symlink_to("/dev/full")
    text = "new\n"
    done = subprocess.run(
        ["sh", "-c", project.record_command(set(), size=len(text.encode()))],
        input=text,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode != 0
    assert (tmp_path / "history.jsonl").read_text() == "old\n"


def test_a_short_history_write_is_not_put_in_place(tmp_path: Path) -> None:
    # The connection dropped mid-way: fewer bytes arrived than were sent.
    project = ComposeProject(str(tmp_path), "mcp", "app")
    (tmp_path / "history.jsonl").write_text("old\n")
    done = subprocess.run(
        ["sh", "-c", project.record_command(set(), size=100)],
        input="new\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode != 0
    assert (tmp_path / "history.jsonl").read_text() == "old\n"
    assert not (tmp_path / ".history.jsonl.partial").exists()


@pytest.mark.parametrize(("budget", "stop"), [(300, 10), (30, 10), (6, 2), (2, 1), (0, 1), (-5, 1)])
def test_the_stop_timeout_stays_below_the_budget(budget: float, stop: int) -> None:
    assert stop_seconds(budget) == stop


def test_an_upload_of_a_kept_revision_still_reads_the_whole_file_it_is_sent(
    tmp_path: Path,
) -> None:
    # The file travels on stdin. A line that ends without reading it (the revision is
    # already kept: two deploys of one Compose file) closes the channel while the client
    # still writes, and SSH reports "Channel not open for sending" as a lost host.
    text = "services:\n  app:\n    image: x\n" + "#" * 300_000 + "\n"
    (tmp_path / kept_file("rev")).write_text(text)
    (tmp_path / "compose.yml").write_text(text)
    project = ComposeProject(str(tmp_path), "mcp", "app")
    command = project.upload_command("v2", "rev", len(text.encode()))
    shell = subprocess.Popen(["sh", "-c", command], stdin=subprocess.PIPE)
    assert shell.stdin is not None
    try:
        shell.stdin.write(text.encode())  # more than a pipe holds: blocks unless it is read
        shell.stdin.close()
    except BrokenPipeError:
        pytest.fail("the upload line ended without reading the Compose file it was sent")
    finally:
        shell.wait(timeout=30)
    assert shell.returncode == 0
