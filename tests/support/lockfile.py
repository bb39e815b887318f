"""What uv.lock pins, read with the standard library, for the locked-install checks.

scripts/install makes the environment equal to the lock (the dev extra included); these
helpers let a test say so from the lock itself, without running uv.
"""

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

from tests.support.constants import REPO_ROOT

LOCK = REPO_ROOT / "uv.lock"
SDK_REQUIREMENTS = REPO_ROOT / "scripts" / "requirements" / "sdk.txt"
PROJECT = "main"
SDK = "dagger-io"


@dataclass(frozen=True, slots=True)
class LockedPackage:
    """One ``[[package]]`` of the lock: its version and where it comes from."""

    name: str
    version: str
    source: dict[str, str]
    dependencies: tuple[tuple[str, str | None, tuple[str, ...]], ...]
    extras: dict[str, tuple[tuple[str, str | None, tuple[str, ...]], ...]]


def _edges(entries: list[dict[str, object]]) -> tuple[tuple[str, str | None, tuple[str, ...]], ...]:
    edges = []
    for entry in entries:
        marker = entry.get("marker")
        extras = entry.get("extra", [])
        edges.append(
            (
                canonicalize_name(str(entry["name"])),
                str(marker) if marker else None,
                tuple(str(e) for e in extras) if isinstance(extras, list) else (),
            )
        )
    return tuple(edges)


def read_lock(path: Path = LOCK) -> dict[str, LockedPackage]:
    """Every package the lock names, by canonical name."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    packages: dict[str, LockedPackage] = {}
    for raw in data["package"]:
        name = canonicalize_name(raw["name"])
        optional = raw.get("optional-dependencies", {})
        packages[name] = LockedPackage(
            name=name,
            version=raw["version"],
            source={str(k): str(v) for k, v in raw.get("source", {}).items()},
            dependencies=_edges(raw.get("dependencies", [])),
            extras={extra: _edges(deps) for extra, deps in optional.items()},
        )
    return packages


def _applies(marker: str | None) -> bool:
    return marker is None or Marker(marker).evaluate()


def closure(packages: dict[str, LockedPackage], root: str, extras: tuple[str, ...]) -> set[str]:
    """The names installed for ``root[extras]`` on this interpreter and platform."""
    wanted: set[str] = set()
    queue: list[tuple[str, tuple[str, ...]]] = [(canonicalize_name(root), extras)]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while queue:
        name, with_extras = queue.pop()
        if (name, with_extras) in seen:
            continue
        seen.add((name, with_extras))
        wanted.add(name)
        package = packages[name]
        edges = list(package.dependencies)
        for extra in with_extras:
            edges.extend(package.extras.get(extra, ()))
        queue.extend((dep, dep_extras) for dep, marker, dep_extras in edges if _applies(marker))
    return wanted


def sdk_pin() -> str:
    """The dagger-io version scripts/requirements/sdk.txt installs without an engine."""
    text = SDK_REQUIREMENTS.read_text(encoding="utf-8")
    match = re.search(r"^dagger-io==(\S+)", text, re.MULTILINE)
    assert match, f"no dagger-io pin in {SDK_REQUIREMENTS}"
    return match.group(1)


def engine_version() -> str:
    """dagger.json's engineVersion without its leading ``v``."""
    data = json.loads((REPO_ROOT / "dagger.json").read_text(encoding="utf-8"))
    return str(data["engineVersion"]).removeprefix("v")
