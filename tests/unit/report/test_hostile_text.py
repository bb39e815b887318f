"""Stage text no terminal, job summary or chat should take literally: controls and tokens.

Stage details carry tool output: colour codes, a NUL from a binary, a bell, a
right-to-left override that makes a line read backwards (the "Trojan Source" trick),
a lone surrogate (a JSON escape of half a pair decodes to one), and credentials in shapes the
scrubber did not know. Every rendering must be writable as UTF-8, free of control
characters, and free of the credential.
"""

import json
import re

import pytest

from main.core.report.markdown import render
from main.core.report.model import Report, StageResult
from main.core.report.notify import build_payload
from tests.support.reports import failing_report, passing_report
from tests.support.webhook_shapes import CHECKS

CONTROLS = "\x00\x07\x08\x1b\x7f\x9b\u202a\u202b\u202d\u202e\u2066\u2067\u2068\u2069"
HOSTILE = (
    "lint \x1b[31mFAILED\x1b[0m at\x00 src/x.py \u202edeliver\u202c \x07 \udcff "
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ \x1b[2K\rerased"
)


def report_with(detail: str, **fields: str) -> Report:
    report = failing_report().with_values(**fields)
    return report.with_stage(StageResult("validate", "failed", 1.0, detail))


def renderings(report: Report) -> dict[str, str]:
    forms = {
        "markdown": render(report),
        "json": report.to_json(),
        "failure message": report.failure_message,
    }
    for kind in ("slack", "discord", "teams"):
        forms[kind] = json.dumps(build_payload(kind, report), ensure_ascii=False)
    return forms


def test_every_rendering_of_control_characters_is_clean_utf8() -> None:
    report = report_with(HOSTILE, service="svc\x1b[8m", version="1.0\u202e", trigger=HOSTILE)
    for form, text in renderings(report).items():
        text.encode("utf-8")  # a lone surrogate cannot be written to a summary file
        left = sorted({f"U+{ord(char):04X}" for char in text if char in CONTROLS})
        assert not left, f"{form} keeps {left}"
        assert "\udcff" not in text, form


def test_colour_codes_go_and_the_words_stay() -> None:
    markdown = render(report_with(HOSTILE))
    assert "FAILED" in markdown
    assert "[31m" not in markdown
    assert "evil.example" not in markdown  # an OSC 8 hyperlink's target is no text


def test_the_failure_message_is_one_line_whatever_the_stage_name() -> None:
    stage = StageResult("lint\n::error::x", "failed", 1.0, "boom")
    message = passing_report().with_stage(stage).failure_message
    assert message.startswith("deploy-staging failed at lint ::error::x: boom")


def test_printable_keeps_lines_tabs_and_text() -> None:
    from main.core.text import printable  # noqa: PLC0415 - the function under test

    assert printable("a\tb\nc ü 日本 \u200b") == "a\tb\nc ü 日本 \u200b"
    assert printable("a\r\nb\rc") == "a\nb\nc"


TOKENS = {
    "GitLab personal token": "glpat-" + "x1Y2z3W4v5U6t7S8r9Q0",
    "PyPI upload token": "pypi-AgEIcHlwaS5vcmcCJGE4ZTA2NjE1LTRmOWUtNDBkMC05YjA2LWYxOTA3MzU3ZDE3NQ",
    "npm token": "npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "Docker Hub token": "dckr_pat_" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9",
    "docker config auth": '{"auths": {"ghcr.io": {"auth": "Y2ktYm90OnMzY3JldC10b2tlbg=="}}}',
    "private key": (
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n"
        "-----END PRIVATE KEY-----"
    ),
}
SECRET_PART = {
    "GitLab personal token": "x1Y2z3W4v5",
    "PyPI upload token": "AgEIcHlwaS5vcmcCJGE4ZTA2",
    "npm token": "a1B2c3D4e5F6",
    "Docker Hub token": "Ab1Cd2Ef3Gh4",
    "docker config auth": "Y2ktYm90OnMzY3JldC10b2tlbg",
    "private key": "MIGHAgEAMBMGByqGSM49",
}


@pytest.mark.parametrize("name", sorted(TOKENS))
def test_publishing_credentials_are_masked_in_every_rendering(name: str) -> None:
    report = report_with(f"upload failed with {TOKENS[name]} rejected")
    for form, text in renderings(report).items():
        assert SECRET_PART[name] not in text, f"{name} leaked in {form}"


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_many_long_stages_with_few_facts_still_fit_every_chat(kind: str) -> None:
    # Few facts leave the stage list all the embed's room: more than the 4096 that
    # Discord allows a description, which it refuses with a 400 (no message at all).
    report = passing_report()
    for i in range(300):
        report = report.with_stage(StageResult(f"stage-{i}-" + "x" * 200, "failed", 1.0, "d" * 900))
    CHECKS[kind](build_payload(kind, report))


@pytest.mark.parametrize("char", ["&", "<", ">", "https://x.example ", "@", "*", "`", "|"])
def test_text_that_grows_when_escaped_still_fits_every_chat(char: str) -> None:
    # Escaping after the cut let 3000 "&" become 15000 characters of "&amp;": over
    # Slack's 150 (header) and 3000 (section), so Slack refused the message.
    report = passing_report().with_values(service=char * 400, trigger=char * 3000)
    for _ in range(40):
        report = report.with_stage(StageResult(char * 100, "failed", 1.0, char * 900))
    for kind, check in CHECKS.items():
        payload = build_payload(kind, report)
        check(payload)
        assert not re.search(r"&[a-z]{0,3}…", json.dumps(payload)), f"{kind}: half an entity"
