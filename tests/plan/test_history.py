"""Where --ref, labels and tags find git history: the source's own .git, or --repo (#12).

Item 2: the history is derived from the source when a function needs it, so a folder
without ``.git`` (an archive, a worktree, a submodule) runs everything that needs none,
and a function that needs it stops with one line. Item 5: without ``--repo`` the history
is the given source's own, never the module's repository.
"""

from pathlib import Path

import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.pipeline import Pipeline
from tests.support.answers import answer_commit
from tests.support.checkouts import git_checkout, plain_copy, worktree_like
from tests.support.constants import GIT_URL, SHA
from tests.support.lazy import calls, names
from tests.support.registration import ModuleDef

pytestmark = pytest.mark.usefixtures("offline_reads")

NO_HISTORY = (
    "the source has no .git folder (a plain folder, an archive, a worktree or a submodule): "
    "pass --repo with the repository's path or URL"
)


def pipeline_on(folder: Path, repo: dagger.GitRepository | None = None) -> Pipeline:
    """The pipeline as `dagger call --source FOLDER [--repo ...]` points it."""
    return Pipeline.create(source=dag.host().directory(str(folder)), repo=repo)


@pytest.fixture(params=["plain folder", "worktree or submodule"])
def without_history(request: pytest.FixtureRequest, tmp_path: Path) -> Pipeline:
    make = plain_copy if request.param == "plain folder" else worktree_like
    return pipeline_on(make(tmp_path / "service"))


# --- item 2: nothing is loaded as git up front ----------------------------------------------


def test_the_constructor_loads_no_git_up_front(module_def: ModuleDef) -> None:
    constructor = module_def.objects["Pipeline"].constructor
    assert constructor is not None
    args = {arg.name: arg for arg in constructor.args}
    # A default path on a GitRepository makes the engine run git before any function.
    assert args["repo"].default_path is None
    # The source keeps its .git: the history is derived from it, when needed.
    assert args["source"].ignore is not None
    assert ".git" not in args["source"].ignore


def test_the_stages_see_the_working_tree_without_git(tmp_path: Path) -> None:
    tree = pipeline_on(plain_copy(tmp_path / "service")).tree()
    assert names(tree) == ["host", "directory", "filter"]
    assert calls(tree)[-1].args == {"exclude": [".git"]}


@pytest.mark.anyio
async def test_settings_and_version_need_no_history(without_history: Pipeline) -> None:
    assert await without_history.version() == "0.1.0"
    assert '"port": 8000' in await without_history.config()


@pytest.mark.anyio
async def test_a_working_tree_build_needs_no_history(without_history: Pipeline) -> None:
    image = await without_history.build()
    labels = {c.args["name"] for c in calls(image) if c.name == "withLabel"}
    assert "org.opencontainers.image.revision" not in labels
    assert "org.opencontainers.image.version" in labels


@pytest.mark.anyio
@pytest.mark.parametrize("function", ["version", "config", "build", "lint"])
async def test_a_ref_without_history_is_one_line(without_history: Pipeline, function: str) -> None:
    with pytest.raises(FunctionError) as caught:
        await getattr(without_history, function)(ref="main")
    assert str(caught.value) == f"--ref 'main' needs git history, and {NO_HISTORY}"


@pytest.mark.anyio
async def test_tags_without_history_is_one_line(without_history: Pipeline) -> None:
    with pytest.raises(FunctionError) as caught:
        await without_history.tags()
    assert str(caught.value) == f"tags name a commit, and {NO_HISTORY}"


# --- item 5: the history is the given source's own -------------------------------------------


def test_a_ref_is_read_from_the_sources_own_git(tmp_path: Path) -> None:
    folder, _ = git_checkout(tmp_path / "service")
    tree = pipeline_on(folder).tree(ref="develop")
    chain = calls(tree)
    assert [c.name for c in chain] == ["host", "directory", "directory", "asGit", "ref", "tree"]
    assert chain[1].args["path"] == str(folder)
    assert chain[2].args == {"path": ".git"}
    assert chain[4].args == {"name": "develop"}


@pytest.mark.anyio
async def test_labels_and_tags_name_the_sources_own_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_commit(monkeypatch)
    asked: list[list[str]] = []
    answered = dagger.GitRef.commit

    async def commit(self: dagger.GitRef) -> str:
        asked.append([f"{c.name}:{c.args.get('path', '')}" for c in calls(self)])
        return await answered(self)

    monkeypatch.setattr(dagger.GitRef, "commit", commit)
    folder, _ = git_checkout(tmp_path / "service")
    tags = await pipeline_on(folder).tags(kind="production")
    assert tags == ["latest", "0.1.0", SHA]
    assert asked == [["host:", f"directory:{folder}", "directory:.git", "asGit:", "head:"]]


def test_an_explicit_repo_is_the_history(tmp_path: Path) -> None:
    folder, _ = git_checkout(tmp_path / "service")
    tree = pipeline_on(folder, repo=dag.git(GIT_URL)).tree(ref="develop")
    assert names(tree) == ["git", "ref", "tree"]


@pytest.mark.anyio
async def test_an_explicit_repo_serves_a_folder_without_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_commit(monkeypatch)
    pipeline = pipeline_on(worktree_like(tmp_path / "service"), repo=dag.git(GIT_URL))
    assert await pipeline.tags(kind="production") == ["latest", "0.1.0", SHA]
