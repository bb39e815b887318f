from pathlib import Path

import pytest
from dagger import dag

from main.pipeline import Pipeline
from tests.plan.offline import answer_reads_from_disk

REPO_ROOT = Path(__file__).parents[2]
SAMPLE_SUBPATH = "tests/fixtures/sample-service"


@pytest.fixture
def offline_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_reads_from_disk(monkeypatch)


@pytest.fixture
def sample_pipeline() -> Pipeline:
    """The pipeline pointed at the sample service, as `--subpath` would point it."""
    return Pipeline.create(source=dag.host().directory(str(REPO_ROOT)), subpath=SAMPLE_SUBPATH)
