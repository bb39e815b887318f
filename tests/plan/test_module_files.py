"""The files the engine's Python runtime reads to load this module agree with each other.

The runtime loads the module's folder through dagger.json's `include` (negated patterns
drop paths), reads `.python-version` for its base image, runs `uv lock` and
`uv sync --no-dev` on pyproject.toml with the SDK it generates into `sdk/`, and starts
the `dagger.mod` entry point. The smoke checker mounts `src/main` from the same loaded
folder. A mistake in any of these shows only on an engine; here it shows first.
"""

import json
import tomllib
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from tests.support.constants import REPO_ROOT
from tests.support.lockfile import sdk_pin

# What the runtime and the module need from the loaded folder.
NEEDED = [
    "pyproject.toml",
    "uv.lock",
    ".python-version",
    "README.md",  # pyproject's `readme`: the build backend reads it
    "src/main/__init__.py",
    "src/main/pipeline.py",
    "src/main/core/smoke/__main__.py",  # the smoke checker runs it in its own container
]


def load_toml(name: str) -> dict[str, Any]:
    return tomllib.loads((REPO_ROOT / name).read_text(encoding="utf-8"))


def dagger_json() -> dict[str, Any]:
    config: dict[str, Any] = json.loads((REPO_ROOT / "dagger.json").read_text(encoding="utf-8"))
    return config


def excluded(path: str, patterns: list[str]) -> bool:
    """Whether a negated include pattern drops ``path`` or one of its folders."""
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    drops = [p.removeprefix("!") for p in patterns if p.startswith("!")]
    return any(fnmatch(prefix, drop) for prefix in prefixes for drop in drops)


@pytest.mark.parametrize("path", NEEDED)
def test_the_include_list_keeps_what_the_runtime_needs(path: str) -> None:
    assert (REPO_ROOT / path).is_file()
    assert not excluded(path, dagger_json()["include"])


@pytest.mark.parametrize("path", [".git/HEAD", ".venv/bin/python", "tests/plan/conftest.py"])
def test_the_include_list_drops_bulk(path: str) -> None:
    assert excluded(path, dagger_json()["include"])


def test_engine_and_sdk_versions_match() -> None:
    # The engine vendors the SDK of its own version (the lock names that copy, 0.0.0);
    # without an engine, scripts/install takes the same release from the index.
    assert sdk_pin() == dagger_json()["engineVersion"].removeprefix("v")
    assert "dagger-io" in load_toml("pyproject.toml")["project"]["dependencies"]


def test_the_sdk_comes_from_the_generated_folder() -> None:
    # The runtime generates the SDK into sdk/ and reads this table to find it; the lock
    # must say the same, or `uv sync` installs another dagger-io.
    pyproject = load_toml("pyproject.toml")
    assert pyproject["tool"]["uv"]["sources"]["dagger-io"] == {"path": "sdk", "editable": True}
    [locked] = [p for p in load_toml("uv.lock")["package"] if p["name"] == "dagger-io"]
    assert locked["source"] == {"editable": "sdk"}
    assert "/sdk/" in (REPO_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_the_entry_point_is_the_main_object() -> None:
    entry = load_toml("pyproject.toml")["project"]["entry-points"]["dagger.mod"]
    # The runtime looks the main object up as the module name in PascalCase.
    assert entry == {"main_object": f"main:{dagger_json()['name'].title()}"}


def test_the_python_version_is_one_the_project_allows() -> None:
    # The runtime picks its base image (python:<version>-slim) from .python-version.
    version = (REPO_ROOT / ".python-version").read_text(encoding="utf-8").strip()
    minimum = load_toml("pyproject.toml")["project"]["requires-python"].removeprefix(">=")
    assert tuple(map(int, version.split("."))) >= tuple(map(int, minimum.split(".")))
