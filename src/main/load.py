"""Load-test recipes: the generator container, alone or as a master with worker services.

The generator is Python slim with a pinned Locust and this module's own ``src/main``
mounted, running ``python -m main.core.load``: the very command the integration tests
run on the host. Its target is a URL, or the built image bound as the service ``app``
(``smoke.app_service``: the same start as the smoke test). The run's exit status is
read, not trusted to raise, so a breached run still gives its report.

Distributed mode (``workers`` > 0) runs a master and N workers as Dagger services: the
workers connect to the master (Locust's direction), and a small reader container binds
them all, which starts them, then waits for the master's result in a cache volume the
two share. Each run writes under its own run id there. Every service the reader binds
outlives its Locust process (``outliving``): the engine cancels the reader as soon as
one of them exits.

With ``--image`` the app is bound to the generator too; an app that exits mid-run
cancels it, which becomes a failed result carrying the app's logs.
"""

import shlex
from importlib.metadata import version
from typing import TYPE_CHECKING, Annotated, Self

import dagger
from dagger import Doc, dag, field, object_type

from main._sdk import function
from main.core.errors import PipelineError
from main.core.lazy import lazy_import
from main.dependencies import NONE as NO_DEPENDENCIES
from main.dependencies import Dependencies
from main.smoke import SERVICE_ALIAS, app_service, module_source, run_id, service_logs

if TYPE_CHECKING:
    from main.core import bound, text
    from main.core.config import PipelineConfig
    from main.core.load import cli as load_cli
    from main.core.load import markdown as load_markdown
    from main.core.load import result as load_result
    from main.core.load import spec as load_spec
    from main.core.load.settings import LoadSettings
else:
    # Loaded when a load test runs, not when the module loads (core/lazy.py).
    bound = lazy_import("main.core.bound")
    text = lazy_import("main.core.text")
    load_cli = lazy_import("main.core.load.cli")
    load_markdown = lazy_import("main.core.load.markdown")
    load_result = lazy_import("main.core.load.result")
    load_spec = lazy_import("main.core.load.spec")

LOCUST_VERSION = "2.47.0"
GENERATOR_IMAGE = "python:3.12-slim"
PIP_CACHE = "pipeline-load-pip"
RESULTS_CACHE = "pipeline-load-results"
GENERATOR_ROOT = "/generator"
OUT = "/out"
RESULTS = "/results"
MASTER_ALIAS = "load-master"
MASTER_PORT = 5557
RUN_ID_VARIABLE = "PIPELINE_LOAD_RUN"
WORKER_VARIABLE = "PIPELINE_LOAD_WORKER"
CONNECT_TIMEOUT = 120  # seconds the master waits for its worker services to connect
READ_GRACE = 60  # seconds the reader waits beyond the run for the master's result


@object_type
class LoadKind:
    """The figures of one request kind (health, mcp.tools_call, GET /metrics, ...)."""

    name: Annotated[str, Doc("Request kind")] = field()
    count: Annotated[int, Doc("Requests made")] = field()
    failures: Annotated[int, Doc("Requests that failed")] = field()
    rps: Annotated[float, Doc("Requests per second")] = field()
    p50_ms: Annotated[float, Doc("Median latency, ms")] = field()
    p95_ms: Annotated[float, Doc("95th percentile latency, ms")] = field()
    p99_ms: Annotated[float, Doc("99th percentile latency, ms")] = field()
    max_ms: Annotated[float, Doc("Slowest request, ms")] = field()

    @classmethod
    def of(cls, name: str, stats: "load_result.KindStats") -> Self:
        """The Dagger object for one request kind's figures."""
        return cls(  # type: ignore[call-arg]
            name=name,
            count=stats.count,
            failures=stats.failures,
            rps=round(stats.rps, 2),
            p50_ms=round(stats.p50_ms, 2),
            p95_ms=round(stats.p95_ms, 2),
            p99_ms=round(stats.p99_ms, 2),
            max_ms=round(stats.max_ms, 2),
        )


@object_type
class LoadTestResult:
    """How the service held under load: the verdict, the figures and the files."""

    passed: Annotated[bool, Doc("True when no limit was broken and the target answered")] = field()
    summary: Annotated[str, Doc("One line: the verdict, the first breach, the volume")] = field()
    breaches: Annotated[list[str], Doc("One line per broken limit")] = field(default=list)
    requests: Annotated[list[LoadKind], Doc("Figures per request kind")] = field(default=list)
    report: Annotated[str, Doc("The full result as JSON (the generator's stable shape)")] = field(
        default=""
    )
    logs: Annotated[
        str, Doc("The app's output, kept when it exited during the run (--image only)")
    ] = field(default="")
    # State for the functions below and for the caller, not exposed as fields.
    files: dagger.Directory | None = None
    blocking: bool = False  # breached, and on-breach = fail: the stage fails

    @classmethod
    def of(
        cls,
        result: "load_result.LoadResult",
        files: dagger.Directory | None,
        *,
        on_breach: str = "fail",
    ) -> Self:
        """The Dagger object for a finished run; ``on_breach`` decides whether it blocks."""
        return cls(  # type: ignore[call-arg]
            passed=result.passed,
            summary=result.summary(),
            breaches=list(result.breaches),
            requests=[LoadKind.of(name, stats) for name, stats in result.requests.items()],
            report=result.to_json(),
            files=files,
            blocking=not result.passed and on_breach == "fail",
        )

    @function
    def markdown(self) -> str:
        """Verdict, table, breaches and throughput/p95 charts (Mermaid) for a job summary."""
        return load_markdown.render_markdown(load_result.LoadResult.from_json(self.report))

    @function
    def json(self) -> dagger.File:
        """The result as a JSON file, to export."""
        return dag.directory().with_new_file("load-test.json", self.report).file("load-test.json")

    @function
    def csv(self) -> dagger.Directory:
        """Locust's own CSV files (stats, stats history, failures, exceptions)."""
        return self.files if self.files is not None else dag.directory()


def generator(source: dagger.Directory) -> dagger.Container:
    """Python slim with the pinned Locust, this module's httpx, and ``main`` on its path."""
    return (
        dag.container()
        .from_(GENERATOR_IMAGE)
        .with_env_variable("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .with_env_variable("PIP_ROOT_USER_ACTION", "ignore")
        .with_mounted_cache("/root/.cache/pip", dag.cache_volume(PIP_CACHE))
        .with_exec(["pip", "install", f"locust=={LOCUST_VERSION}", f"httpx=={version('httpx')}"])
        .with_mounted_directory(f"{GENERATOR_ROOT}/main", source.directory("src/main"))
        .with_env_variable("PYTHONPATH", GENERATOR_ROOT)
        .with_workdir(GENERATOR_ROOT)
    )


def command(argv: list[str]) -> list[str]:
    """The generator's command line."""
    return ["python", "-m", "main.core.load", *argv]


def outliving(argv: list[str]) -> list[str]:
    """A service command that runs ``argv``, then sleeps until the engine stops it.

    Dagger 0.21 cancels an exec as soon as any service bound to it exits, even with
    status 0. The reader binds the master and every worker, and both end their Locust
    process before the reader has the result (a worker on the master's quit, the master
    once it wrote the file), so neither may let its container end.
    """
    return ["sh", "-c", f"{shlex.join(argv)}; exec sleep infinity"]


def local_run(client: dagger.Container, argv: list[str]) -> dagger.Container:
    """One generator process; exit 1 on a breach must still give a report and files."""
    files = [f"--csv-prefix={OUT}/locust", f"--json-out={OUT}/load-test.json"]
    return client.with_env_variable(RUN_ID_VARIABLE, run_id()).with_exec(
        command([*argv, *files]), expect=dagger.ReturnType.ANY
    )


def master_service(
    client: dagger.Container, argv: list[str], workers: int, run: str
) -> dagger.Service:
    """The master: waits for ``workers``, runs, writes its result to the shared cache.

    It stays up after writing (``outliving``), until the reader has copied the result
    and the engine stops it.
    """
    folder = f"{RESULTS}/{run}"
    role = [
        "--master",
        f"--expect-workers={workers}",
        f"--master-bind-port={MASTER_PORT}",
        f"--connect-timeout={CONNECT_TIMEOUT}",
        f"--csv-prefix={folder}/locust",
        f"--json-out={folder}/load-test.json",
    ]
    return (
        client.with_env_variable(RUN_ID_VARIABLE, run)
        .with_mounted_cache(RESULTS, dag.cache_volume(RESULTS_CACHE))
        .with_exposed_port(MASTER_PORT)
        .as_service(args=outliving(command([*argv, *role])))
    )


def worker_service(
    client: dagger.Container, argv: list[str], master: dagger.Service, index: int, run: str
) -> dagger.Service:
    """One worker: connects to the master and sends the target its share of the users.

    Locust's worker exits when the master says quit, which is before the master has
    written its result; the container stays up after that (see ``outliving``).
    """
    role = ["--worker", f"--master-host={MASTER_ALIAS}", f"--master-port={MASTER_PORT}"]
    return (
        client.with_env_variable(RUN_ID_VARIABLE, run)
        .with_env_variable(WORKER_VARIABLE, str(index))
        .with_service_binding(MASTER_ALIAS, master)
        .as_service(args=outliving(command([*argv, *role])))
    )


def distributed_run(
    client: dagger.Container, argv: list[str], workers: int, duration: float
) -> dagger.Container:
    """Master + ``workers`` worker services, and the reader that waits for the result."""
    run = run_id()
    master = master_service(client, argv, workers, run)
    reader = client.with_service_binding(MASTER_ALIAS, master)
    for index in range(1, workers + 1):
        worker = worker_service(client, argv, master, index, run)
        reader = reader.with_service_binding(f"load-worker-{index}", worker)
    folder = f"{RESULTS}/{run}"
    limit = int(duration) + CONNECT_TIMEOUT + READ_GRACE
    wait = (
        f"i=0; until [ -f {folder}/load-test.json ]; do i=$((i+1)); "
        f'[ "$i" -gt {limit} ] && echo "no result from the load master within {limit} s" >&2 '
        f"&& exit 3; sleep 1; done; mkdir -p {OUT} && cp {folder}/* {OUT}/ && "
        f"cat {OUT}/load-test.json"
    )
    return (
        reader.with_env_variable(RUN_ID_VARIABLE, run)
        .with_mounted_cache(RESULTS, dag.cache_volume(RESULTS_CACHE))
        .with_exec(["sh", "-c", wait], expect=dagger.ReturnType.ANY)
    )


async def read_result(run: dagger.Container) -> "load_result.LoadResult":
    """The generator's JSON result; a generator that printed none is one clear line."""
    stdout = await run.stdout()
    try:
        return load_result.LoadResult.from_json(stdout)
    except PipelineError:
        code, stderr = await run.exit_code(), await run.stderr()
        said = text.clip(stderr.strip(), 400)
        msg = f"the load generator exited {code} without a result: {said}"
        raise PipelineError(msg) from None


def plan(  # noqa: PLR0913 - the run's inputs, keyword-only
    config: "PipelineConfig",
    settings: "LoadSettings",
    *,
    image: dagger.Container | None,
    url: str,
    workers: int = 0,
    dependencies: Dependencies = NO_DEPENDENCIES,
) -> dagger.Container:
    """The lazy run against ``url`` or ``image`` (started as the service ``app``).

    An image starts as the smoke test starts it: with its secret variables and helper
    services (``dependencies``).

    Its stdout is the generator's JSON result and ``/out`` holds the files.

    Raises:
        PipelineError: a settings mistake, before anything is built or started.
    """
    load_spec.check_workers("--workers", workers)
    target = url or f"http://{SERVICE_ALIAS}:{config.port}"
    spec = settings.spec(
        target,
        health_path=config.health_path or None,
        mcp_path=config.mcp_path if config.smoke.mcp else None,
    )
    argv = load_cli.argv_for(spec, settings.thresholds())
    client = generator(module_source())
    if image is not None:
        client = client.with_service_binding(
            SERVICE_ALIAS, app_service(image, config.port, config.smoke.env, dependencies)
        )
    if workers:
        return distributed_run(client, argv, workers, spec.duration_seconds)
    return local_run(client, argv)


async def run_load_test(  # noqa: PLR0913 - the run's inputs, keyword-only
    config: "PipelineConfig",
    settings: "LoadSettings",
    *,
    image: dagger.Container | None,
    url: str,
    workers: int = 0,
    dependencies: Dependencies = NO_DEPENDENCIES,
) -> LoadTestResult:
    """Run the load test and read its result and files back.

    With ``image``, the app runs as a service bound to the generator; if it exits
    mid-run the engine cancels the generator, and the result is a failed run that
    says so, with the app's logs (replayed as the smoke test replays them).
    """
    run = plan(config, settings, image=image, url=url, workers=workers, dependencies=dependencies)
    try:
        result = await read_result(run)
    except dagger.QueryError as exc:
        if image is None:
            raise  # nothing is bound: a real engine error
        target = f"http://{SERVICE_ALIAS}:{config.port}"
        cut = bound.load_cut_short(target, settings.users, str(exc))
        made = LoadTestResult.of(cut, None, on_breach=settings.on_breach)
        made.logs = await service_logs(image, config, dependencies)
        return made
    return LoadTestResult.of(result, run.directory(OUT), on_breach=settings.on_breach)
