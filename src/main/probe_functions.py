"""The functions that run the service and probe it: the smoke test and the load test.

Split from ``pipeline.py`` so each file keeps one concern; ``Pipeline`` inherits these
functions, and the Dagger SDK registers them as its own.
"""

from typing import TYPE_CHECKING, Annotated

import dagger
from dagger import Doc

from main import dependencies, load, smoke
from main._sdk import FunctionError, uncached_function
from main.core.errors import PipelineError
from main.core.lazy import lazy_import
from main.dependencies import SecretsArg
from main.load import LoadTestResult
from main.service_functions import RefArg, ServiceFunctions
from main.smoke import SmokeResult

if TYPE_CHECKING:
    from main.core import secret_env
else:
    secret_env = lazy_import("main.core.secret_env")


class ProbeFunctions(ServiceFunctions):
    """``smoke-test`` and ``load-test``: the service started (or reached) and checked."""

    # --- smoke test ---------------------------------------------------------------------

    @uncached_function
    async def smoke_test(
        self,
        image: Annotated[
            dagger.Container | None,
            Doc("The built image to test; on the command line an image address works too"),
        ] = None,
        url: Annotated[
            str,
            Doc("Check this deployed URL instead of running an image, e.g. https://stg.example"),
        ] = "",
        ref: RefArg = "",
        secrets: SecretsArg = None,
    ) -> SmokeResult:
        """Start the image as a service and check it: health 200, MCP handshake, tools.

        Never cached: every call runs the service again. A failing check does not raise;
        the result says which check failed and carries the service's logs. The service
        starts with its helper services ([tool.pipeline.smoke] services) bound and its
        secret variables (secret-env) from --secrets.
        """
        settings = (await self.service(ref)).config
        if (image is None) == (not url):
            msg = "smoke-test needs exactly one of --image (a built image) or --url"
            raise PipelineError(msg)
        starts_app = image is not None
        secret_env.refuse_unused("smoke-test", secrets=secrets is not None, starts_app=starts_app)
        if image is None:
            return smoke.SmokeResult.of(await smoke.check_target(url, settings))
        needs = await dependencies.read_dependencies(settings, secrets)
        return smoke.SmokeResult.of(await smoke.check_image(image, settings, needs))

    # --- load test ----------------------------------------------------------------------

    async def load_report(  # noqa: PLR0913 - the load test's inputs, options keyword-only
        self,
        image: dagger.Container | None = None,
        url: str = "",
        ref: str = "",
        *,
        workers: int = 0,
        overrides: dict[str, object] | None = None,
        secrets: dagger.Secret | None = None,
    ) -> LoadTestResult:
        """Load-test without failing on a breach (for deploy-staging, which decides).

        Settings come from ``[tool.pipeline.load]`` at ``ref``; ``overrides`` are keyed
        by its field names (``users``, ``p95_ms``) and None leaves a setting as it is.
        The result's ``blocking`` says whether on-breach = fail makes it fail the stage.
        """
        config = (await self.service(ref)).config
        if image is None and not url and config.deploy is not None:
            url = config.deploy.url  # the staging host's public URL, by default
        if (image is None) == (not url):
            msg = (
                "load-test needs exactly one of --image (a built image) or --url "
                "(the default with a [tool.pipeline.deploy] host: its url)"
            )
            raise PipelineError(msg)
        starts_app = image is not None
        secret_env.refuse_unused("load-test", secrets=secrets is not None, starts_app=starts_app)
        settings = config.load.overridden(overrides or {})
        needs = dependencies.NONE
        if image is not None:  # started here as the smoke test starts it, helpers and all
            needs = await dependencies.read_dependencies(config, secrets)
        return await load.run_load_test(
            config, settings, image=image, url=url, workers=workers, dependencies=needs
        )

    @uncached_function
    async def load_test(  # noqa: PLR0913 - one argument per overridable setting
        self,
        image: Annotated[
            dagger.Container | None,
            Doc("The built image to load, run as a service; an image address works too"),
        ] = None,
        url: Annotated[str, Doc("Load this deployed URL instead, e.g. https://stg.example")] = "",
        ref: RefArg = "",
        secrets: SecretsArg = None,
        *,
        users: Annotated[int | None, Doc("Simulated users (default: [tool.pipeline.load])")] = None,
        spawn_rate: Annotated[float | None, Doc("Users started per second")] = None,
        duration: Annotated[float | None, Doc("Seconds of traffic, ramp-up included")] = None,
        p95_ms: Annotated[
            list[str] | None,
            Doc("p95 limit in ms: 500 for every request kind, mcp.initialize=1500 for one"),
        ] = None,
        p99_ms: Annotated[
            list[str] | None, Doc("p99 limit in ms: MS for every kind, KIND=MS for one")
        ] = None,
        max_error_rate: Annotated[
            list[str] | None,
            Doc("Highest failed share, 0 to 1: 0.01 for every kind, KIND=SHARE for one"),
        ] = None,
        min_rps: Annotated[float | None, Doc("Lowest total requests per second")] = None,
        warmup: Annotated[
            float | None,
            Doc("Seconds whose requests are reported, not judged (default: ramp-up, whole s)"),
        ] = None,
        abort_on_breach: Annotated[
            bool | None, Doc("Stop the run once a limit is broken beyond recovery")
        ] = None,
        workers: Annotated[
            int,
            Doc(
                "0: one generator; N (up to 64): Locust's distributed mode, a master and N workers"
            ),
        ] = 0,
        on_breach: Annotated[
            str | None, Doc("fail: a breach fails this call; warn: return the result anyway")
        ] = None,
    ) -> LoadTestResult:
        """Simulated MCP clients (initialize, tools/list, tools/call) and health checks.

        Never cached. Judged per request kind against p95/p99/error-rate limits (given
        here on top of [tool.pipeline.load]'s) and on total throughput; with on-breach
        fail (the default) a breach fails the call with one line per broken limit, so
        use --on-breach warn to keep the result's markdown, json and csv of a
        breached run. An --image app that exits mid-run is a failed run whose logs
        field holds the app's output.
        """
        overrides: dict[str, object] = {
            "users": users,
            "spawn_rate": spawn_rate,
            "duration": duration,
            "p95_ms": p95_ms,
            "p99_ms": p99_ms,
            "max_error_rate": max_error_rate,
            "min_rps": min_rps,
            "warmup": warmup,
            "abort_on_breach": abort_on_breach,
            "on_breach": on_breach,
        }
        result = await self.load_report(
            image, url, ref, workers=workers, overrides=overrides, secrets=secrets
        )
        if result.blocking:
            raise FunctionError("; ".join(result.breaches) or result.summary)
        return result
