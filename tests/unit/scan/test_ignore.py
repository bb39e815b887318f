from datetime import date

import pytest

from main.core.errors import PipelineError
from main.core.scan.ignore import IgnoreRules, parse_ignore_file

TODAY = date(2026, 11, 26)


def test_ids_comments_and_blank_lines() -> None:
    text = "# header\n\nCVE-2026-0001\n  GHSA-aaaa-bbbb-cccc  # trailing comment\n#CVE-0\n"
    rules = parse_ignore_file(text, today=TODAY)
    assert rules.ids == {"CVE-2026-0001", "GHSA-aaaa-bbbb-cccc"}
    assert rules.ignores("CVE-2026-0001")
    assert not rules.ignores("CVE-0")


def test_an_entry_ignores_until_its_expiry_day() -> None:
    text = "CVE-1 exp:2026-11-27\nCVE-2 exp:2026-11-26\nCVE-3 exp:2025-01-01\n"
    rules = parse_ignore_file(text, today=TODAY)
    assert rules.ids == {"CVE-1"}
    assert rules.expired == ("CVE-2", "CVE-3")


def test_no_file_content_ignores_nothing() -> None:
    assert parse_ignore_file("", today=TODAY) == IgnoreRules()
    assert not IgnoreRules().ignores("CVE-1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("CVE-1 exp:26-11-2026", r"line 1: cannot read 'exp:26-11-2026'"),
        ("\nCVE-1 exp:2026-02-30", r"line 2: '2026-02-30' is not a calendar date"),
        ("CVE-1 until:2027-01-01", "only 'exp:YYYY-MM-DD'"),
        ("CVE-1 exp:2027-01-01 extra", "expected 'ID' or 'ID exp:YYYY-MM-DD'"),
    ],
)
def test_a_line_that_cannot_be_read_is_named(text: str, message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        parse_ignore_file(text, today=TODAY, name="svc/.trivyignore")
