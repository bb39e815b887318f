from pathlib import Path

import pytest

from main.core.errors import PipelineError
from main.core.service import load_service

SAMPLE = Path(__file__).parents[1] / "fixtures" / "sample-service" / "pyproject.toml"


def test_describes_the_sample_service() -> None:
    service = load_service(SAMPLE.read_text(encoding="utf-8"), location="sample")
    assert service.name == "sample-service"
    assert service.version == "0.1.0"
    assert service.config.image == "ghcr.io/example/sample-service"
    assert service.config.startup_timeout == 30.0


def test_overrides_reach_the_config() -> None:
    service = load_service(SAMPLE.read_text(encoding="utf-8"), overrides={"port": 9999})
    assert service.config.port == 9999


def test_missing_pyproject_names_the_folder_and_the_fix() -> None:
    with pytest.raises(PipelineError) as caught:
        load_service(None, location="services/api")
    assert str(caught.value).startswith("no pyproject.toml in the service folder 'services/api'")
    assert "--subpath" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[project]\nversion = "1.0"\n', r"no \[project\]\.name"),
        ('[project]\nname = "svc"\n', r"no \[project\]\.version"),
        ('[project]\nname = "svc"\nversion = "1.0"\n[tool.pipeline]\nport = "x"\n', "port"),
    ],
)
def test_incomplete_projects_are_refused(text: str, expected: str) -> None:
    with pytest.raises(PipelineError, match=expected):
        load_service(text)
