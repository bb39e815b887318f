"""promote's release-branch question, asked in the pinned git container on the engine.

The same container `main.provenance.ancestry` plans (the pinned git image, git told
to trust the mounted folder through its environment, the `.git` folder at /repo/.git,
core's script), built with `dagger core` over a real repository with `main` and an
unmerged `feature` branch; core reads what it prints. The plan itself is checked in
tests/plan/test_attest_plan.py and the script against git here in
tests/integration/test_release_branch.py.
"""

from pathlib import Path

from main.core.attest.release import ancestry_argv, read_ancestry
from main.provenance import TRUST_ANY_OWNER
from main.source import GIT_IMAGE
from tests.support.engine import DaggerCall
from tests.support.git_repo import git


def ask(dagger: DaggerCall, git_dir: Path, commit: str) -> str:
    argv = ancestry_argv(commit, "main")
    assert not any("," in arg for arg in argv), "the CLI splits a list argument on commas"
    env_flags: list[str] = []
    for name, value in TRUST_ANY_OWNER.items():
        env_flags += ["with-env-variable", "--name", name, "--value", value]
    done = dagger(
        "core", "container", "from", "--address", GIT_IMAGE, *env_flags,
        "with-directory", "--path", "/repo/.git", "--source", str(git_dir),
        "with-workdir", "--path", "/repo",
        "with-exec", "--args", ",".join(argv), "stdout",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return read_ancestry(done.stdout, commit, "main")


def test_the_git_container_answers_on_and_off_the_release_branch(
    dagger: DaggerCall, tmp_path: Path
) -> None:
    repo = tmp_path / "svc"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "a")
    on_main = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "commit", "-q", "--allow-empty", "-m", "f")
    off_main = git(repo, "rev-parse", "HEAD")
    assert ask(dagger, repo / ".git", on_main) == ""
    assert ask(dagger, repo / ".git", off_main) == (
        f"{off_main} is not on the release branch main (refs/heads/main)"
    )
