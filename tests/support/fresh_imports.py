"""What a fresh interpreter loads for an import: the runtime side of the import contracts.

``lint-imports`` reads the import statements; a fresh process shows what actually loads
(lazy imports included), which is what a bare container pays for and may lack.
"""

import json
import subprocess
import sys

from tests.support.constants import REPO_ROOT


def modules_loaded_by(*modules: str) -> set[str]:
    """Every module name loaded once a fresh interpreter in ``src/`` imported ``modules``."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT / "src",
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return set(json.loads(result.stdout))


def heavy_in(loaded: set[str], *libraries: str) -> list[str]:
    """The top-level packages among ``libraries`` that ``loaded`` holds."""
    return sorted({name.split(".")[0] for name in loaded} & set(libraries))
