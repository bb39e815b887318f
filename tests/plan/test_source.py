import pytest
from dagger import dag

from main.core.errors import PipelineError
from main.pipeline import Pipeline
from main.source import service_tree
from tests.plan.conftest import SAMPLE_SUBPATH
from tests.plan.lazy import calls, names


def test_working_tree_is_the_source_narrowed_to_the_service(sample_pipeline: Pipeline) -> None:
    tree = sample_pipeline.tree()
    assert names(tree) == ["host", "directory", "directory"]
    assert calls(tree)[-1].args == {"path": SAMPLE_SUBPATH}


def test_a_ref_is_read_from_git_not_from_the_working_tree() -> None:
    repo = dag.git("https://example.invalid/acme/api.git")
    tree = service_tree(dag.directory(), repo, "services/api", "develop")
    chain = calls(tree)
    assert [c.name for c in chain] == ["git", "ref", "tree", "directory"]
    assert chain[1].args == {"name": "develop"}
    assert chain[3].args == {"path": "services/api"}


def test_root_service_is_not_narrowed() -> None:
    source = dag.directory()
    assert service_tree(source, None, ".", "") is source


def test_a_ref_without_git_is_refused_clearly() -> None:
    with pytest.raises(PipelineError, match="needs a git repository"):
        service_tree(dag.directory(), None, ".", "main")
