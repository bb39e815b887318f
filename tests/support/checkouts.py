"""Copies of the sample service as the three kinds of source a user may hand the module.

A plain folder (an unpacked archive: no ``.git``), a git checkout of its own (a ``.git``
folder with one commit, made by the real git), and a worktree or submodule (``.git`` is
a file pointing elsewhere). Each is the service at the root of the folder.
"""

import shutil
import subprocess
from pathlib import Path

from tests.support.constants import SAMPLE_SERVICE

_LEFT_OUT = shutil.ignore_patterns("*cache*", ".venv", "*.egg-info", ".hypothesis")
# Whatever the machine's git configuration says, the commit is made the same way.
_GIT = ["git", "-c", "user.name=pipeline tests", "-c", "user.email=tests@example.invalid"]
_GIT += ["-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"]


def plain_copy(folder: Path) -> Path:
    """The sample service copied into ``folder``, without any ``.git``."""
    shutil.copytree(SAMPLE_SERVICE, folder, ignore=_LEFT_OUT)
    return folder


def git_checkout(folder: Path) -> tuple[Path, str]:
    """The sample service in a repository of its own, one commit on main; and its sha."""
    return folder, commit_all(plain_copy(folder))


def commit_all(folder: Path, *, branch: str = "main") -> str:
    """Make ``folder`` a repository whose one commit on ``branch`` holds it all; its sha."""
    for args in (["init", "-q", "-b", branch], ["add", "-A"], ["commit", "-q", "-m", "sample"]):
        subprocess.run([*_GIT, *args], cwd=folder, check=True, capture_output=True, timeout=30)
    sha = subprocess.run(
        [*_GIT, "rev-parse", "HEAD"], cwd=folder, check=True, capture_output=True, timeout=30
    )
    return sha.stdout.decode().strip()


def worktree_like(folder: Path) -> Path:
    """The sample service whose ``.git`` is a file, as in a worktree or a submodule."""
    plain_copy(folder)
    (folder / ".git").write_text("gitdir: /elsewhere/.git/worktrees/sample\n", encoding="utf-8")
    return folder
