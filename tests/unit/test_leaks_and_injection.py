"""Nothing leaked, nothing injected: every output format, fed hostile text.

Secrets straddle the places text is cut; credential shapes that leaked before are fed
through stage details, smoke errors and body excerpts; Markdown, HTML and chat syntax is
fed through the service name, stage details, finding titles and server errors. Every
rendering is checked: the job summary, the JSON report, Slack, Discord, Teams, and the
smoke checker's JSON and Markdown.
"""

import json
from dataclasses import replace

import pytest

from main.core.report.markdown import render
from main.core.report.model import Report, StageResult
from main.core.report.notify import build_payload
from main.core.run import sections as rules
from main.core.scan.markdown import render_markdown as scan_markdown
from main.core.scan.trivy import evaluate, parse_report
from main.core.smoke.markdown import render_markdown as smoke_markdown
from main.core.smoke.result import SmokeReport, failed
from tests.support.reports import failing_report
from tests.support.trivy_reports import report as trivy_report
from tests.support.trivy_reports import vuln

GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
LEAKS = {
    "password with @ and /": ("https://deploy:p@ss/w0rd@registry.example/v2/", "ss/w0rd"),
    "legacy Teams webhook": (
        (
            "https://acme.webhook.office.com/webhookb2/1111-aaaa@2222-bbbb/IncomingWebhook/"
            "deadbeefcafe/3333-cccc"
        ),
        "deadbeefcafe",
    ),
    "AWS access key": ("key AKIAIOSFODNN7EXAMPLE rejected", "AKIAIOSFODNN7EXAMPLE"),
    "Slack app token": ("token xapp-1-A0123ABCD-4567-abcdef0123456789 refused", "xapp-1-A0123"),
    "escaped signed URL": (
        "POST https://prod.logic.example/workflows/1/triggers?api-version=1&amp;sig=S3cr3tSig99",
        "S3cr3tSig99",
    ),
}


def renderings(report: Report) -> dict[str, str]:
    """Every form a run report takes, as text."""
    forms = {"markdown": render(report), "json": report.to_json()}
    for kind in ("slack", "discord", "teams"):
        forms[kind] = json.dumps(build_payload(kind, report), ensure_ascii=False)
    return forms


def smoke_renderings(error: str, body: str) -> dict[str, str]:
    check = failed("health", 3.0, error, http_status=500, body=body)
    report = SmokeReport(target="http://app:8000", checks=(check,), logs=body)
    return {"smoke json": report.to_json(), "smoke markdown": smoke_markdown(report)}


def with_detail(detail: str) -> Report:
    stage = StageResult("validate", "failed", 1.0, rules.short(detail))
    return failing_report().with_stage(stage)


@pytest.mark.parametrize("name", sorted(LEAKS))
def test_credential_shapes_are_masked_in_every_output(name: str) -> None:
    text, secret_part = LEAKS[name]
    outputs = renderings(with_detail(f"push failed: {text}")) | smoke_renderings(text, text)
    for form, output in outputs.items():
        assert secret_part not in output, f"{name} leaked in {form}"


@pytest.mark.parametrize("padding", range(180, 200))
def test_a_cut_never_leaves_the_start_of_a_secret(padding: int) -> None:
    # The token straddles the 200-character cut at every position: cut first and the
    # remaining few characters no longer look like a token, so they would stay.
    detail = "x" * padding + " " + GITHUB_TOKEN
    outputs = renderings(with_detail(detail)) | smoke_renderings(detail, "y" * 400 + detail)
    for form, output in outputs.items():
        assert GITHUB_TOKEN[:6] not in output, f"the token's start leaked in {form}"


HOSTILE = (
    "| injected | row | [click](https://evil.example) ![pixel](https://evil.example/p.png) "
    "<img src=x onerror=alert(1)> <!channel> @everyone"
)


def hostile_report() -> Report:
    report = replace(failing_report(), service="svc](https://evil.example)", ref="main")
    stage = StageResult("smoke-test", "failed", 1.0, rules.short(HOSTILE))
    return report.with_stage(stage)


def test_the_job_summary_holds_hostile_text_in_its_cells() -> None:
    markdown = render(hostile_report())
    assert "svc](https://evil.example)" not in markdown  # the service name, in the title
    assert "[click](" not in markdown
    assert "![pixel]" not in markdown
    assert "<img" not in markdown
    assert "<!channel>" not in markdown
    row = next(line for line in markdown.splitlines() if line.startswith("| smoke-test"))
    unescaped_pipes = row.replace("\\|", "").count("|")
    assert unescaped_pipes == 5  # four cells, nothing more


def test_chat_messages_carry_no_link_mention_or_html_from_text() -> None:
    report = hostile_report()
    slack = json.dumps(build_payload("slack", report))
    assert "<!channel>" not in slack
    assert "<https://evil" not in slack
    discord = build_payload("discord", report)
    assert discord["allowed_mentions"] == {"parse": []}
    assert "@everyone" not in json.dumps(discord, ensure_ascii=False)
    embed = discord["embeds"][0]  # its title is plain text to Discord: links never render
    rendered = [discord["content"], embed["description"], *(f["value"] for f in embed["fields"])]
    assert not any("[click](" in text for text in rendered)
    teams = json.dumps(build_payload("teams", report))
    assert "[click](" not in teams


def test_a_finding_title_or_url_cannot_break_out_of_the_scan_table() -> None:
    hostile = vuln(
        "CVE-2026-9999",
        "HIGH",
        title=HOSTILE,
        url="https://avd.example/x)[evil](https://evil.example",
        fixed="1.1",
    )
    scan = parse_report(trivy_report(hostile))
    verdict = evaluate(scan, block=False, severities=["HIGH"], ignore_unfixed=True)
    markdown = scan_markdown(scan, verdict)
    assert "[click](" not in markdown
    assert "<img" not in markdown
    assert "[evil](" not in markdown
    assert "%29" in markdown  # the advisory link is kept, its parenthesis encoded


def test_server_text_cannot_close_the_smoke_reports_code_fence() -> None:
    body = "ok\n```\n# Injected heading\n[click](https://evil.example)"
    markdown = smoke_renderings("boom", body)["smoke markdown"]
    fences = [line for line in markdown.splitlines() if line.startswith("```")]
    opening = fences[0].removesuffix("text")
    assert len(opening) > 3  # longer than any run of backticks inside
    assert all(
        not line.startswith("# Injected") for line in markdown.split(opening)[0].splitlines()
    )
