"""Where the service's files come from: the working tree, or one git ref of it.

CI builds a ref; a laptop usually builds the working tree. Both end as one lazy
``Directory`` rooted at the service folder, so every later stage is the same code.
"""

from typing import TYPE_CHECKING

import dagger

from main.core.errors import PipelineError

if TYPE_CHECKING:
    from main.core.service import Service

PYPROJECT = "pyproject.toml"

# Folders that never belong in a build context or a validation run.
IGNORED = [
    ".git",
    "**/.venv",
    "**/__pycache__",
    "**/.mypy_cache",
    "**/.ruff_cache",
    "**/.pytest_cache",
    "**/.hypothesis",
    "**/node_modules",
    "**/*.egg-info",
    "sdk",
]


def service_tree(
    source: dagger.Directory,
    repo: dagger.GitRepository | None,
    subpath: str,
    ref: str,
) -> dagger.Directory:
    """The service folder of the working tree (``ref`` empty) or of a git ref."""
    if ref:
        if repo is None:
            msg = f"--ref {ref!r} needs a git repository: run inside a git checkout or pass --repo"
            raise PipelineError(msg)
        tree = repo.ref(ref).tree()
    else:
        tree = source
    return tree if subpath in {"", "."} else tree.directory(subpath)


async def read_service(
    tree: dagger.Directory,
    subpath: str,
    overrides: dict[str, object],
) -> "Service":
    """Read and validate the service's ``pyproject.toml`` from its folder."""
    # Imported here: pydantic takes ~0.2 s to import, and `dagger functions` or a
    # function that needs no settings should not pay for it (see BENCHMARKS.md).
    from main.core.service import load_service  # noqa: PLC0415

    text = await tree.file(PYPROJECT).contents() if await tree.exists(PYPROJECT) else None
    return load_service(text, location=subpath or ".", overrides=overrides)
