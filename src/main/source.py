"""Where the service's files come from: the working tree, or one git ref of it.

CI builds a ref; a laptop usually builds the working tree. Both end as one lazy
``Directory`` rooted at the service folder, so every later stage is the same code.
Labels and staging tags also need the commit behind those files and its time: the
SDK gives the sha (``GitRef.commit``) but no commit time, so a small pinned git
container reads both from a one-commit checkout of the ref.

The history is the ``.git`` folder the source carries, unless ``--repo`` names
another. It is derived, never loaded up front: a plain folder, an unpacked archive,
or a worktree or submodule (whose ``.git`` is a file) still runs every function that
needs no history, and one that does says so in one line. Deriving it from the source
also means the two cannot disagree, as a default path of its own would for a remote
module (it resolves in the module's repository, not the caller's).
"""

import re
from typing import TYPE_CHECKING

import dagger
from dagger import dag

from main.core.errors import PipelineError
from main.core.lazy import lazy_import
from main.core.revision import (
    GIT_LOG_FORMAT,
    NO_HISTORY,
    Revision,
    git_ref_problem,
    parse_git_log,
)

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

GIT_DIR = ".git"

# Folders never uploaded with the source. .git is kept, as the history to derive; the
# tree every stage sees leaves it out (working_tree).
IGNORED = [
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
    if ref:
        tree = git_ref(history(source, repo), ref).tree(discard_git_dir=True)
    else:
        tree = working_tree(source)
    return tree if subpath in {"", "."} else tree.directory(subpath)


def working_tree(source: dagger.Directory) -> dagger.Directory:
    """The source as the stages see it: its files without the git folder."""
    return source.filter(exclude=[GIT_DIR])


def history(source: dagger.Directory, repo: dagger.GitRepository | None) -> dagger.GitRepository:
    """``--repo`` when given, else the source's own ``.git`` folder, as git (lazy).

    Only the folder itself is made a repository, so a read of the history does not
    depend on the working tree's files.
    """
    return repo if repo is not None else source.directory(GIT_DIR).as_git()


async def find_history(
    source: dagger.Directory, repo: dagger.GitRepository | None
) -> dagger.GitRepository | None:
    """The history, or ``None`` when there is none: no ``--repo`` and no ``.git`` folder.

    Asking the engine whether ``.git`` is a folder is one cheap read of a source that
    is loaded anyway; making a repository of anything else would fail in the engine
    with git's own words.
    """
    if repo is not None:
        return repo
    if await source.exists(GIT_DIR, expected_type=dagger.ExistsType.DIRECTORY_TYPE):
        return history(source, None)
    return None


async def check_ref(source: dagger.Directory, repo: dagger.GitRepository | None, ref: str) -> None:
    """Refuse, in one line, a ref that cannot be read, before the engine fails on it.

    Raises:
        PipelineError: for a ref without history, or a short sha.
    """
    if ref:
        git_ref(await find_history(source, repo), ref)


def git_ref(repo: dagger.GitRepository | None, ref: str) -> dagger.GitRef:
    """``ref`` of ``repo``, refused in one line when it cannot be read.

    Raises:
        PipelineError: for a name git refuses (an option-like ``-x`` included), a ref
            without history, or a short sha.
    """
    problem = git_ref_problem(ref)
    if problem is not None:
        msg = f"--ref {ref[:120]!r} is not a git ref: {problem}"
        raise PipelineError(msg)
    if repo is None:
        msg = f"--ref {ref!r} needs git history, and {NO_HISTORY}"
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
        commit = git_ref(repo, ref)
    elif repo is not None:
        commit = repo.head()
    else:
        return None
    sha = await commit.commit()
    revision = parse_git_log(await commit_log(commit).stdout())
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
