"""One name per concept: a class of the Dagger shell and a class of the core never share a name.

The shell's Dagger objects wrap core results (``DeployResult.of(DeployReport)``,
``SmokeResult`` of a ``SmokeReport``). Two classes called the same in the two layers
make every import a guess about which one is meant, and a newcomer reading
``DeployResult`` in core code cannot tell it from the Dagger type of the same name. The
Dagger type names are the CLI's shape, so a clash is resolved on the core side.
"""

import ast
from pathlib import Path

from tests.support.constants import REPO_ROOT

MAIN = REPO_ROOT / "src" / "main"
# Both names are promised to others: the Dagger sub-object `registry` is the CLI's shape,
# and `main.core.registry.Registry` is the OCI client outside checks construct by name.
BOTH_PROMISED = {"Registry"}


def class_names(files: list[Path]) -> dict[str, list[str]]:
    """Every top-level class name defined in ``files``, with the files defining it."""
    found: dict[str, list[str]] = {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                found.setdefault(node.name, []).append(str(path.relative_to(MAIN)))
    return found


def test_shell_and_core_classes_have_distinct_names() -> None:
    shell = class_names(sorted(MAIN.glob("*.py")))
    core = class_names(sorted((MAIN / "core").rglob("*.py")))
    assert shell, "no shell classes found: the test would check nothing"
    assert core, "no core classes found: the test would check nothing"
    shared = (shell.keys() & core.keys()) - BOTH_PROMISED
    clashes = {name: shell[name] + core[name] for name in sorted(shared)}
    assert clashes == {}
