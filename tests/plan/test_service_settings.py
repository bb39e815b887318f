import json

import pytest
from dagger import dag

from main._sdk import FunctionError
from main.pipeline import Pipeline
from tests.support.constants import REPO_ROOT
from tests.support.pipelines import pipeline_for_sample

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("offline_reads")]


async def test_version_comes_from_the_service_pyproject(sample_pipeline: Pipeline) -> None:
    assert await sample_pipeline.version() == "0.1.0"


async def test_config_shows_file_values_and_overrides() -> None:
    pipeline = pipeline_for_sample(port=9100)
    config = json.loads(await pipeline.config())
    assert config["image"] == "ghcr.io/example/sample-service"
    assert config["port"] == 9100
    assert config["startup-timeout"] == 30.0
    assert config["validate"]["typecheck"] == ["mypy src"]  # [tool.pipeline.validate]


async def test_a_folder_without_pyproject_fails_with_one_line() -> None:
    pipeline = Pipeline.create(source=dag.host().directory(str(REPO_ROOT)), subpath="tests/plan")
    with pytest.raises(FunctionError) as caught:
        await pipeline.version()
    assert str(caught.value).startswith("no pyproject.toml in the service folder 'tests/plan'")
    assert caught.value.__cause__ is None


async def test_a_bad_override_names_the_key() -> None:
    pipeline = pipeline_for_sample(health_path="health")
    with pytest.raises(FunctionError, match=r"\[tool.pipeline\]\.health-path: must start with '/'"):
        await pipeline.config()
