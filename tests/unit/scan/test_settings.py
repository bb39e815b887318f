import pytest

from main.core.config import load_config
from main.core.errors import PipelineError

PYPROJECT = """
[project]
name = "svc"
version = "1.0.0"

[tool.pipeline]
scan-severities = ["CRITICAL", "HIGH"]
ignore-unfixed = false
trivyignore = "security/trivyignore"
"""


def test_scan_settings_have_the_documented_defaults() -> None:
    config = load_config(None)
    assert config.scan.severities == ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
    assert config.scan.ignore_unfixed is True
    assert config.scan.trivyignore == ".trivyignore"


def test_scan_settings_come_from_the_table() -> None:
    config = load_config(PYPROJECT)
    assert config.scan.severities == ["CRITICAL", "HIGH"]
    assert config.scan.ignore_unfixed is False
    assert config.scan.trivyignore == "security/trivyignore"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('trivyignore = ""', r"\[tool.pipeline\]\.trivyignore"),
        ('scan-severities = ["SEVERE"]', r"\[tool.pipeline\]\.scan-severities"),
        ("scan-severities = []", r"\[tool.pipeline\]\.scan-severities"),
    ],
)
def test_a_bad_scan_setting_names_the_key(line: str, message: str) -> None:
    text = f'[project]\nname = "svc"\nversion = "1.0.0"\n[tool.pipeline]\n{line}\n'
    with pytest.raises(PipelineError, match=message):
        load_config(text)
