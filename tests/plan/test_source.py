import pytest
from dagger import dag

from main.core.errors import PipelineError
from main.pipeline import Pipeline
from main.source import git_ref, service_tree
from tests.support.constants import SAMPLE_SUBPATH
from tests.support.lazy import calls, names
from tests.support.registration import build_module_definition


def test_working_tree_is_the_source_narrowed_to_the_service(sample_pipeline: Pipeline) -> None:
    tree = sample_pipeline.tree()
    assert names(tree) == ["host", "directory", "filter", "directory"]
    assert calls(tree)[-1].args == {"path": SAMPLE_SUBPATH}


def test_a_ref_is_read_from_git_not_from_the_working_tree() -> None:
    repo = dag.git("https://example.invalid/acme/api.git")
    tree = service_tree(dag.directory(), repo, "services/api", "develop")
    chain = calls(tree)
    assert [c.name for c in chain] == ["git", "ref", "tree", "directory"]
    assert chain[1].args == {"name": "develop"}
    assert chain[3].args == {"path": "services/api"}


def test_root_service_is_not_narrowed() -> None:
    assert names(service_tree(dag.directory(), None, ".", "")) == ["directory", "filter"]


def test_a_ref_without_git_is_refused_clearly() -> None:
    with pytest.raises(PipelineError, match="--ref 'main' needs git history, and the source has"):
        git_ref(None, "main")


@pytest.mark.parametrize("ref", ["abc123d", "0f3e9a1c2b4d"])
def test_a_short_sha_is_refused_before_the_engine_looks_it_up_as_a_name(ref: str) -> None:
    repo = dag.git("https://example.invalid/acme/api.git")
    with pytest.raises(PipelineError, match="short commit sha: pass the full 40-character sha"):
        service_tree(dag.directory(), repo, ".", ref)


@pytest.mark.parametrize(
    "ref",
    ["a" * 8 + "1" * 32, "deadbeef", "20251015", "release/1.0", "refs/heads/release/1.0"],
)
def test_full_shas_and_names_go_to_the_engine_as_they_are(ref: str) -> None:
    repo = dag.git("https://example.invalid/acme/api.git")
    chain = calls(service_tree(dag.directory(), repo, ".", ref))
    assert chain[1].args == {"name": ref}


def test_every_function_taking_a_ref_is_uncached() -> None:
    # The function cache keys on the arguments: `--ref develop` of a remote --repo would
    # keep answering for wherever develop pointed when first asked, for days.
    with pytest.MonkeyPatch.context() as monkeypatch:
        module_def = build_module_definition(monkeypatch, "Pipeline")
    functions = module_def.objects["Pipeline"].functions
    taking_ref = [name for name, fn in functions.items() if "ref" in [a.name for a in fn.args]]
    assert {"tree", "version", "config", "build", "serve"} <= set(taking_ref)
    for name in taking_ref:
        assert functions[name].cache_policy == "Never", name


@pytest.mark.parametrize(
    "ref",
    [
        "--upload-pack=touch /tmp/pwned",
        "-x",
        "main:evil",
        "feature/a b",
        "release/1..2",
        "HEAD@{1}",
        "topic\n--x",
        "x\x00y",
        "feature/",
        "a.lock",
        "ref~1",
        "ref^{}",
        "a*b",
    ],
)
def test_a_ref_git_itself_refuses_is_one_line_before_the_engine(ref: str) -> None:
    # Never an option to git in the engine (a leading '-'), never a name git cannot
    # hold: `git check-ref-format`'s rules, said in one line that quotes the ref safely.
    repo = dag.git("https://example.invalid/acme/api.git")
    with pytest.raises(PipelineError, match="is not a git ref") as caught:
        git_ref(repo, ref)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("ref", ["feature/ünïcode", "fix/$(id)", "v1.0.0", "user/a+b", "a" * 40])
def test_a_ref_git_accepts_goes_to_the_engine_even_with_unicode_or_dollars(ref: str) -> None:
    repo = dag.git("https://example.invalid/acme/api.git")
    assert calls(git_ref(repo, ref))[1].args == {"name": ref}
