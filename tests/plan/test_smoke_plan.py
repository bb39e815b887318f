import inspect
from importlib.metadata import version

import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.core.service import load_service
from main.core.smoke import argv_for
from main.pipeline import Pipeline
from main.smoke import (
    CHECKER_ROOT,
    CLIENT_IMAGE,
    PIP_CACHE,
    RUN_ID_VARIABLE,
    SERVICE_ALIAS,
    app_service,
    checker_client,
    checker_run,
    module_source,
)
from tests.support.answers import answer_commit
from tests.support.constants import REPO_ROOT, SAMPLE_SUBPATH
from tests.support.lazy import calls, find, names, plain_env
from tests.support.registration import ModuleDef

IMAGE = "ghcr.io/example/sample-service:staging-latest"


def sample_config_service() -> dagger.Service:
    text = (REPO_ROOT / SAMPLE_SUBPATH / "pyproject.toml").read_text(encoding="utf-8")
    config = load_service(text).config
    return app_service(dag.container().from_(IMAGE), config.port, {"LOG_LEVEL": "debug"})


def test_smoke_test_is_never_cached(module_def: ModuleDef) -> None:
    smoke_test = module_def.objects["Pipeline"].functions["smoke_test"]
    assert smoke_test.cache_policy == "Never"
    assert [arg.name for arg in smoke_test.args] == ["image", "url", "ref", "secrets"]


def test_serve_is_an_up_function(module_def: ModuleDef) -> None:
    serve = module_def.objects["Pipeline"].functions["serve"]
    assert serve.up
    assert serve.cache_policy == "Never"
    # The engine's `dagger up` skips a function with a required argument.
    required = [
        name
        for name, parameter in inspect.signature(Pipeline.serve).parameters.items()
        if name != "self" and parameter.default is inspect.Parameter.empty
    ]
    assert required == []


def test_the_result_renders_markdown(module_def: ModuleDef) -> None:
    result = module_def.objects["SmokeResult"]
    assert "markdown" in result.functions
    assert {"passed", "startup_seconds", "checks", "logs", "report"} <= set(result.fields)


def test_the_image_runs_as_a_service_with_its_port_and_environment() -> None:
    service = app_service(dag.container().from_(IMAGE), 8123, {"B": "2", "A": "1"})
    chain = calls(service)
    assert [c.name for c in chain] == [
        "container",
        "from",
        "withoutDockerHealthcheck",
        "withEnvVariable",
        "withEnvVariable",
        "withExposedPort",
        "asService",
    ]
    assert chain[1].args["address"] == IMAGE
    assert [(c.args["name"], c.args["value"]) for c in chain[3:5]] == [("A", "1"), ("B", "2")]
    assert chain[5].args["port"] == 8123
    assert chain[6].args["useEntrypoint"] is True


def test_the_checker_is_python_slim_with_httpx_and_this_module() -> None:
    client = checker_client(module_source())
    assert find(client, "from")[0].args["address"] == CLIENT_IMAGE
    cache = find(client, "withMountedCache")[0]
    assert cache.args["path"] == "/root/.cache/pip"
    assert find(cache.args["cache"], "cacheVolume")[0].args["key"] == PIP_CACHE
    install = find(client, "withExec")[0]
    assert install.args["args"] == ["pip", "install", f"httpx=={version('httpx')}"]
    mount = find(client, "withMountedDirectory")[0]
    assert mount.args["path"] == f"{CHECKER_ROOT}/main"
    assert names(mount.args["source"]) == ["currentModule", "source", "directory"]
    assert calls(mount.args["source"])[-1].args == {"path": "src/main"}
    assert plain_env(client)["PYTHONPATH"] == CHECKER_ROOT


def test_the_checker_is_bound_to_the_service_and_runs_the_cli() -> None:
    service = sample_config_service()
    text = (REPO_ROOT / SAMPLE_SUBPATH / "pyproject.toml").read_text(encoding="utf-8")
    spec = load_service(text).config.smoke_spec(f"http://{SERVICE_ALIAS}:8000")
    client = checker_client(module_source()).with_service_binding(SERVICE_ALIAS, service)
    run = checker_run(client, argv_for(spec))

    binding = find(run, "withServiceBinding")[0]
    assert binding.args["alias"] == "app"
    assert names(binding.args["service"])[-2:] == ["withExposedPort", "asService"]
    # the image's HEALTHCHECK would be waited for at start: the smoke suite replaces it
    assert "withoutDockerHealthcheck" in names(binding.args["service"])
    assert find(binding.args["service"], "withExposedPort")[0].args["port"] == 8000

    check = find(run, "withExec")[-1]
    assert check.args["args"] == [
        "python",
        "-m",
        "main.core.smoke",
        "http://app:8000",
        "--timeout=60.0",
        "--health-path=/health",
        "--mcp-path=/mcp",
        "--ready-timeout=30.0",
    ]
    assert check.args["expect"] == dagger.ReturnType.ANY.value


def test_every_check_run_is_new_to_the_engine_cache() -> None:
    client = checker_client(module_source())
    first = plain_env(checker_run(client, ["http://app:8000"]))[RUN_ID_VARIABLE]
    second = plain_env(checker_run(client, ["http://app:8000"]))[RUN_ID_VARIABLE]
    assert first != second


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
@pytest.mark.parametrize(
    ("image", "url"),
    [(None, ""), (dag.container().from_(IMAGE), "https://staging.example.com")],
    ids=["neither", "both"],
)
async def test_smoke_test_needs_an_image_or_a_url(
    sample_pipeline: Pipeline, image: dagger.Container | None, url: str
) -> None:
    with pytest.raises(FunctionError, match=r"^smoke-test needs exactly one of --image"):
        await sample_pipeline.smoke_test(image=image, url=url)


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_smoke_test_of_a_url_refuses_secrets_it_would_ignore(
    sample_pipeline: Pipeline,
) -> None:
    secrets = dag.set_secret("dotenv", "API_KEY=never-used")
    with pytest.raises(FunctionError, match=r"^smoke-test --url starts nothing, so --secrets"):
        await sample_pipeline.smoke_test(url="https://staging.example.com", secrets=secrets)


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_serve_uses_the_configured_port(sample_pipeline: Pipeline) -> None:
    service = await sample_pipeline.serve(dag.container().from_(IMAGE))
    assert find(service, "withExposedPort")[0].args["port"] == 8000
    assert names(service)[-1] == "asService"


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_serve_without_an_image_serves_the_service_built_from_the_checkout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answer_commit(monkeypatch)
    pipeline = Pipeline.create(
        source=dag.host().directory(str(REPO_ROOT)),
        repo=dag.git("https://example.invalid/acme/pipeline.git"),
        subpath=SAMPLE_SUBPATH,
    )
    service = await pipeline.serve()
    assert find(service, "dockerBuild")[0].args["dockerfile"] == "Containerfile"
    assert find(service, "withExposedPort")[0].args["port"] == 8000
    assert names(service)[-1] == "asService"


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_a_url_without_scheme_is_refused_before_anything_runs(
    sample_pipeline: Pipeline,
) -> None:
    with pytest.raises(FunctionError, match=r"^URL must be absolute http:// or https://"):
        await sample_pipeline.smoke_test(url="staging.example.com")
