"""How long parsing and judging a 10,000-finding Trivy report takes.

Budget (docs/architecture.md): a report with 10,000 findings is parsed and evaluated in under
0.5 s. A large image with an old base easily reaches thousands of findings, and the
scan reads the report on every run; the figure also covers the Markdown summary and
the filtered document that ``trivy convert`` renders, which the scan makes every time.

The report is generated in Trivy's SchemaVersion 2 layout with the keys Trivy writes
(and this module ignores), a mix of severities, fixed and unfixed findings, spread over
several targets. Timings are the median of runs in one process, after one warm-up.

Run: `.venv/bin/python benchmarks/trivy_parse.py [--findings N] [--runs N]`.
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from main.core.scan.ignore import parse_ignore_file
from main.core.scan.markdown import render_markdown
from main.core.scan.trivy import (
    SEVERITIES,
    ScanReport,
    Verdict,
    evaluate,
    filter_document,
    parse_report,
)

BUDGET_SECONDS = 0.5
TARGETS = 8


def finding(number: int) -> dict[str, Any]:
    """One realistic entry: documented fields plus the bulk Trivy adds around them."""
    fixed = number % 3 != 0
    vid = f"CVE-2026-{number:05}"
    entry: dict[str, Any] = {
        "VulnerabilityID": vid,
        "PkgID": f"package-{number % 400}@1.{number % 17}.0",
        "PkgName": f"package-{number % 400}",
        "InstalledVersion": f"1.{number % 17}.0",
        "Status": "fixed" if fixed else "affected",
        "Layer": {"DiffID": "sha256:" + "a" * 64},
        "SeveritySource": "nvd",
        "PrimaryURL": f"https://avd.aquasec.com/nvd/{vid.lower()}",
        "DataSource": {"ID": "debian", "Name": "Debian Security Tracker"},
        "Title": f"package-{number % 400}: generated flaw number {number}",
        "Description": "Generated for the benchmark. " * 8,
        "Severity": SEVERITIES[number % len(SEVERITIES)],
        "CweIDs": ["CWE-787"],
        "VendorSeverity": {"debian": 2, "nvd": 3},
        "CVSS": {"nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},
        "References": [f"https://example.org/{number}/{n}" for n in range(4)],
        "PublishedDate": "2026-01-02T00:00:00Z",
        "LastModifiedDate": "2026-02-03T00:00:00Z",
    }
    if fixed:
        entry["FixedVersion"] = f"1.{number % 17}.1"
    return entry


def generate(findings: int) -> str:
    """A SchemaVersion 2 report with ``findings`` vulnerabilities over a few targets."""
    results = [
        {
            "Target": f"target-{t}",
            "Class": "lang-pkgs",
            "Type": "python-pkg",
            "Vulnerabilities": [finding(n) for n in range(t, findings, TARGETS)],
        }
        for t in range(TARGETS)
    ]
    return json.dumps({"SchemaVersion": 2, "ArtifactName": "image.tar", "Results": results})


def parse_and_evaluate(text: str) -> tuple[ScanReport, Verdict]:
    """The budgeted part: read the report and apply the policy, .trivyignore included."""
    report = parse_report(text)
    today = datetime.now(UTC).date()
    rules = parse_ignore_file("CVE-2026-00001\nCVE-2026-00002 exp:2099-01-01\n", today=today)
    verdict = evaluate(
        report, block=True, severities=SEVERITIES[:4], ignore_unfixed=True, ignore=rules
    )
    return report, verdict


def everything(text: str) -> None:
    """All the scan does with a report here: also the summary and the filtered document."""
    report, verdict = parse_and_evaluate(text)
    render_markdown(report, verdict)
    filter_document(text, verdict)


def median_seconds(step: Callable[[str], object], text: str, runs: int) -> float:
    """Median wall time of ``step(text)`` over ``runs`` runs after one warm-up."""
    step(text)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        step(text)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    """Time ``judge`` on a generated report and print the verdict against the budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000, help="findings in the report")
    parser.add_argument("--runs", type=int, default=7, help="timed runs after one warm-up")
    arguments = parser.parse_args()
    text = generate(arguments.findings)
    report, _ = parse_and_evaluate(text)
    assert report.total == arguments.findings  # noqa: S101 - the report must hold them all
    budgeted = median_seconds(parse_and_evaluate, text, arguments.runs)
    whole = median_seconds(everything, text, arguments.runs)
    print(
        f"{arguments.findings} findings, {len(text) / 1e6:.1f} MB of JSON, "
        f"median of {arguments.runs} runs:"
    )
    print(f"  parse + evaluate:                      {budgeted * 1000:6.0f} ms")
    print(f"  + Markdown summary + filtered document: {whole * 1000:6.0f} ms")
    verdict = "within" if budgeted < BUDGET_SECONDS else "OVER"
    print(f"budget: parse + evaluate under {BUDGET_SECONDS} s: {verdict}")


if __name__ == "__main__":
    main()
