"""Replay of the engine's install: its ``uv lock`` keeps our lock, ``uv sync`` installs it.

The Dagger engine's Python runtime (at the engineVersion in dagger.json) vendors its SDK
into ./sdk as dagger-io 0.0.0, runs ``uv lock`` with the uv it bundles (0.10.3), then
``uv sync --no-dev``. If our uv.lock were made against anything else, that ``uv lock``
would re-resolve every dependency from the index on each cold load: the module the
engine runs would not be the one the tests proved. This replays both commands with the
same uv on a scratch copy of the module whose ./sdk is the stand-in in
tests/fixtures/engine-sdk, offline (from the cache scripts/install filled).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.constants import REPO_ROOT

TOOLS = Path(sys.prefix) / ".tools"
ENGINE_UV = TOOLS / "uv" / "bin" / "uv"
ENGINE_UV_VERSION = "uv 0.10.3"


@pytest.fixture
def engine_uv() -> Path:
    if not ENGINE_UV.exists():
        pytest.skip(f"the pinned uv is not at {ENGINE_UV}: scripts/install puts it there")
    version = subprocess.run(
        [ENGINE_UV, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert version == ENGINE_UV_VERSION
    return ENGINE_UV


@pytest.fixture
def vendored_module(tmp_path: Path) -> Path:
    """The module's source as the engine lays it out: ./sdk is the vendored SDK."""
    module = tmp_path / "module"
    module.mkdir()
    for name in ("pyproject.toml", "uv.lock", "README.md"):
        shutil.copy2(REPO_ROOT / name, module / name)
    shutil.copytree(REPO_ROOT / "src", module / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "tests" / "fixtures" / "engine-sdk", module / "sdk")
    return module


def _uv(uv: Path, module: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(module / "venv"),
        "UV_CACHE_DIR": os.environ.get("UV_CACHE_DIR", str(TOOLS / "uv-cache")),
        "UV_OFFLINE": "1",
        "UV_PYTHON": sys.executable,
    }
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [uv, *args], cwd=module, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_engines_uv_lock_changes_nothing(engine_uv: Path, vendored_module: Path) -> None:
    before = (vendored_module / "uv.lock").read_bytes()
    run = _uv(engine_uv, vendored_module, "lock")
    assert run.returncode == 0, run.stderr
    assert (vendored_module / "uv.lock").read_bytes() == before, (
        "the engine's `uv lock` rewrote uv.lock: regenerate it with scripts/lock"
    )


def test_the_engines_uv_sync_installs_the_lock(engine_uv: Path, vendored_module: Path) -> None:
    run = _uv(engine_uv, vendored_module, "sync", "--no-dev", "--locked")
    assert run.returncode == 0, run.stderr
    python = vendored_module / "venv" / "bin" / "python"
    probe = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('dagger-io'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "0.0.0"


def test_a_lock_made_against_another_sdk_is_rewritten(
    engine_uv: Path, vendored_module: Path
) -> None:
    # The failure this guards against, reproduced: a lock that names the index's
    # dagger-io release is re-resolved by the engine.
    lock = vendored_module / "uv.lock"
    stale = lock.read_text(encoding="utf-8").replace(
        'name = "dagger-io"\nversion = "0.0.0"', 'name = "dagger-io"\nversion = "0.21.11"'
    )
    assert stale != lock.read_text(encoding="utf-8")
    lock.write_text(stale, encoding="utf-8")
    run = _uv(engine_uv, vendored_module, "lock", "--locked")
    assert run.returncode != 0
