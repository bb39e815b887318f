"""Today's flat ``[tool.pipeline]`` keys and their homes in the family tables.

Settings moved into one table per family (``[tool.pipeline.smoke]``, ``.scan``,
``.validate``, ``.retention``). For one release a flat key still works: it is moved to
its family key before validation, and the run report says once which flat keys were
read and where they live now, so a team can move them at its own pace. A key given
both ways is refused: which one wins would be a guess.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic_core import PydanticCustomError

ROOT = "[tool.pipeline]"

# flat key -> (family table, key inside it)
FLAT_KEYS: dict[str, tuple[str, str]] = {
    "smoke-timeout": ("smoke", "timeout"),
    "smoke-env": ("smoke", "env"),
    "smoke-mcp": ("smoke", "mcp"),
    "smoke-expected-tools": ("smoke", "expected-tools"),
    "smoke-tool-call": ("smoke", "tool-call"),
    "smoke-checks": ("smoke", "checks"),
    "smoke-secret-env": ("smoke", "secret-env"),
    "smoke-services": ("smoke", "services"),
    "scan-severities": ("scan", "severities"),
    "scan-scanners": ("scan", "scanners"),
    "ignore-unfixed": ("scan", "ignore-unfixed"),
    "trivy-db-repositories": ("scan", "db-repositories"),
    "trivyignore": ("scan", "trivyignore"),
    "lint": ("validate", "lint"),
    "typecheck": ("validate", "typecheck"),
    "test": ("validate", "test"),
    "ci-test": ("validate", "ci-test"),
    "python-image": ("validate", "python-image"),
    "validate-extras": ("validate", "extras"),
    "uv-sources": ("validate", "uv-sources"),
    "validate-tools": ("validate", "tools"),
    "post-deploy-test": ("validate", "post-deploy-test"),
    "post-deploy-on-failure": ("validate", "post-deploy-on-failure"),
    "staging-keep": ("retention", "keep"),
    "staging-keep-newer-than": ("retention", "keep-newer-than"),
}

CONFLICT = "settings_conflict"  # the pydantic error type of a key given both ways


def home(flat: str) -> str:
    """Where a flat key lives now, as a reader writes it: ``[tool.pipeline.smoke] timeout``."""
    family, key = FLAT_KEYS[flat]
    return f"[tool.pipeline.{family}] {key}"


def home_location(flat: str) -> str:
    """Where a flat key lives now, as an error names it: ``[tool.pipeline.smoke].timeout``."""
    family, key = FLAT_KEYS[flat]
    return f"[tool.pipeline.{family}].{key}"


def unflatten(table: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``table`` with every flat key moved to its family table, and the flat keys moved.

    Raises:
        PydanticCustomError: a key is given both flat and in its family table (type
            ``settings_conflict``; its message names both).
    """
    moved: dict[str, Any] = {}
    used: list[str] = []
    for name, value in table.items():
        if name not in FLAT_KEYS:
            moved.setdefault(name, value)
            continue
        family, key = FLAT_KEYS[name]
        current = moved.get(family, table.get(family, {}))
        if not isinstance(current, Mapping):
            moved[family] = current  # not a table: the model names the family key
            continue
        if key in current:
            msg = (
                f"{ROOT} sets both '{name}' and {home(name)}: keep {home(name)} and remove '{name}'"
            )
            raise PydanticCustomError(CONFLICT, msg)
        moved[family] = {**current, key: value}
        used.append(name)
    return moved, tuple(used)


def deprecation_note(used: Iterable[str]) -> str:
    """The report's one line about flat keys read, or empty when none were."""
    moves = ", ".join(f"{flat} -> {home(flat)}" for flat in used)
    return f"settings: {moves}; flat keys go in the next release" if moves else ""
