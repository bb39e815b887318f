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


def test_the_vulnerability_scanner_is_the_default_and_secret_is_a_choice() -> None:
    assert load_config(None).scan.scanners == ["vuln"]
    chosen = load_config('[tool.pipeline.scan]\nscanners = ["vuln", "secret", "vuln"]\n')
    assert chosen.scan.scanners == ["vuln", "secret"]
    assert load_config('[tool.pipeline]\nscan-scanners = ["secret"]\n').scan.scanners == ["secret"]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            '[tool.pipeline.scan]\nscanners = ["vuln", "misconfig"]\n',
            "[tool.pipeline.scan].scanners: unknown scanner 'misconfig': choose from vuln, secret",
        ),
        (
            '[tool.pipeline]\nscan-scanners = ["secrets"]\n',
            "[tool.pipeline].scan-scanners: unknown scanner 'secrets': choose from vuln, secret",
        ),
        ("[tool.pipeline.scan]\nscanners = []\n", "[tool.pipeline.scan].scanners: "),
    ],
)
def test_an_unknown_scanner_is_one_line_naming_the_key_and_the_choices(
    text: str, line: str
) -> None:
    with pytest.raises(PipelineError) as caught:
        load_config(text)
    assert str(caught.value).startswith(line)
    assert "\n" not in str(caught.value)
