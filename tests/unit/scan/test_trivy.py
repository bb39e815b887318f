import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.errors import PipelineError
from main.core.scan.ignore import parse_ignore_file
from main.core.scan.trivy import (
    SEVERITIES,
    evaluate,
    filter_document,
    normalize_severities,
    parse_report,
    read_scan_output,
)
from tests.support.trivy_reports import fixture, report, vuln

ALL = list(SEVERITIES)
DEFAULT = ["CRITICAL", "HIGH", "MEDIUM", "LOW"]


def test_counts_every_severity_before_filtering() -> None:
    parsed = parse_report(fixture("report.json"))
    assert parsed.counts == {"CRITICAL": 1, "HIGH": 2, "MEDIUM": 1, "LOW": 1, "UNKNOWN": 1}
    assert parsed.total == 6
    assert (parsed.fixable, parsed.unfixed) == (3, 3)
    assert parsed.artifact == "image.tar"


def test_reads_the_documented_fields_and_ignores_unknown_ones() -> None:
    first = parse_report(fixture("report.json")).findings[0]
    assert first.target == "image.tar (debian 12.8)"
    vulnerability = first.vulnerability
    assert vulnerability.id == "CVE-2026-0001"
    assert vulnerability.package == "libssl3"
    assert vulnerability.installed_version == "3.0.15-1~deb12u1"
    assert vulnerability.fixed_version == "3.0.16-1~deb12u1"
    assert vulnerability.status == "fixed"
    assert vulnerability.url == "https://avd.aquasec.com/nvd/cve-2026-0001"
    assert first.fixable


def test_a_clean_report_without_vulnerabilities_key_counts_zero() -> None:
    parsed = parse_report(fixture("clean.json"))
    assert parsed.counts == dict.fromkeys(SEVERITIES, 0)
    verdict = evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True)
    assert not verdict.blocked
    assert verdict.counts == dict.fromkeys(SEVERITIES, 0)
    assert verdict.reason.startswith("no findings left")


@pytest.mark.parametrize(
    "document",
    [
        {"SchemaVersion": 2},
        {"SchemaVersion": 2, "Results": None},
        {"SchemaVersion": 2, "Results": []},
        {"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": None}]},
    ],
)
def test_missing_or_null_results_are_clean(document: dict[str, object]) -> None:
    assert parse_report(json.dumps(document)).total == 0


def test_missing_keys_in_a_finding_get_neutral_defaults() -> None:
    text = json.dumps({"SchemaVersion": 2, "Results": [{"Vulnerabilities": [{}]}]})
    (finding,) = parse_report(text).findings
    assert finding.severity == "UNKNOWN"
    assert finding.vulnerability.id == ""
    assert not finding.fixable


def test_bytes_with_a_bom_are_read() -> None:
    data = b"\xef\xbb\xbf" + report(vuln("CVE-1", "LOW")).encode()
    assert parse_report(data).counts["LOW"] == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "empty"),
        (b"  \n", "empty"),
        ("<html>rate limited</html>", "not JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        ("[]", "must be a JSON object"),
        ('{"Results": []}', "no SchemaVersion"),
        ('{"SchemaVersion": 1, "Results": []}', "SchemaVersion 1"),
        ('{"SchemaVersion": "2"}', "SchemaVersion '2'"),
        ('{"SchemaVersion": true}', "SchemaVersion True"),
        ('{"SchemaVersion": 2, "Results": {"a": 1}}', "malformed at Results"),
    ],
)
def test_bad_input_is_one_clear_value_error(data: str | bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_report(data)


def test_an_unknown_severity_in_the_report_names_it() -> None:
    with pytest.raises(PipelineError, match=r"unknown severity 'SEVERE' on CVE-9 in image\.tar"):
        parse_report(report(vuln("CVE-9", "SEVERE")))


@pytest.mark.parametrize("bad", [["BOGUS"], ["HIGH", "urgent"], [], ["  "]])
def test_unknown_or_no_severities_are_refused(bad: list[str]) -> None:
    parsed = parse_report(report(vuln("CVE-1")))
    with pytest.raises(ValueError, match="severity"):
        evaluate(parsed, block=True, severities=bad, ignore_unfixed=False)


def test_severities_are_case_insensitive_and_deduplicated() -> None:
    assert normalize_severities(["high", " Critical ", "HIGH"]) == ("HIGH", "CRITICAL")


def test_block_mode_blocks_on_findings_left() -> None:
    parsed = parse_report(fixture("report.json"))
    verdict = evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True)
    assert verdict.blocked
    assert verdict.counts == {"CRITICAL": 1, "HIGH": 1, "MEDIUM": 1, "LOW": 0, "UNKNOWN": 0}
    assert verdict.reason.startswith("blocked: 3 findings (1 CRITICAL, 1 HIGH, 1 MEDIUM)")
    assert "unfixed ignored" in verdict.reason


def test_warn_mode_never_blocks_but_keeps_the_counts() -> None:
    parsed = parse_report(fixture("report.json"))
    verdict = evaluate(parsed, block=False, severities=DEFAULT, ignore_unfixed=True)
    assert not verdict.blocked
    assert verdict.counts == {"CRITICAL": 1, "HIGH": 1, "MEDIUM": 1, "LOW": 0, "UNKNOWN": 0}
    assert verdict.reason.startswith("warning: 3 findings")


def test_ignore_unfixed_off_counts_unfixed_findings() -> None:
    parsed = parse_report(fixture("report.json"))
    verdict = evaluate(parsed, block=True, severities=ALL, ignore_unfixed=False)
    assert verdict.counts == parsed.counts
    assert verdict.total == 6
    assert verdict.fixable == 3


def test_a_fixed_version_with_an_unfixed_status_is_unfixed() -> None:
    parsed = parse_report(report(vuln("CVE-1", fixed="2.0", status="will_not_fix")))
    verdict = evaluate(parsed, block=True, severities=ALL, ignore_unfixed=True)
    assert not verdict.blocked


def test_severities_not_selected_are_not_counted() -> None:
    parsed = parse_report(fixture("report.json"))
    verdict = evaluate(parsed, block=True, severities=["CRITICAL"], ignore_unfixed=True)
    assert verdict.counts == {"CRITICAL": 1, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0}


def test_trivyignore_leaves_listed_findings_out_until_they_expire() -> None:
    parsed = parse_report(report(vuln("CVE-1", "CRITICAL"), vuln("CVE-2", "HIGH")))
    text = "# accepted risks\nCVE-1 exp:2026-12-01  # until the base image moves\n"
    before = parse_ignore_file(text, today=date(2026, 11, 30))
    verdict = evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True, ignore=before)
    assert verdict.counts["CRITICAL"] == 0
    assert verdict.ignored == 1
    after = parse_ignore_file(text, today=date(2026, 12, 1))
    assert after.expired == ("CVE-1",)
    verdict = evaluate(parsed, block=True, severities=DEFAULT, ignore_unfixed=True, ignore=after)
    assert verdict.counts["CRITICAL"] == 1
    assert verdict.ignored == 0


def test_filter_document_keeps_only_counted_findings_and_every_other_key() -> None:
    raw = fixture("report.json")
    verdict = evaluate(parse_report(raw), block=True, severities=DEFAULT, ignore_unfixed=True)
    filtered = json.loads(filter_document(raw, verdict))
    original = json.loads(raw)
    assert filtered["Metadata"] == original["Metadata"]
    ids = [v["VulnerabilityID"] for r in filtered["Results"] for v in r.get("Vulnerabilities", [])]
    assert ids == ["CVE-2026-0001", "CVE-2026-0003", "GHSA-aaaa-bbbb-cccc"]
    assert (
        filtered["Results"][0]["Vulnerabilities"][0] == original["Results"][0]["Vulnerabilities"][0]
    )
    reparsed = parse_report(json.dumps(filtered))
    assert reparsed.counts == verdict.counts


def test_filter_document_drops_the_key_of_a_result_left_clean() -> None:
    raw = report(vuln("CVE-1", "LOW", fixed=None))
    verdict = evaluate(parse_report(raw), block=True, severities=DEFAULT, ignore_unfixed=True)
    assert "Vulnerabilities" not in json.loads(filter_document(raw, verdict))["Results"][0]


@pytest.mark.parametrize("exit_code", [1, 2, 137])
def test_a_nonzero_exit_is_a_failure_even_with_a_clean_report(exit_code: int) -> None:
    with pytest.raises(
        PipelineError, match=f"exit code {exit_code}.*trivy said: INFO start \\| FATAL db"
    ):
        read_scan_output(exit_code, fixture("clean.json"), "INFO start\nFATAL db download failed")


@pytest.mark.parametrize("output", [None, "", "not json", '{"SchemaVersion": 3}'])
def test_exit_zero_without_a_readable_report_is_a_failure(output: str | None) -> None:
    with pytest.raises(PipelineError, match="exited 0 but"):
        read_scan_output(0, output, "")


def test_exit_zero_with_a_report_is_read() -> None:
    assert read_scan_output(0, fixture("report.json"), "").total == 6


severity = st.sampled_from(SEVERITIES)
entries = st.lists(
    st.tuples(severity, st.booleans(), st.booleans()),  # severity, has a fix, ignored
    max_size=40,
)


@given(entries, st.sets(severity, min_size=1), st.booleans(), st.booleans())
def test_the_policy_only_ever_removes_findings(
    items: list[tuple[str, bool, bool]],
    chosen: set[str],
    ignore_unfixed: bool,  # noqa: FBT001 - hypothesis passes arguments positionally
    block: bool,  # noqa: FBT001
) -> None:
    vulns = [
        vuln(f"CVE-{n}", sev, fixed="2" if fix else None) for n, (sev, fix, _) in enumerate(items)
    ]
    ignored = "\n".join(f"CVE-{n}" for n, (_, _, skip) in enumerate(items) if skip)
    parsed = parse_report(report(*vulns))
    rules = parse_ignore_file(ignored, today=date(2026, 1, 1))
    verdict = evaluate(
        parsed, block=block, severities=sorted(chosen), ignore_unfixed=ignore_unfixed, ignore=rules
    )
    assert set(verdict.counts) == set(SEVERITIES)
    for name in SEVERITIES:
        assert verdict.counts[name] <= parsed.counts[name]
        if name not in chosen:
            assert verdict.counts[name] == 0
    expected = sum(
        1 for sev, fix, skip in items if sev in chosen and (fix or not ignore_unfixed) and not skip
    )
    assert verdict.total == expected
    assert verdict.blocked == (block and expected > 0)
