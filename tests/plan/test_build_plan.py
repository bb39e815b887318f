from datetime import UTC, datetime

import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.build import build_image
from main.core.config import validate_config
from main.core.revision import Revision
from main.pipeline import Pipeline
from main.source import GIT_IMAGE, commit_log, read_revision, service_tree
from tests.support.answers import answer_commit
from tests.support.constants import GIT_URL, SHA
from tests.support.lazy import calls, find
from tests.support.pipelines import pipeline_for_sample

LABELS = {
    "org.opencontainers.image.title": "sample-service",
    "org.opencontainers.image.version": "0.1.0",
    "org.opencontainers.image.revision": SHA,
    "org.opencontainers.image.created": "2025-10-15T14:30:52Z",
    "org.opencontainers.image.source": "https://github.com/example/sample-service",
}


def labels_of(image: dagger.Container) -> dict[str, str]:
    return {call.args["name"]: call.args["value"] for call in find(image, "withLabel")}


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_build_has_the_five_labels_from_the_commit(git_pipeline: Pipeline) -> None:
    image = await git_pipeline.build()
    assert labels_of(image) == LABELS
    (build,) = find(image, "dockerBuild")
    assert build.args["dockerfile"] == "Containerfile"
    # The build context is the service folder of the working tree, without .git.
    context = ["host", "directory", "filter", "directory", "dockerBuild"]
    assert [c.name for c in calls(image)][:5] == context


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_an_unchanged_commit_gives_the_same_plan(git_pipeline: Pipeline) -> None:
    first, second = await git_pipeline.build(), await git_pipeline.build()
    assert [(c.name, c.args) for c in calls(first)] == [(c.name, c.args) for c in calls(second)]


def test_build_args_and_target_come_from_the_configuration() -> None:
    config = validate_config(
        {
            "containerfile": "ops/Containerfile",
            "build-target": "runtime",
            "build-args": {"B": "2", "A": "1"},
        }
    )
    image = build_image(dag.directory(), config, {"org.opencontainers.image.title": "x"})
    (build,) = find(image, "dockerBuild")
    assert build.args["dockerfile"] == "ops/Containerfile"
    assert build.args["target"] == "runtime"
    assert build.args["buildArgs"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert labels_of(image) == {"org.opencontainers.image.title": "x"}


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_a_missing_containerfile_is_one_clear_line() -> None:
    pipeline = pipeline_for_sample(containerfile="Dockerfile.prod")
    with pytest.raises(FunctionError) as caught:
        await pipeline.build()
    assert str(caught.value) == (
        "no Containerfile at 'Dockerfile.prod' in the service folder: "
        "set containerfile in [tool.pipeline] or pass --containerfile"
    )


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_without_git_history_the_commit_labels_are_left_out(
    sample_pipeline: Pipeline,
) -> None:
    image = await sample_pipeline.build()
    assert set(labels_of(image)) == {
        "org.opencontainers.image.title",
        "org.opencontainers.image.version",
        "org.opencontainers.image.source",
    }


@pytest.mark.anyio
async def test_the_commit_time_is_read_from_the_ref_by_a_pinned_git(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answer_commit(monkeypatch)
    repo = dag.git(GIT_URL)
    assert await read_revision(repo, "develop") == Revision(
        sha=SHA, committed_at=datetime(2025, 10, 15, 14, 30, 52, tzinfo=UTC)
    )
    chain = calls(commit_log(repo.ref("develop")))
    assert chain[1].args["address"] == GIT_IMAGE
    assert GIT_IMAGE.rsplit(":", 1)[1].startswith("v")
    (tree,) = [c for c in chain if c.name == "withDirectory"]
    ref_chain = tree.arg_chain("source")
    assert [c.name for c in ref_chain] == ["git", "ref", "tree"]
    # Both at their defaults, left out of the selection: .git kept, one commit deep.
    assert ref_chain[-1].args == {}
    assert chain[-1].args["args"] == [
        "git",
        "-c",
        "safe.directory=*",
        "log",
        "-1",
        "--format=%H %ct",
    ]


@pytest.mark.anyio
async def test_the_working_tree_is_labelled_with_head(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_commit(monkeypatch)
    repo = dag.git(GIT_URL)
    revision = await read_revision(repo, "")
    assert revision is not None
    assert revision.sha == SHA
    assert await read_revision(None, "") is None


@pytest.mark.anyio
async def test_git_and_the_engine_must_agree_on_the_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_commit(monkeypatch)

    async def other(*_: object) -> str:
        return "f" * 40

    monkeypatch.setattr("dagger.GitRef.commit", other)
    with pytest.raises(ValueError, match="git reports commit"):
        await read_revision(dag.git("https://example.invalid/a.git"), "main")


def test_a_refs_files_come_without_git_metadata() -> None:
    repo = dag.git(GIT_URL)
    chain = calls(service_tree(dag.directory(), repo, ".", "v1.0.0"))
    assert [c.name for c in chain] == ["git", "ref", "tree"]
    assert chain[-1].args == {"discardGitDir": True}
