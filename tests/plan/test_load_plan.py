import shlex
from importlib.metadata import version

import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.core.config import PipelineConfig, validate_config
from main.core.load.cli import argv_for
from main.core.load.result import Sample, summarize
from main.core.load.thresholds import Thresholds, judge
from main.core.service import load_service
from main.load import (
    GENERATOR_IMAGE,
    GENERATOR_ROOT,
    LOCUST_VERSION,
    MASTER_ALIAS,
    MASTER_PORT,
    OUT,
    PIP_CACHE,
    RESULTS,
    RESULTS_CACHE,
    RUN_ID_VARIABLE,
    LoadTestResult,
    generator,
    plan,
)
from main.pipeline import Pipeline
from main.smoke import module_source
from tests.support.constants import REPO_ROOT, SAMPLE_SUBPATH
from tests.support.lazy import calls, find, names, plain_env, secret_names, walk
from tests.support.registration import ModuleDef

IMAGE = "ghcr.io/example/sample-service:staging-latest"
LOAD_TABLE = {"users": 6, "duration": 5, "tool": "add", "tool-arguments": {"a": 1, "b": 2}}


def sample_config(load: dict[str, object] | None = None) -> PipelineConfig:
    text = (REPO_ROOT / SAMPLE_SUBPATH / "pyproject.toml").read_text(encoding="utf-8")
    config = load_service(text).config
    table = config.model_dump(by_alias=True) | {"load": load or LOAD_TABLE}
    return validate_config(table)


def expected_argv(config: PipelineConfig, url: str) -> list[str]:
    spec = config.load.spec(url, health_path="/health", mcp_path="/mcp")
    return argv_for(spec, config.load.thresholds())


def test_load_test_is_never_cached_and_takes_the_overrides(module_def: ModuleDef) -> None:
    load_test = module_def.objects["Pipeline"].functions["load_test"]
    assert load_test.cache_policy == "Never"
    assert [arg.name for arg in load_test.args][:3] == ["image", "url", "ref"]
    assert {"workers", "on_breach", "p95_ms", "max_error_rate"} <= {
        arg.name for arg in load_test.args
    }


def test_the_result_has_figures_markdown_json_and_csv(module_def: ModuleDef) -> None:
    result = module_def.objects["LoadTestResult"]
    assert {"markdown", "json", "csv"} <= set(result.functions)
    assert {"passed", "summary", "breaches", "requests", "report"} <= set(result.fields)
    assert "files" not in result.fields
    assert "blocking" not in result.fields
    row = module_def.objects["LoadKind"]
    assert {"name", "count", "failures", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms"} <= set(
        row.fields
    )


def test_the_generator_is_python_slim_with_the_pinned_locust_and_this_module() -> None:
    client = generator(module_source())
    assert find(client, "from")[0].args["address"] == GENERATOR_IMAGE
    cache = find(client, "withMountedCache")[0]
    assert find(cache.args["cache"], "cacheVolume")[0].args["key"] == PIP_CACHE
    install = find(client, "withExec")[0]
    assert install.args["args"] == [
        "pip",
        "install",
        "locust==2.47.0",
        f"httpx=={version('httpx')}",
    ]
    assert version("locust") == LOCUST_VERSION  # the tests ran the version the image pins
    mount = find(client, "withMountedDirectory")[0]
    assert mount.args["path"] == f"{GENERATOR_ROOT}/main"
    assert calls(mount.args["source"])[-1].args == {"path": "src/main"}
    assert plain_env(client)["PYTHONPATH"] == GENERATOR_ROOT


def test_a_url_is_loaded_by_one_generator_with_the_settings_as_arguments() -> None:
    config = sample_config()
    run = plan(config, config.load, image=None, url="https://stg.example", workers=0)
    run_exec = find(run, "withExec")[-1]
    assert run_exec.args["args"] == [
        "python",
        "-m",
        "main.core.load",
        *expected_argv(config, "https://stg.example"),
        f"--csv-prefix={OUT}/locust",
        f"--json-out={OUT}/load-test.json",
    ]
    assert "--users=6" in run_exec.args["args"]
    assert '--tool-args={"a": 1, "b": 2}' in run_exec.args["args"]
    assert run_exec.args["expect"] == dagger.ReturnType.ANY.value
    assert "withServiceBinding" not in names(run)
    assert RUN_ID_VARIABLE in plain_env(run)


def test_an_image_is_bound_as_the_app_service_on_its_port() -> None:
    config = sample_config()
    run = plan(config, config.load, image=dag.container().from_(IMAGE), url="", workers=0)
    binding = find(run, "withServiceBinding")[0]
    assert binding.args["alias"] == "app"
    assert find(binding.args["service"], "withExposedPort")[0].args["port"] == 8000
    assert find(run, "withExec")[-1].args["args"][3] == "http://app:8000"


def test_no_secret_and_no_token_reaches_the_generator() -> None:
    config = sample_config()
    run = plan(config, config.load, image=dag.container().from_(IMAGE), url="", workers=2)
    assert secret_names(run) == []
    for call in walk(run):
        if call.name == "withEnvVariable":
            assert "TOKEN" not in call.args["name"].upper()


def test_workers_run_as_services_that_connect_to_a_master_service() -> None:
    config = sample_config()
    run = plan(config, config.load, image=None, url="https://stg.example", workers=2)
    bindings = {
        call.args["alias"]: call.args["service"] for call in find(run, "withServiceBinding")
    }
    assert set(bindings) == {MASTER_ALIAS, "load-worker-1", "load-worker-2"}

    master = calls(bindings[MASTER_ALIAS])
    assert [c.args["port"] for c in master if c.name == "withExposedPort"] == [MASTER_PORT]
    script = master[-1].args["args"]
    assert script[:2] == ["sh", "-c"]
    master_argv = shlex.split(script[2].split(";")[0])
    assert master_argv[3 : 3 + len(expected_argv(config, "https://stg.example"))] == (
        expected_argv(config, "https://stg.example")
    )
    assert {"--master", "--expect-workers=2", f"--master-bind-port={MASTER_PORT}"} <= set(
        master_argv
    )
    master_cache = [c for c in master if c.name == "withMountedCache"][-1]
    assert master_cache.args["path"] == RESULTS
    assert find(master_cache.args["cache"], "cacheVolume")[0].args["key"] == RESULTS_CACHE

    for index in (1, 2):
        worker = bindings[f"load-worker-{index}"]
        worker_script = calls(worker)[-1].args["args"]
        assert worker_script[:2] == ["sh", "-c"]
        worker_argv = shlex.split(worker_script[2].split(";")[0])
        assert worker_argv[-3:] == [
            "--worker",
            f"--master-host={MASTER_ALIAS}",
            f"--master-port={MASTER_PORT}",
        ]
        assert find(worker, "withServiceBinding")[0].args["alias"] == MASTER_ALIAS
    # the reader waits for the master's result in the shared cache and prints it
    reader = find(run, "withExec")[-1]
    assert reader.args["args"][:2] == ["sh", "-c"]
    assert f"cat {OUT}/load-test.json" in reader.args["args"][2]
    assert reader.args["expect"] == dagger.ReturnType.ANY.value


def test_every_service_the_reader_binds_outlives_the_run() -> None:
    # Dagger 0.21 cancels an exec as soon as any service bound to it exits, even with
    # status 0; a Locust worker exits on the master's quit, before the master writes
    # its result. So each bound service's command ends by sleeping until it is stopped.
    config = sample_config()
    run = plan(config, config.load, image=None, url="https://stg.example", workers=2)
    for binding in find(run, "withServiceBinding"):
        service = calls(binding.args["service"])[-1]
        assert service.name == "asService"
        script = service.args["args"]
        assert script[:2] == ["sh", "-c"], binding.args["alias"]
        assert script[2].endswith("; exec sleep infinity"), binding.args["alias"]
        assert script[2].startswith("python -m main.core.load "), binding.args["alias"]


def test_every_distributed_run_is_new_to_the_engine_cache() -> None:
    config = sample_config()
    first = plan(config, config.load, image=None, url="https://stg.example", workers=1)
    second = plan(config, config.load, image=None, url="https://stg.example", workers=1)
    assert plain_env(first)[RUN_ID_VARIABLE] != plain_env(second)[RUN_ID_VARIABLE]


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
@pytest.mark.parametrize(
    ("image", "url"),
    [(None, ""), (dag.container().from_(IMAGE), "https://staging.example.com")],
    ids=["neither", "both"],
)
async def test_load_test_needs_an_image_or_a_url(
    sample_pipeline: Pipeline, image: dagger.Container | None, url: str
) -> None:
    with pytest.raises(FunctionError, match=r"^load-test needs exactly one of --image"):
        await sample_pipeline.load_test(image=image, url=url)


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
async def test_load_test_of_a_url_refuses_secrets_it_would_ignore(
    sample_pipeline: Pipeline,
) -> None:
    secrets = dag.set_secret("dotenv", "API_KEY=never-used")
    with pytest.raises(FunctionError, match=r"^load-test --url starts nothing, so --secrets"):
        await sample_pipeline.load_test(url="https://staging.example.com", secrets=secrets)


@pytest.mark.anyio
@pytest.mark.usefixtures("offline_reads")
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"users": 0}, r"^--users: Input should be greater than or equal to 1"),
        ({"max_error_rate": 2.0}, r"^--max-error-rate: Input should be less than or equal to 1"),
        ({"on_breach": "maybe"}, r"^--on-breach: Input should be 'fail' or 'warn'"),
        ({"workers": -1}, r"^--workers must be a whole number from 0 to 64, got -1$"),
        # each worker is a Dagger service of its own: a typo must not start thousands
        ({"workers": 5000}, r"^--workers must be a whole number from 0 to 64, got 5000$"),
    ],
)
async def test_a_bad_override_is_one_line_before_anything_runs(
    sample_pipeline: Pipeline, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(FunctionError, match=message):
        await sample_pipeline.load_test(url="https://stg.example", **overrides)  # type: ignore[arg-type]


def test_a_finished_run_becomes_the_result_object() -> None:
    started = 1_000.0
    samples = [Sample("health", started + 0.5, 30.0) for _ in range(10)]
    samples.append(Sample("mcp.tools_call", started + 0.7, 5.0, "tools/call answered HTTP 500"))
    samples.append(Sample("mcp.tools_call", started + 0.8, 5.0))
    result = judge(
        summarize(samples, target="http://app:8000", users=2, started=started, ended=started + 1),
        Thresholds(p95_ms=20),
    )
    made = LoadTestResult.of(result, None)
    assert made.passed is False
    assert made.blocking
    assert not LoadTestResult.of(result, None, on_breach="warn").blocking
    assert made.breaches == ["health p95 30 ms > limit 20 ms"]
    assert made.summary.startswith("load test failed: health p95 30 ms > limit 20 ms;")
    health, call = made.requests
    assert (health.name, health.count, health.failures, health.p95_ms) == ("health", 10, 0, 30.0)
    assert (call.name, call.failures) == ("mcp.tools_call", 1)
    assert made.markdown().startswith("### Load test ❌ failed\n")
    assert names(made.json()) == ["directory", "withNewFile", "file"]
    assert find(made.json(), "withNewFile")[0].args["contents"] == result.to_json()
    assert names(made.csv()) == ["directory"]
