from main.core.scan.markdown import WORST_LIMIT, render_markdown, worst
from main.core.scan.trivy import evaluate, parse_report
from tests.support.trivy_reports import fixture, report, vuln

DEFAULT = ["CRITICAL", "HIGH", "MEDIUM", "LOW"]


def test_lists_the_worst_findings_with_versions_and_links() -> None:
    parsed = parse_report(fixture("report.json"))
    verdict = evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True)
    text = render_markdown(parsed, verdict)
    assert text.startswith("### Security scan: blocked\n")
    assert "- found: 6 (CRITICAL 1 · HIGH 2 · MEDIUM 1 · LOW 1 · UNKNOWN 1)" in text
    assert "- after filtering: 3 (CRITICAL 1 · HIGH 1 · MEDIUM 1 · LOW 0 · UNKNOWN 0)" in text
    assert "- fixable: 3, no fix yet: 3, ignored by .trivyignore: 0" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0].startswith("| severity |")
    assert rows[1] == (
        "| CRITICAL | [CVE-2026-0001](https://avd.aquasec.com/nvd/cve-2026-0001) | libssl3 "
        "| 3.0.15-1\\~deb12u1 → 3.0.16-1\\~deb12u1 "
        "| openssl: a made-up flaw \\| with a pipe in its title |"
    )
    assert rows[2].startswith("| HIGH | [GHSA-aaaa-bbbb-cccc]")
    assert rows[3].startswith("| MEDIUM | CVE-2026-0003 |")  # no PrimaryURL: no link


def test_unfixed_findings_say_so_and_come_after_fixable_ones() -> None:
    parsed = parse_report(report(vuln("CVE-B", fixed=None), vuln("CVE-A", fixed="1.1")))
    verdict = evaluate(parsed, block=False, severities=DEFAULT, ignore_unfixed=False)
    text = render_markdown(parsed, verdict)
    assert "### Security scan: warning" in text
    assert text.index("CVE-A") < text.index("CVE-B")
    assert "1.0 → no fix yet" in text


def test_the_section_is_bounded_however_many_findings() -> None:
    many = [vuln(f"CVE-{n:05}", "LOW", title="x" * 500) for n in range(3000)]
    parsed = parse_report(report(*many))
    verdict = evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True)
    text = render_markdown(parsed, verdict)
    assert text.count("| LOW |") == WORST_LIMIT
    assert f"… and {3000 - WORST_LIMIT} more" in text
    assert len(text) < 4000


def test_a_clean_scan_has_no_table() -> None:
    parsed = parse_report(fixture("clean.json"))
    verdict = evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True)
    text = render_markdown(parsed, verdict)
    assert text.startswith("### Security scan: passed")
    assert "| severity |" not in text


def test_worst_orders_by_severity_then_fix_then_id() -> None:
    parsed = parse_report(
        report(
            vuln("CVE-3", "LOW"),
            vuln("CVE-2", "CRITICAL", fixed=None),
            vuln("CVE-1", "CRITICAL"),
            vuln("CVE-0", "HIGH"),
        )
    )
    assert [f.vulnerability.id for f in worst(parsed.findings, 3)] == ["CVE-1", "CVE-2", "CVE-0"]
