import json

import pytest

from main.core.redact import MASK, scrub
from main.core.report.markdown import render as render_markdown
from main.core.report.model import StageResult
from tests.support.reports import failing_report
from tests.unit.test_leaks_and_injection import renderings, smoke_renderings, with_detail

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


# --- shapes that leaked through every output (issue 20, row 15) -------------------------

JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiJkZXBsb3ktYm90IiwiaWF0IjoxNzAwMDAwMDAwfQ"
    ".Zm9vYmFyLXNpZ25hdHVyZS1ub3QtcmVhbC1idXQtbG9uZy1lbm91Z2g"
)
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # noqa: S105 - AWS's documented example
SHAPES = {
    "bare JWT": (f"token {JWT} rejected", JWT),
    "aws_secret_access_key=": (f"aws_secret_access_key={AWS_SECRET}", AWS_SECRET),
    "AWS_SECRET_ACCESS_KEY: (yaml)": (f"AWS_SECRET_ACCESS_KEY: {AWS_SECRET}", AWS_SECRET),
    "JSON-escaped URL with a password": (
        '{"url":"https:\\/\\/deploy-bot:Pw-9x7Yq2Lm@registry.example\\/v2\\/"}',
        "Pw-9x7Yq2Lm",
    ),
    "Slack webhook, mixed-case host": (
        "POST https://Hooks.Slack.COM/services/T0AAA1111/B0BBB2222/Zz9Yy8Xx7Ww6Vv5Uu4",
        "Zz9Yy8Xx7Ww6Vv5Uu4",
    ),
    "Discord webhook, versioned API": (
        "POST https://discord.com/api/v10/webhooks/1234567890/DiScOrD-ToKeN_abcdefghij",
        "DiScOrD-ToKeN_abcdefghij",
    ),
    "lowercase authorization: basic": (
        "authorization: basic ZGVwbG95LWJvdDpzM2NyM3Q=",
        "ZGVwbG95LWJvdDpzM2NyM3Q=",
    ),
    "token glued to an underscore": (
        "MY_TOKEN_ghp_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8",
        "ghp_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8",
    ),
}
CUT = 200  # what a report cell, a stage detail and a smoke error are cut to


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_shape_is_masked_by_scrub(name: str) -> None:
    text, secret = SHAPES[name]
    scrubbed = scrub(f"deploy failed: {text} (exit 1)")
    assert secret not in scrubbed
    assert MASK in scrubbed
    assert scrubbed.startswith("deploy failed: ")


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_each_shape_never_leaks_in_any_output_at_any_cut_offset(name: str) -> None:
    # The secret straddles the cut at every position, from its first character cut off
    # to its last: a cut first and a scrub after would leave the start behind, which no
    # longer looks like a credential.
    text, secret = SHAPES[name]
    start = secret[:8]
    before = text.index(secret) + 1  # the space between padding and text, then the prefix
    for at in range(CUT - len(secret), CUT + 1):
        detail = "x" * (at - before) + " " + text
        outputs = renderings(with_detail(detail)) | smoke_renderings(detail, "y" * 400 + detail)
        for form, output in outputs.items():
            assert start not in output, f"{name} leaked in {form}, cut {CUT - at} into it"
