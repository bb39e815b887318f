import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.errors import PipelineError
from main.core.versioning import is_pep440, read_version


def pyproject(version_line: str) -> str:
    return f'[project]\nname = "svc"\n{version_line}\n'


@pytest.mark.parametrize(
    "version",
    [
        "0.1.0",
        "1.0",
        "2024.10.1",
        "1.2.3rc1",
        "1.2.3.post1",
        "1.2.3.dev4",
        "1!2.0",
        "1.0.0+local.7",
    ],
)
def test_reads_valid_versions(version: str) -> None:
    assert read_version(pyproject(f'version = "{version}"')) == version


def test_strips_surrounding_white_space() -> None:
    assert read_version(pyproject('version = " 0.2.0 "')) == "0.2.0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[tool.x]\na = 1\n", r"no \[project\] table"),
        ('[project]\nname = "svc"\n', r"no \[project\]\.version"),
        ('[project]\nname = "svc"\ndynamic = ["version"]\n', "dynamic version"),
        (pyproject("version = 1"), "must be a string"),
        (pyproject('version = "one.two"'), "not a PEP 440 version"),
        (pyproject('version = "1.0.0-"'), "not a PEP 440 version"),
        ("[project\nversion = ", "not valid TOML"),
    ],
)
def test_refuses_with_one_clear_line(text: str, expected: str) -> None:
    with pytest.raises(PipelineError, match=expected) as caught:
        read_version(text)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=5))
def test_every_plain_release_is_pep440(parts: list[int]) -> None:
    assert is_pep440(".".join(map(str, parts)))


@given(st.text(alphabet="!@#$%^&*() /\\", min_size=1))
def test_punctuation_is_never_a_version(text: str) -> None:
    assert not is_pep440(text)
