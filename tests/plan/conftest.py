from pathlib import Path
from typing import Any

import pytest
from dagger import dag

from main.pipeline import Pipeline
from tests.plan.answers import answer_commit
from tests.plan.offline import answer_reads_from_disk
from tests.plan.registration import ModuleDef, build_module_definition

REPO_ROOT = Path(__file__).parents[2]
SAMPLE_SUBPATH = "tests/fixtures/sample-service"
GIT_URL = "https://example.invalid/acme/pipeline.git"


@pytest.fixture
def offline_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_reads_from_disk(monkeypatch)


def pipeline_for_sample(**overrides: Any) -> Pipeline:  # noqa: ANN401 - create()'s options
    """The pipeline pointed at the sample service, as `--subpath` would point it.

    ``overrides`` are ``Pipeline.create`` options, as the command line would pass them.
    """
    source = dag.host().directory(str(REPO_ROOT))
    return Pipeline.create(source=source, subpath=SAMPLE_SUBPATH, **overrides)


@pytest.fixture
def sample_pipeline() -> Pipeline:
    """The pipeline pointed at the sample service, as `--subpath` would point it."""
    return pipeline_for_sample()


@pytest.fixture
def git_pipeline(monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    """The sample service with git history whose HEAD is the issue's example commit."""
    answer_commit(monkeypatch)
    return pipeline_for_sample(repo=dag.git(GIT_URL))


@pytest.fixture(scope="session")
def module_def() -> ModuleDef:
    """The module's typedefs as ``dagger functions`` would see them, built once per run."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return build_module_definition(monkeypatch, "Pipeline")
