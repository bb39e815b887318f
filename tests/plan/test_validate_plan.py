from importlib.metadata import version

import anyio
import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.core.config import PipelineConfig, validate_config
from main.core.service import load_service
from main.core.validate import HADOLINT_REQUIREMENT
from main.pipeline import Pipeline
from main.validate import (
    DEPENDENCY_FILES,
    UV_CACHE,
    UV_CACHE_VOLUME,
    UV_IMAGE,
    VENV,
    WORKDIR,
    hadolint_environment,
    python_environment,
    run_checks,
)
from tests.support.answers import answer_execs, query_error
from tests.support.constants import REPO_ROOT, SAMPLE_SUBPATH
from tests.support.lazy import Call, calls, find, names, walk

ONLY_THIRD_PARTY = ["--no-install-workspace", "--no-install-local"]
FIRST_SYNC = ["uv", "sync", "--all-extras", "--no-install-project", *ONLY_THIRD_PARTY]

TREE = dag.host().directory(str(REPO_ROOT)).directory(SAMPLE_SUBPATH)


def index(chain: list[Call], name: str, **args: object) -> int:
    """Position of the first selection ``name`` whose arguments include ``args``.

    An argument left at its default is not in the selection: ``None`` asks for that.
    """
    for position, call in enumerate(chain):
        if call.name == name and all(call.args.get(k) == v for k, v in args.items()):
            return position
    msg = f"no {name}({args}) in {[c.name for c in chain]}"
    raise AssertionError(msg)


def test_dependencies_install_before_the_sources_are_copied() -> None:
    chain = calls(python_environment(TREE, PipelineConfig()))
    lock_copy = index(chain, "withDirectory", path=WORKDIR, include=DEPENDENCY_FILES)
    install = index(
        chain,
        "withExec",
        args=FIRST_SYNC,
    )
    source_copy = index(chain, "withDirectory", path=WORKDIR, include=None)
    project = index(chain, "withExec", args=["uv", "sync", "--all-extras", "--inexact"])
    assert lock_copy < install < source_copy < project
    # The dependency layer sees only the two files; the full tree comes after it.
    assert chain[source_copy].args["source"] is TREE


def test_uv_comes_pinned_and_installs_through_a_cache_volume() -> None:
    env = python_environment(TREE, PipelineConfig())
    chain = calls(env)
    assert chain[1].name == "from"
    assert chain[1].args["address"] == "python:3.12-slim"
    uv_file = find(env, "withFile")[0].arg_chain("source")
    assert [c.name for c in uv_file] == ["container", "from", "file"]
    assert uv_file[1].args["address"] == UV_IMAGE
    assert ":" in UV_IMAGE.rsplit("/", 1)[1]
    (cache,) = find(env, "withMountedCache")
    assert cache.args["path"] == UV_CACHE
    assert cache.arg_chain("cache")[-1].args["key"] == UV_CACHE_VOLUME
    mount = index(chain, "withMountedCache")
    assert mount < index(
        chain,
        "withExec",
        args=FIRST_SYNC,
    )


def test_tools_path_and_python_choice_follow_the_configuration() -> None:
    config = validate_config(
        {"python-image": "python:3.13-slim", "validate-extras": ["dev"], "validate-tools": ["ruff"]}
    )
    env = python_environment(TREE, config)
    chain = calls(env)
    assert chain[1].args["address"] == "python:3.13-slim"
    install = index(
        chain,
        "withExec",
        args=["uv", "sync", "--extra", "dev", "--no-install-project", *ONLY_THIRD_PARTY],
    )
    tools = index(
        chain, "withExec", args=["uv", "pip", "install", "--python", f"{VENV}/bin/python", "ruff"]
    )
    # after both syncs: a pinned tool wins over what a sync resolved
    sources = index(chain, "withDirectory", path=WORKDIR, include=None)
    project = index(chain, "withExec", args=["uv", "sync", "--extra", "dev", "--inexact"])
    assert install < sources < project < tools
    path = [c for c in chain if c.name == "withEnvVariable" and c.args["name"] == "PATH"]
    assert path[-1].args["value"].startswith(f"{VENV}/bin:")
    assert path[-1].args["expand"] is True


def test_hadolint_sees_only_the_containerfile_and_its_configuration() -> None:
    config = validate_config({"containerfile": "ops/Containerfile"})
    env = hadolint_environment(TREE, config)
    chain = calls(env)
    install = index(
        chain, "withExec", args=["uv", "pip", "install", "--system", HADOLINT_REQUIREMENT]
    )
    copy = index(chain, "withDirectory", path=WORKDIR)
    assert install < copy
    assert chain[copy].args["include"] == ["ops/Containerfile", ".hadolint.yaml", ".hadolint.yml"]
    assert any(c.name == "cacheVolume" for c in walk(env))


@pytest.mark.anyio
async def test_checks_run_concurrently_and_a_failure_hides_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: set[str] = set()
    everyone = anyio.Event()

    async def answer(argv: list[str]) -> tuple[int, str]:
        started.add(argv[0])
        if {"ruff", "mypy", "pytest", "hadolint"} <= started:
            everyone.set()
        with anyio.fail_after(5):  # a sequential run would never get every check started
            await everyone.wait()
        if argv[:2] == ["ruff", "check"]:
            return 1, "F401 `os` imported but unused\nFound 1 error."
        return 0, f"{argv[0]} fine"

    asked = answer_execs(monkeypatch, answer)
    results = await run_checks(
        TREE, PipelineConfig(), ("lint", "typecheck", "test", "lint-containerfile")
    )
    assert [(r.name, r.status) for r in results] == [
        ("lint", "failed"),
        ("typecheck", "passed"),
        ("test", "passed"),
        ("lint-containerfile", "passed"),
    ]
    assert "F401" in results[0].output
    # The failing ruff check did not stop the format check that follows it.
    assert ["ruff", "format", "--check", "."] in asked


@pytest.mark.anyio
async def test_skip_tests_is_reported_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    async def answer(argv: list[str]) -> tuple[int, str]:
        assert argv[0] != "pytest"
        return 0, "ok"

    answer_execs(monkeypatch, answer)
    results = await run_checks(TREE, PipelineConfig(), ("lint", "test"), skip_tests=True)
    assert [(r.name, r.status) for r in results] == [("lint", "passed"), ("test", "skipped")]
    assert "--skip-tests" in results[1].output


@pytest.mark.anyio
async def test_a_broken_environment_is_a_result_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failure = query_error(
        "exit code 1",
        _type="EXEC_ERROR",
        cmd=["uv", "sync", "--all-extras", "--no-install-project", *ONLY_THIRD_PARTY],
        exitCode=1,
        stdout="",
        stderr="No solution found when resolving dependencies",
    )
    assert isinstance(failure, dagger.ExecError)

    async def answer(argv: list[str]) -> tuple[int, str]:
        if argv[0] == "hadolint":
            return 0, ""
        raise failure

    answer_execs(monkeypatch, answer)
    results = await run_checks(TREE, PipelineConfig(), ("lint", "lint-containerfile"))
    assert [(r.name, r.status) for r in results] == [
        ("lint", "error"),
        ("lint-containerfile", "passed"),
    ]
    assert f"{' '.join(FIRST_SYNC)} exited 1" in results[0].output
    assert "No solution found" in results[0].output


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_validate_returns_every_outcome(
    sample_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def answer(argv: list[str]) -> tuple[int, str]:
        return (1, "1 failed") if argv[0] == "pytest" else (0, "ok")

    asked = answer_execs(monkeypatch, answer)
    validation = await sample_pipeline.validate()
    assert not validation.ok
    assert [(c.name, c.status) for c in validation.checks] == [
        ("lint", "passed"),
        ("typecheck", "passed"),
        ("test", "failed"),
        ("lint-containerfile", "passed"),
    ]
    # The sample service's own commands, from its [tool.pipeline].
    assert ["mypy", "src"] in asked
    assert ["pytest", "-q", "-m", "not slow"] in asked
    assert "test" in validation.summary().splitlines()[2]
    assert "--- test (failed) ---\n" in validation.summary()


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_a_failing_check_function_fails_with_its_output(
    sample_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def answer(argv: list[str]) -> tuple[int, str]:
        return (1, "Would reformat: src/x.py") if argv[1] == "format" else (0, "All checks passed!")

    answer_execs(monkeypatch, answer)
    with pytest.raises(FunctionError) as caught:
        await sample_pipeline.lint()
    assert str(caught.value).startswith("lint failed after")
    assert "Would reformat: src/x.py" in str(caught.value)
    assert caught.value.__cause__ is None


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_a_passing_check_function_returns_its_output(
    sample_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def answer(argv: list[str]) -> tuple[int, str]:
        return 0, f"{argv[0]} ok"

    answer_execs(monkeypatch, answer)
    assert (await sample_pipeline.typecheck()).startswith("typecheck passed after")
    assert "hadolint ok" in await sample_pipeline.lint_containerfile()
    assert "pytest ok" in await sample_pipeline.test()


def test_plan_names_start_from_the_python_image() -> None:
    assert names(python_environment(TREE, PipelineConfig()))[:2] == ["container", "from"]


def test_the_module_checks_itself_with_the_engines_dagger_io() -> None:
    # uv-sources = false: each sync re-resolves plain `dagger-io` from the index, which
    # would be the newest release; validate-tools brings back the engine's own, last.
    text = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    config = load_service(text).config
    assert config.validation.uv_sources is False
    pin = f"dagger-io=={version('dagger-io')}"  # the release scripts/install installs
    assert pin in config.validation.tools
    env = python_environment(TREE, config)
    execs = [c.args["args"] for c in calls(env) if c.name == "withExec"]
    assert execs[-1] == ["uv", "pip", "install", "--python", f"{VENV}/bin/python", pin]
    assert [argv[:2] for argv in execs[:-1]] == [["uv", "sync"], ["uv", "sync"]]
