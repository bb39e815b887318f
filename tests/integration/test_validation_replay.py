"""Replay the validation container's recorded commands here, with the same uv.

No engine runs here, but the plan records every exec and environment variable in
order. Replaying them on a copy of a service (the working folder standing in for the
container's /src, a temporary venv for /venv) catches what only a real run shows:
a second ``uv sync`` removing the validate-tools, or a ``.python-version`` the image's
interpreter does not match.
"""

import os
import shutil
import subprocess
from pathlib import Path

import dagger
import pytest
from dagger import dag

from main.core.config import validate_config
from main.validate import VENV, WORKDIR, python_environment
from tests.support.constants import SAMPLE_SERVICE
from tests.support.lazy import calls, plain_env
from tests.support.processes import tool

pytestmark = pytest.mark.skipif(
    shutil.which("uv", path=str(Path(tool("ruff")).parent)) is None,
    reason="uv is not installed in the venv (scripts/install installs it)",
)


Runs = list[tuple[list[str], int, str]]


def replay(config: dict[str, object], service: Path, venv: Path) -> Runs:
    """Run the environment's steps in order; each exec's argv, exit code and output.

    ``withDirectory`` copies what the container would get: with ``include``, only the
    matching files (so a first step that lacks a file it needs fails here as well);
    without, the whole service. The execs run in that growing copy.
    """
    container = python_environment(dagger_dir(service), validate_config(config))
    work = venv.parent / "work"
    work.mkdir()
    uv_dir = str(Path(tool("ruff")).parent)
    env = {**os.environ, **plain_env(container)}
    env["UV_PROJECT_ENVIRONMENT"] = str(venv)
    env["UV_CACHE_DIR"] = str(venv.parent / "uv-cache")
    env["PATH"] = f"{venv}/bin:{uv_dir}:{os.environ['PATH']}"
    env.pop("VIRTUAL_ENV", None)
    done = []
    for call in calls(container):
        if call.name == "withDirectory" and call.args.get("path") == WORKDIR:
            copy_into(service, work, call.args.get("include"))
        if call.name != "withExec":
            continue
        argv = [str(arg).replace(VENV, str(venv)) for arg in call.args["args"]]
        run = subprocess.run(
            argv, cwd=work, env=env, capture_output=True, text=True, timeout=300, check=False
        )
        done.append((argv, run.returncode, run.stdout + run.stderr))
        assert run.returncode == 0, f"{argv} exited {run.returncode}: {run.stderr[-800:]}"
    return done


def copy_into(source: Path, target: Path, include: list[str] | None) -> None:
    """Copy ``source`` into ``target``: everything, or only what ``include`` matches."""
    if include is None:
        shutil.copytree(source, target, dirs_exist_ok=True)
        return
    for pattern in include:
        for found in source.glob(pattern):
            if found.is_file():
                destination = target / found.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(found, destination)


def dagger_dir(service: Path) -> dagger.Directory:
    return dag.host().directory(str(service))


def copy_of_sample(tmp: Path, python_version: str | None = None) -> Path:
    service = tmp / "service"
    shutil.copytree(SAMPLE_SERVICE, service)
    if python_version is not None:
        (service / ".python-version").write_text(python_version + "\n", encoding="utf-8")
    return service


def test_validate_tools_survive_the_second_sync(tmp_path: Path) -> None:
    service = copy_of_sample(tmp_path)
    # pyflakes is in none of the sample's extras: only validate-tools brings it.
    replay({"validate-tools": ["pyflakes"]}, service, tmp_path / "venv")
    assert (tmp_path / "venv" / "bin" / "pyflakes").exists(), "the second sync removed it"


def test_a_python_version_file_the_image_does_not_have_is_not_fatal(tmp_path: Path) -> None:
    # The image's interpreter is the one to use (python-image); .python-version may pin
    # another the image lacks, and downloads are off inside the container.
    service = copy_of_sample(tmp_path, "3.99")
    replay({}, service, tmp_path / "venv")
    assert (tmp_path / "venv" / "bin" / "python").exists()


def test_the_replay_runs_where_the_container_would() -> None:
    assert WORKDIR == "/src"  # the replay's working folder stands in for it


def with_path_dependency(tmp: Path) -> Path:
    """The sample service depending on a local package by path ([tool.uv.sources])."""
    service = copy_of_sample(tmp)
    helper = service / "libs" / "helper"
    (helper / "src" / "helper").mkdir(parents=True)
    (helper / "src" / "helper" / "__init__.py").write_text("VALUE = 42\n", encoding="utf-8")
    (helper / "pyproject.toml").write_text(
        '[project]\nname = "helper"\nversion = "0.1.0"\n'
        '[build-system]\nrequires = ["uv_build>=0.8.4,<0.14"]\nbuild-backend = "uv_build"\n',
        encoding="utf-8",
    )
    pyproject = service / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text = text.replace('    "uvicorn>=0.30",\n', '    "uvicorn>=0.30",\n    "helper",\n', 1)
    text += '\n[tool.uv.sources]\nhelper = { path = "libs/helper" }\n'
    pyproject.write_text(text, encoding="utf-8")
    return service


def test_a_path_dependency_is_installed_with_the_sources(tmp_path: Path) -> None:
    service = with_path_dependency(tmp_path)
    replay({}, service, tmp_path / "venv")
    shown = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), "-c", "import helper; print(helper.VALUE)"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert shown.stdout.strip() == "42", shown.stderr


def test_a_generated_path_source_can_be_left_to_the_index(tmp_path: Path) -> None:
    # This repository's own case: [tool.uv.sources] points dagger-io at ./sdk, which only
    # an engine generates. uv-sources = false installs the same package from the index.
    service = copy_of_sample(tmp_path)
    pyproject = service / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    text += '\n[tool.uv.sources]\nuvicorn = { path = "generated/uvicorn", editable = true }\n'
    pyproject.write_text(text, encoding="utf-8")
    replay({"uv-sources": False}, service, tmp_path / "venv")
    assert list((tmp_path / "venv").glob("lib/python*/site-packages/uvicorn"))


def test_a_validate_tool_pin_wins_over_what_the_syncs_resolve(tmp_path: Path) -> None:
    # This repository's own case: with uv-sources = false each sync re-resolves plain
    # `dagger-io` from the index (the newest), while the module needs the engine's
    # release; validate-tools pins it. Here idna (which httpx brings, unpinned) stands in:
    # the pin must be what the checks run with, not what the second sync put back.
    service = copy_of_sample(tmp_path)
    replay({"uv-sources": False, "validate-tools": ["idna==3.6"]}, service, tmp_path / "venv")
    shown = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "python"), "-c", "import idna; print(idna.__version__)"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    assert shown.stdout.strip() == "3.6", shown.stderr
