"""Where the service's files come from: the working tree, or one git ref of it.

CI builds a ref; a laptop usually builds the working tree. Both end as one lazy
``Directory`` rooted at the service folder, so every later stage is the same code.
Labels and staging tags also need the commit behind those files and its time: the
SDK gives the sha (``GitRef.commit``) but no commit time, so a small pinned git
container reads both from a one-commit checkout of the ref.
"""

import re
from typing import TYPE_CHECKING

import dagger
from dagger import dag

from main.core.errors import PipelineError
from main.core.lazy import lazy_import
from main.core.revision import GIT_LOG_FORMAT, Revision, parse_git_log

if TYPE_CHECKING:
    from main.core import service as services
    from main.core.service import Service
else:
    # pydantic takes ~0.2 s to import: only a function that reads the settings pays it.
    services = lazy_import("main.core.service")

# alpine/git: the git CLI and nothing else (~50 MB); pinned so the read is reproducible.
GIT_IMAGE = "alpine/git:v2.47.2"

PYPROJECT = "pyproject.toml"

_SHORT_SHA = re.compile(r"[0-9a-f]{7,39}")

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
]


def service_tree(
    source: dagger.Directory,
    repo: dagger.GitRepository | None,
    subpath: str,
    ref: str,
) -> dagger.Directory:
    """The service folder of the working tree (``ref`` empty) or of a git ref."""
    # Without .git: the service's files are the build context and the checks' input.
    tree = _ref(repo, ref).tree(discard_git_dir=True) if ref else source
    return tree if subpath in {"", "."} else tree.directory(subpath)


def _ref(repo: dagger.GitRepository | None, ref: str) -> dagger.GitRef:
    if repo is None:
        msg = f"--ref {ref!r} needs a git repository: run inside a git checkout or pass --repo"
        raise PipelineError(msg)
    if is_short_sha(ref):
        # The engine takes only a full sha as a commit; a short one it looks up as a
        # branch or tag name, and fails later with "repository does not contain ref".
        msg = f"--ref {ref!r} looks like a short commit sha: pass the full 40-character sha"
        raise PipelineError(msg)
    return repo.ref(ref)


def is_short_sha(ref: str) -> bool:
    """Whether ``ref`` is an abbreviated commit sha (hex, 7 to 39 characters).

    Hex-only names without a digit or without a letter (``deadbeef``, ``20251015``)
    are left alone: they are as likely to be a branch or a tag.
    """
    return (
        _SHORT_SHA.fullmatch(ref) is not None
        and any(c.isdigit() for c in ref)
        and any(c.isalpha() for c in ref)
    )


def commit_log(ref: dagger.GitRef) -> dagger.Container:
    """A git container that prints ``sha committer-time`` of ``ref`` (lazy).

    Only the commit itself is fetched (depth 1) and its ``.git`` kept; git is told to
    trust the checkout, which belongs to another user inside the container.
    """
    checkout = ref.tree(discard_git_dir=False, depth=1)
    return (
        dag.container()
        .from_(GIT_IMAGE)
        .with_directory("/repo", checkout)
        .with_workdir("/repo")
        .with_exec(["git", "-c", "safe.directory=*", "log", "-1", f"--format={GIT_LOG_FORMAT}"])
    )


async def read_revision(repo: dagger.GitRepository | None, ref: str) -> Revision | None:
    """The commit at ``ref``; for the working tree (``ref`` empty), HEAD's commit.

    The working tree may hold uncommitted changes: HEAD is then the nearest commit, not
    an exact description, which is the usual meaning of a revision label on a local
    build. Without a git repository there is no commit: ``None``.

    Raises:
        PipelineError: for a ref without a repository, or when git and the SDK disagree.
    """
    if ref:
        git_ref = _ref(repo, ref)
    elif repo is not None:
        git_ref = repo.head()
    else:
        return None
    sha = await git_ref.commit()
    revision = parse_git_log(await commit_log(git_ref).stdout())
    if revision.sha != sha:
        msg = f"git reports commit {revision.sha} for the ref the engine resolved to {sha}"
        raise PipelineError(msg)
    return revision


async def read_service(
    tree: dagger.Directory,
    subpath: str,
    overrides: dict[str, object],
) -> "Service":
    """Read and validate the service's ``pyproject.toml`` from its folder."""
    text = await tree.file(PYPROJECT).contents() if await tree.exists(PYPROJECT) else None
    return services.load_service(text, location=subpath or ".", overrides=overrides)
