"""The --secrets dotenv: parsed in memory, checked against the configured names.

Every refusal names the variable or the line and never the value: these lines go
into reports and CI logs.
"""

import pytest

from main.core.errors import PipelineError
from main.core.secret_env import parse_dotenv, refuse_unused, resolve, select

VALUE = "s3cr3t-value-never-shown"
OPTION_NAME = "--secrets"


def test_dotenv_lines_comments_export_and_quotes() -> None:
    text = (
        "# staging secrets\n\n"
        f"API_KEY={VALUE}\n"
        "export DB_PASSWORD='p w#d'\n"
        'TOKEN="a\\nb"  \n'
        "PLAIN=x # a comment\n"
        "EMPTY=\n"
    )
    assert parse_dotenv(text) == {
        "API_KEY": VALUE,
        "DB_PASSWORD": "p w#d",
        "TOKEN": "a\nb",
        "PLAIN": "x",
        "EMPTY": "",
    }


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (f"API_KEY {VALUE}\n", "line 1 is not NAME=value"),
        (f"A=1\nAPI-KEY={VALUE}\n", "line 2: 'API-KEY' is not a variable name"),
        (f"API_KEY={VALUE}\nAPI_KEY={VALUE}2\n", "sets API_KEY twice (line 2)"),
        (f"API_KEY='{VALUE}\n", "line 1 opens a quote it never closes"),
    ],
)
def test_a_bad_file_names_the_line_never_the_value(text: str, said: str) -> None:
    with pytest.raises(PipelineError) as caught:
        parse_dotenv(text)
    assert said in str(caught.value)
    assert VALUE not in str(caught.value)


def test_exactly_the_configured_names_are_taken() -> None:
    assert select({"API_KEY": VALUE, "DB": "x"}, ["DB", "API_KEY"]) == {
        "API_KEY": VALUE,
        "DB": "x",
    }


def test_a_missing_name_is_named() -> None:
    with pytest.raises(PipelineError, match="--secrets has no API_KEY") as caught:
        select({"DB": VALUE}, ["DB", "API_KEY"])
    assert VALUE not in str(caught.value)


def test_an_unknown_name_is_named_not_its_value() -> None:
    with pytest.raises(PipelineError, match="--secrets holds API_KYE, which no setting names") as c:
        select({"API_KYE": VALUE}, [])
    assert VALUE not in str(c.value)


def test_names_without_a_file_say_how_to_pass_one() -> None:
    with pytest.raises(PipelineError, match="no --secrets was given: pass --secrets file://"):
        resolve(None, ["API_KEY"])
    assert resolve(None, []) == {}
    assert resolve(f"API_KEY={VALUE}", ["API_KEY"]) == {"API_KEY": VALUE}


def test_a_file_saved_on_windows_reads_the_same() -> None:
    # Notepad's byte-order mark and CRLF line ends: the names must still match.
    assert parse_dotenv(f"\ufeffAPI_KEY={VALUE}\r\nDB=x\r\n") == {"API_KEY": VALUE, "DB": "x"}


@pytest.mark.parametrize("function", ["smoke-test", "load-test"])
def test_secrets_for_a_url_that_starts_nothing_are_refused_in_one_line(function: str) -> None:
    # Checking a deployed URL starts no app, so the values would be silently ignored.
    with pytest.raises(PipelineError) as caught:
        refuse_unused(function, secrets=True, starts_app=False)
    line = str(caught.value)
    assert line.startswith(f"{function} --url starts nothing, so {OPTION_NAME} has no use")
    assert "--image" in line
    assert "\n" not in line


def test_secrets_are_fine_where_the_app_is_started_and_absent_ones_anywhere() -> None:
    refuse_unused("smoke-test", secrets=True, starts_app=True)
    refuse_unused("smoke-test", secrets=False, starts_app=False)
