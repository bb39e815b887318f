import json

import pytest

from main.core.redact import MASK, scrub
from main.core.report.markdown import render as render_markdown
from main.core.report.model import StageResult
from tests.support.reports import failing_report

LEAKS = [
    "https://ci-bot:s3cr3t-pass@ghcr.io/v2/",
    "ghp_" + "A" * 36,
    "github_pat_11ABCDEFG0" + "x" * 50,
    "xoxb-1234-5678-abcdefghij",
    "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX",
    "https://discord.com/api/webhooks/123456/abcDEF-token_value",
    "https://prod-00.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SiGnAtUrE123",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
]
SECRET_PARTS = ["s3cr3t-pass", "A" * 36, "x" * 50, "5678-abcdefghij", "XXXXXXXXXXXXXXXX",
                "abcDEF-token_value", "SiGnAtUrE123", "eyJhbGciOiJIUzI1NiJ9"]  # fmt: skip


@pytest.mark.parametrize(("leak", "secret"), list(zip(LEAKS, SECRET_PARTS, strict=True)))
def test_recognisable_credentials_are_masked(leak: str, secret: str) -> None:
    scrubbed = scrub(f"push failed: {leak} refused")
    assert secret not in scrubbed
    assert MASK in scrubbed
    assert scrubbed.startswith("push failed: ")


def test_known_secret_values_are_masked_whatever_they_look_like() -> None:
    assert scrub("token is hunter2, again hunter2", ["hunter2", ""]) == "token is ***, again ***"


def test_ordinary_text_is_left_alone() -> None:
    text = "ghcr.io/acme/app:staging-latest@sha256:abc; /health answered 500 in 3 ms"
    assert scrub(text) == text


def test_no_secret_reaches_the_markdown_json_or_failure_message() -> None:
    report = failing_report().with_stage(
        StageResult("publish", "failed", 1.0, " then ".join(LEAKS))
    )
    report = report.with_values(notes=tuple(LEAKS), trigger=LEAKS[0])
    rendered = [render_markdown(report), report.to_json(), report.failure_message]
    for text in rendered:
        for secret in SECRET_PARTS:
            assert secret not in text
    assert json.loads(report.to_json())["notes"][4] == "https://hooks.slack.com/services/***"
