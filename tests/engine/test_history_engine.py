"""`dagger call --source FOLDER` on copies of the sample service, where an engine exists (#12).

Item 2: a folder without ``.git`` (an archive, a worktree, a submodule) runs what needs
no history, and a ref there is one line. Item 5: without ``--repo`` the history is the
given source's own, not the module's repository (which a default path would resolve to).
"""

import json
from pathlib import Path

import pytest

from tests.support.checkouts import git_checkout, plain_copy, worktree_like
from tests.support.constants import REPO_ROOT
from tests.support.engine import DaggerCall, git


def on(folder: Path, *args: str) -> tuple[str, ...]:
    """`dagger -m THIS-MODULE call --source FOLDER ARGS`: the module called from elsewhere."""
    return ("-m", str(REPO_ROOT), "call", "--source", str(folder), *args)


@pytest.fixture(params=["plain folder", "worktree or submodule"])
def without_git(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    make = plain_copy if request.param == "plain folder" else worktree_like
    return make(tmp_path / "service")


def test_config_and_version_need_no_git(dagger: DaggerCall, without_git: Path) -> None:
    config = dagger(*on(without_git, "config"))
    assert config.returncode == 0, config.stdout + config.stderr
    assert json.loads(config.stdout)["port"] == 8000
    version = dagger(*on(without_git, "version"))
    assert version.returncode == 0, version.stdout + version.stderr
    assert version.stdout.strip() == "0.1.0"


def test_a_ref_without_git_is_one_line(dagger: DaggerCall, without_git: Path) -> None:
    result = dagger(*on(without_git, "version", "--ref", "main"))
    assert result.returncode != 0
    assert "--ref 'main' needs git history, and the source has no .git folder" in (
        result.stdout + result.stderr
    )


def test_tags_name_the_given_sources_commit_not_the_modules(
    dagger: DaggerCall, tmp_path: Path
) -> None:
    folder, sha = git_checkout(tmp_path / "service")
    assert sha != git("rev-parse", "HEAD")
    result = dagger(*on(folder, "tags", "--kind", "production"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["latest", "0.1.0", sha]
    by_ref = dagger(*on(folder, "tags", "--kind", "production", "--ref", "main"))
    assert by_ref.returncode == 0, by_ref.stdout + by_ref.stderr
    assert by_ref.stdout.split()[-1] == sha
