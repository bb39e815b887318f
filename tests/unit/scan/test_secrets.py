"""Trivy's secret scanner: Results[].Secrets[] read, judged like vulnerabilities, never quoted.

The fixture follows the layout Trivy 0.74 writes for ``--scanners vuln,secret`` on an
image (one result per file holding secrets, ``Class: secret``); the builders put a
sentinel where the secret would be, to prove that nothing of ``Match`` or ``Code`` ever
reaches a verdict, a Markdown section or the document handed to ``trivy convert``.
"""

import json
from datetime import date
from typing import Any

import pytest

from main.core.errors import PipelineError
from main.core.scan.ignore import parse_ignore_file
from main.core.scan.markdown import render_markdown
from main.core.scan.trivy import evaluate, filter_document, parse_report
from tests.support.trivy_reports import fixture, vuln

DEFAULT = ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
SENTINEL = "ghp_SENTINEL-not-a-token-never-printed"  # never a real token's shape


def secret(rule: str = "github-pat", severity: str = "CRITICAL", line: int = 5) -> dict[str, Any]:
    """One ``Secrets[]`` entry whose Match and Code hold the sentinel (unmasked on purpose)."""
    return {
        "RuleID": rule,
        "Category": "GitHub",
        "Severity": severity,
        "Title": "GitHub Personal Access Token",
        "StartLine": line,
        "EndLine": line,
        "Code": {"Lines": [{"Number": line, "Content": f"TOKEN = {SENTINEL}", "IsCause": True}]},
        "Match": f"TOKEN = {SENTINEL}",
    }


def document(*secrets: dict[str, Any], vulns: tuple[dict[str, Any], ...] = ()) -> str:
    results: list[dict[str, Any]] = [
        {"Target": "/app/settings.py", "Class": "secret", "Secrets": list(secrets)}
    ]
    if vulns:
        results.insert(0, {"Target": "image.tar", "Class": "os-pkgs", "Vulnerabilities": [*vulns]})
    return json.dumps({"SchemaVersion": 2, "ArtifactName": "image.tar", "Results": results})


def test_the_recorded_report_reads_rule_title_file_and_lines() -> None:
    parsed = parse_report(fixture("secrets.json"))
    assert len(parsed.findings) == 1
    assert [(s.secret.rule_id, s.secret.category, s.where) for s in parsed.secrets] == [
        ("aws-access-key-id", "AWS", "/app/settings.py:3"),
        ("github-pat", "GitHub", "/app/settings.py:5"),
        ("private-key", "AsymmetricPrivateKey", "/etc/ssl/private/test.key:1-9"),
    ]
    assert parsed.counts == {"CRITICAL": 2, "HIGH": 2, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}
    assert parsed.total == 4
    assert (parsed.fixable, parsed.unfixed) == (1, 0)  # secrets are not package upgrades


def test_secrets_block_in_block_mode_and_only_warn_in_warn_mode() -> None:
    parsed = parse_report(document(secret()))
    blocked = evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True)
    assert blocked.blocked
    assert blocked.counts["CRITICAL"] == 1
    assert blocked.reason.startswith("blocked: 1 findings (1 CRITICAL; 1 of them secret)")
    warned = evaluate(parsed, block=False, severities=DEFAULT, ignore_unfixed=True)
    assert not warned.blocked
    assert warned.total == 1
    assert warned.reason.startswith("warning: 1 findings")


def test_ignore_unfixed_never_drops_a_secret_but_severities_do() -> None:
    parsed = parse_report(document(secret(severity="LOW")))
    kept = evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True)
    assert [s.secret.rule_id for s in kept.secrets] == ["github-pat"]
    dropped = evaluate(parsed, block=True, severities=["CRITICAL"], ignore_unfixed=True)
    assert (dropped.secrets, dropped.blocked) == ((), False)


def test_trivyignore_lists_a_secret_by_its_rule_id() -> None:
    parsed = parse_report(document(secret(), secret("aws-access-key-id", line=3)))
    rules = parse_ignore_file("github-pat\n", today=date(2026, 12, 7))
    verdict = evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True, ignore=rules)
    assert [s.secret.rule_id for s in verdict.secrets] == ["aws-access-key-id"]
    assert verdict.ignored == 1


def test_the_markdown_shows_rule_title_and_place_never_the_match() -> None:
    parsed = parse_report(document(secret(), vulns=(vuln("CVE-1", "HIGH"),)))
    verdict = evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True)
    text = render_markdown(parsed, verdict)
    assert "- secrets: 1 found, 1 left" in text
    assert "| CRITICAL | github-pat | GitHub Personal Access Token | /app/settings.py:5 |" in text
    assert "CVE-1" in text
    assert SENTINEL not in text
    assert "TOKEN =" not in text


def test_a_warn_only_secret_makes_the_section_a_warning() -> None:
    parsed = parse_report(document(secret()))
    text = render_markdown(
        parsed, evaluate(parsed, block=False, severities=DEFAULT, ignore_unfixed=True)
    )
    assert text.startswith("### Security scan: warning\n")


def test_the_document_for_table_and_sarif_keeps_kept_secrets_without_their_match() -> None:
    raw = document(secret(), secret("aws-access-key-id", severity="LOW", line=3))
    parsed = parse_report(raw)
    verdict = evaluate(parsed, block=True, severities=["CRITICAL"], ignore_unfixed=True)
    filtered = filter_document(raw, verdict)
    assert SENTINEL not in filtered
    [result] = json.loads(filtered)["Results"]
    assert [s["RuleID"] for s in result["Secrets"]] == ["github-pat"]  # SARIF's rule id
    assert set(result["Secrets"][0]) == {
        "RuleID", "Category", "Severity", "Title", "StartLine", "EndLine",
    }  # fmt: skip
    assert "Code" not in json.dumps(result)


def test_a_file_whose_secrets_are_all_filtered_keeps_no_secrets_key() -> None:
    raw = document(secret(severity="LOW"))
    verdict = evaluate(parse_report(raw), block=True, severities=["CRITICAL"], ignore_unfixed=True)
    [result] = json.loads(filter_document(raw, verdict))["Results"]
    assert "Secrets" not in result


def test_a_secret_with_an_unknown_severity_is_one_line_naming_its_rule() -> None:
    with pytest.raises(PipelineError, match=r"unknown severity 'SEVERE' on github-pat in /app"):
        parse_report(document(secret(severity="SEVERE")))


def test_misplaced_secrets_are_not_read_as_none() -> None:
    top = json.dumps({"SchemaVersion": 2, "Secrets": [secret()]})
    with pytest.raises(PipelineError, match="findings at the top level"):
        parse_report(top)
    cased = json.dumps({"SchemaVersion": 2, "Results": [{"Target": "x", "secrets": [secret()]}]})
    with pytest.raises(PipelineError, match="'secrets' where Trivy writes 'Secrets'"):
        parse_report(cased)


def test_a_report_without_secrets_reads_as_before() -> None:
    parsed = parse_report(fixture("report.json"))
    assert parsed.secrets == ()
    assert "secrets:" not in render_markdown(
        parsed, evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True)
    )


def test_the_secrets_table_is_bounded_like_the_findings_table() -> None:
    parsed = parse_report(document(*(secret(line=n) for n in range(1, 16))))
    text = render_markdown(
        parsed, evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True), limit=10
    )
    assert text.count("| CRITICAL | github-pat |") == 10
    assert "… and 5 more secrets (see the table or SARIF)." in text
    assert "/app/settings.py:1 |" in text  # the first lines first
