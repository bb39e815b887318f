"""Is a commit on the release branch? The ancestry script against real git repositories.

A repository with `main` and a `feature` branch (and a clone of it, as CI checks out:
remote-tracking refs only, or shallow): the script promote runs in its git container
is run here by the same `sh` and `git`, and core reads what it prints.
"""

import subprocess
from pathlib import Path

import pytest

from main.core.attest.errors import AttestationError
from main.core.attest.release import ancestry_argv, read_ancestry
from tests.support.git_repo import GIT_ENV, git


def commit(repo: Path, name: str) -> str:
    (repo / name).write_text(name)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", name)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """main: a - b - c (merge of nothing else); feature: b - f (never merged)."""
    root = tmp_path_factory.mktemp("release") / "svc"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    shas = {"a": commit(root, "a"), "b": commit(root, "b")}
    git(root, "checkout", "-q", "-b", "feature")
    shas["f"] = commit(root, "f")
    git(root, "checkout", "-q", "main")
    shas["c"] = commit(root, "c")
    return root, shas


def ask(repo: Path, sha: str, branch: str = "main") -> str:
    argv = ancestry_argv(sha, branch)
    out = subprocess.run(
        argv, cwd=repo, capture_output=True, text=True, env=GIT_ENV, check=True, timeout=30
    )
    return read_ancestry(out.stdout, sha, branch)


def test_a_commit_of_main_is_on_the_release_branch(repo: tuple[Path, dict[str, str]]) -> None:
    root, shas = repo
    assert ask(root, shas["a"]) == ""
    assert ask(root, shas["c"]) == ""  # the tip itself


def test_a_feature_commit_is_not(repo: tuple[Path, dict[str, str]]) -> None:
    root, shas = repo
    why = ask(root, shas["f"])
    assert why == f"{shas['f']} is not on the release branch main (refs/heads/main)"


def test_an_unknown_commit_is_not(repo: tuple[Path, dict[str, str]]) -> None:
    root, _ = repo
    why = ask(root, "e" * 40)
    assert why.startswith(f"{'e' * 40} is not in the history of main")


def test_another_production_branch_is_asked(repo: tuple[Path, dict[str, str]]) -> None:
    root, shas = repo
    assert ask(root, shas["f"], branch="feature") == ""
    assert "has no branch trunk" in ask(root, shas["a"], branch="trunk")


def test_a_ci_clone_answers_through_its_remote_tracking_ref(
    repo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, shas = repo
    clone = tmp_path / "ci"
    subprocess.run(
        ["git", "clone", "-q", "-b", "feature", f"file://{root}", str(clone)],
        env=GIT_ENV,
        check=True,
    )
    assert git(clone, "branch", "--list", "main") == ""  # only origin/main, as CI has it
    assert ask(clone, shas["b"]) == ""
    assert ask(clone, shas["f"]).endswith("(refs/remotes/origin/main)")


def test_a_shallow_clone_cannot_say_and_says_what_to_pass(
    repo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, shas = repo
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{root}", str(clone)],
        env=GIT_ENV,
        check=True,
    )
    why = ask(clone, shas["a"])
    assert why.startswith("the source's git history is shallow")
    assert "--release-commits" in why
    assert "--skip-verify" in why


def test_a_commit_that_is_no_sha_is_refused_before_git_runs() -> None:
    with pytest.raises(AttestationError, match="is not a full git sha"):
        ancestry_argv("main; rm -rf /", "main")
