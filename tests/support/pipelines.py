"""The Pipeline object pointed at the sample service, as the command line would point it."""

from typing import Any

from dagger import dag

from main.pipeline import Pipeline
from main.source import GIT_DIR
from tests.support.constants import REPO_ROOT, SAMPLE_SUBPATH


def pipeline_for_sample(**overrides: Any) -> Pipeline:  # noqa: ANN401 - create()'s options
    """The pipeline pointed at the sample service, as `--subpath` would point it.

    The source is this checkout without its ``.git`` (a clone has a folder, a worktree
    a file): a plain folder, so there is no history unless a test passes ``repo``.
    ``overrides`` are ``Pipeline.create`` options, as the command line would pass them.
    """
    source = dag.host().directory(str(REPO_ROOT), exclude=[GIT_DIR])
    return Pipeline.create(source=source, subpath=SAMPLE_SUBPATH, **overrides)
