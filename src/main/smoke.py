"""Smoke-test recipes: the built image as a Dagger service, the checker beside it.

The image runs as a service on its configured port and environment; ``start()`` is
timed, because "how long until it listens" is the startup time a deployment feels. The
checks themselves run in a small client container (Python slim + httpx) bound to the
service as ``app``: the very ``python -m main.core.smoke`` that the integration tests
run on the host, mounted from this module's own source. Its exit status is read, not
trusted to raise, so a failing service still produces a full report.
"""

import contextlib
import time
from importlib.metadata import version
from typing import TYPE_CHECKING, Annotated, Self

import anyio
import dagger
from dagger import Doc, dag, field, object_type

from main._sdk import function
from main.core.errors import PipelineError
from main.core.lazy import lazy_import
from main.dependencies import NONE as NO_DEPENDENCIES
from main.dependencies import Dependencies

if TYPE_CHECKING:
    from collections.abc import Mapping

    from main.core import bound
    from main.core.config import PipelineConfig
    from main.core.smoke import markdown as smoke_markdown
    from main.core.smoke import result as smoke_report
    from main.core.smoke import spec as smoke_spec
else:
    # Loaded when a smoke test runs, not when the module loads (core/lazy.py).
    bound = lazy_import("main.core.bound")
    smoke_markdown = lazy_import("main.core.smoke.markdown")
    smoke_report = lazy_import("main.core.smoke.result")
    smoke_spec = lazy_import("main.core.smoke.spec")


@object_type
class SmokeCheck:
    """One smoke check: what it tried, whether it passed, and what came back."""

    name: Annotated[str, Doc("Check name, e.g. health or mcp.tools_list")] = field()
    outcome: Annotated[str, Doc("passed, failed or skipped")] = field()
    latency_ms: Annotated[float, Doc("How long the check took, in milliseconds")] = field()
    detail: Annotated[str, Doc("What a passing check saw, or why it was skipped")] = field(
        default=""
    )
    error: Annotated[str, Doc("Why the check failed; empty when it did not")] = field(default="")
    http_status: Annotated[int, Doc("HTTP status behind a failure; 0 when none")] = field(default=0)
    body_excerpt: Annotated[str, Doc("Start of the body behind a failure")] = field(default="")

    @classmethod
    def of(cls, result: "smoke_report.CheckResult") -> Self:
        """The Dagger object for one finished check."""
        # mypy does not see through @object_type's dataclass transform in 0.21's stubs.
        return cls(  # type: ignore[call-arg]
            name=result.name,
            outcome=result.outcome,
            latency_ms=round(result.latency_ms, 2),
            detail=result.detail,
            error=result.error or "",
            http_status=result.http_status or 0,
            body_excerpt=result.body_excerpt or "",
        )


@object_type
class SmokeResult:
    """Whether the service started, answered its health check and spoke MCP."""

    passed: Annotated[bool, Doc("True when every check passed")] = field()
    summary: Annotated[str, Doc("One line: the verdict and the first failure")] = field()
    target: Annotated[str, Doc("The URL the checks ran against")] = field()
    startup_seconds: Annotated[
        float | None, Doc("Seconds from starting the service until it answered; none if never")
    ] = field(default=None)
    duration_seconds: Annotated[float, Doc("Seconds the checks took, waiting included")] = field(
        default=0.0
    )
    checks: Annotated[list[SmokeCheck], Doc("Every check, in the order it ran")] = field(
        default=list
    )
    logs: Annotated[str, Doc("The service's output, kept when the test failed")] = field(default="")
    report: Annotated[str, Doc("The full report as JSON")] = field(default="")

    @classmethod
    def of(cls, report: "smoke_report.SmokeReport") -> Self:
        """The Dagger object for a finished report."""
        return cls(  # type: ignore[call-arg]
            passed=report.passed,
            summary=report.summary(),
            target=report.target,
            startup_seconds=None
            if report.startup_seconds is None
            else round(report.startup_seconds, 3),
            duration_seconds=round(report.duration_seconds, 3),
            checks=[SmokeCheck.of(check) for check in report.checks],
            logs=report.logs,
            report=report.to_json(),
        )

    @function
    def markdown(self) -> str:
        """The result as Markdown, ready for $GITHUB_STEP_SUMMARY or a PR comment."""
        return smoke_markdown.render_markdown(smoke_report.SmokeReport.from_json(self.report))


CLIENT_IMAGE = "python:3.12-slim"
SERVICE_ALIAS = "app"
PIP_CACHE = "pipeline-smoke-pip"
CHECKER_ROOT = "/checker"
LOG_REPLAY_SECONDS = 10
LOG_KILL_AFTER = 5  # a service that ignores SIGINT is killed this much later
RUN_ID_VARIABLE = "PIPELINE_SMOKE_RUN"


def replay_timeout() -> list[str]:
    """``timeout`` that interrupts the replay, then kills a service that ignores SIGINT."""
    return ["timeout", "-k", str(LOG_KILL_AFTER), "-s", "INT", str(LOG_REPLAY_SECONDS)]


def run_id() -> str:
    """A value unique to this call: it keeps the engine from reusing an earlier run's exec."""
    return str(time.time_ns())


def with_env(container: dagger.Container, env: "Mapping[str, str]") -> dagger.Container:
    """The container with the given plain environment variables, in a stable order."""
    for name, value in sorted(env.items()):
        container = container.with_env_variable(name, value)
    return container


def app_service(
    image: dagger.Container,
    port: int,
    env: "Mapping[str, str]",
    dependencies: Dependencies = NO_DEPENDENCIES,
) -> dagger.Service:
    """The image as a service, run like ``docker run`` would (entrypoint + default command).

    ``dependencies`` adds its secret variables and binds its helper services by alias,
    so the app reaches its database as ``db`` exactly as the settings say.

    The image's own Dockerfile HEALTHCHECK is dropped: the engine would wait for it
    before the service counts as started, so a long interval would be measured as
    startup time (or fail the start). The smoke suite is the health check here.
    """
    runnable = dependencies.apply(with_env(image.without_docker_healthcheck(), env))
    return runnable.with_exposed_port(port).as_service(use_entrypoint=True)


def checker_client(module_source: dagger.Directory) -> dagger.Container:
    """Python slim with httpx (the version this module runs) and ``main`` on its path."""
    return (
        dag.container()
        .from_(CLIENT_IMAGE)
        .with_env_variable("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .with_env_variable("PIP_ROOT_USER_ACTION", "ignore")
        .with_mounted_cache("/root/.cache/pip", dag.cache_volume(PIP_CACHE))
        .with_exec(["pip", "install", f"httpx=={version('httpx')}"])
        .with_mounted_directory(f"{CHECKER_ROOT}/main", module_source.directory("src/main"))
        .with_env_variable("PYTHONPATH", CHECKER_ROOT)
        .with_workdir(CHECKER_ROOT)
    )


def checker_run(client: dagger.Container, argv: list[str]) -> dagger.Container:
    """The checker's exec; it exits 1 on a failed check, which must still give a report."""
    return client.with_env_variable(RUN_ID_VARIABLE, run_id()).with_exec(
        ["python", "-m", "main.core.smoke", *argv], expect=dagger.ReturnType.ANY
    )


async def read_report(run: dagger.Container) -> "smoke_report.SmokeReport":
    """The checker's JSON report; a checker that printed none is a bug worth one clear line."""
    stdout = await run.stdout()
    try:
        return smoke_report.SmokeReport.from_json(stdout)
    except PipelineError:
        code, stderr = await run.exit_code(), await run.stderr()
        said = smoke_report.excerpt(stderr.strip(), 400)
        msg = f"the smoke checker exited {code} without a report: {said}"
        raise PipelineError(msg) from None


def module_source() -> dagger.Directory:
    """This module's own files, where ``src/main`` (and so the checker) lives."""
    return dag.current_module().source()


async def check_target(url: str, config: "PipelineConfig") -> "smoke_report.SmokeReport":
    """Run the checks against an address the client container can reach (``--url``)."""
    client = checker_client(module_source())
    return await read_report(checker_run(client, smoke_spec.argv_for(config.smoke_spec(url))))


async def _start(
    service: dagger.Service, config: "PipelineConfig"
) -> "tuple[float, smoke_report.CheckResult]":
    """Start the service within the startup timeout: seconds taken and the ``start`` check."""
    started = time.perf_counter()
    limit = config.startup_timeout
    try:
        with anyio.fail_after(limit):
            await service.start()
    except TimeoutError:
        error = f"the service did not open port {config.port} within {limit:g} s"
    except dagger.QueryError as exc:
        error = f"the service did not start: {smoke_report.excerpt(str(exc).strip(), 400)}"
    else:
        seconds = time.perf_counter() - started
        return seconds, smoke_report.passed("start", seconds * 1000, f"port {config.port} open")
    seconds = time.perf_counter() - started
    return seconds, smoke_report.failed("start", seconds * 1000, error)


async def service_logs(
    image: dagger.Container,
    config: "PipelineConfig",
    dependencies: Dependencies = NO_DEPENDENCIES,
) -> str:
    """The service's output, from running its command again for a few seconds.

    A Dagger service's own output is shown in the engine's progress view but cannot be
    read back through the API, so the command is replayed under ``timeout`` with the
    same environment, secrets and helper services (the engine masks secret values in
    what it returns). Images without ``timeout`` (distroless) give a note instead.
    """
    try:
        command = [*await image.entrypoint(), *await image.default_args()]
        if not command:
            return "(no logs: the image has no entrypoint or default command)"
        replay = (
            dependencies.apply(with_env(image, config.smoke.env))
            .with_env_variable(RUN_ID_VARIABLE, run_id())
            .with_exec(
                [
                    "timeout",
                    "-k",
                    str(LOG_KILL_AFTER),
                    "-s",
                    "INT",
                    str(LOG_REPLAY_SECONDS),
                    *command,
                ],
                expect=dagger.ReturnType.ANY,
            )
        )
        out, err = await replay.stdout(), await replay.stderr()
    except dagger.QueryError as exc:
        said = smoke_report.excerpt(str(exc), 300)
        return f"(no logs: replaying the service's command failed: {said})"
    header = f"(the service's command, replayed for {LOG_REPLAY_SECONDS} s)\n"
    return header + out + err


async def check_image(
    image: dagger.Container,
    config: "PipelineConfig",
    dependencies: Dependencies = NO_DEPENDENCIES,
) -> "smoke_report.SmokeReport":
    """Run ``image`` as a service, time its start, check it from a bound client container.

    ``dependencies``: the app's secret variables and the helper services bound to it.
    """
    target = f"http://{SERVICE_ALIAS}:{config.port}"
    spec = config.smoke_spec(target)  # a settings mistake stops us before starting
    argv = smoke_spec.argv_for(spec)
    service = app_service(image, config.port, config.smoke.env, dependencies)
    seconds, start = await _start(service, config)
    if start.failed:
        report = smoke_report.SmokeReport(
            target=target,
            checks=(smoke_report.skipped("ready", "the service did not start"),),
            timeout_seconds=config.startup_timeout,
        ).with_start(seconds, start)
    else:
        try:
            client = checker_client(module_source()).with_service_binding(SERVICE_ALIAS, service)
            report = await read_report(checker_run(client, argv))
        except dagger.QueryError as exc:
            # The engine cancels the checker when the service bound to it exits: that is
            # a failed smoke test (with the logs, below), not an engine error.
            report = bound.smoke_cut_short(target, str(exc), timeout_seconds=spec.timeout)
        finally:
            # A service that died during the checks may refuse to stop: keep the report.
            with contextlib.suppress(dagger.QueryError):
                await service.stop()
        report = report.with_start(seconds, start)
    if not report.passed:
        report = report.with_logs(await service_logs(image, config, dependencies))
    return report
