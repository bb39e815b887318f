"""Vulnerability scanning: Trivy's report read, judged by policy, and rendered.

``trivy`` reads Trivy's JSON and applies the staging (warn) or production (block)
policy; ``ignore`` reads the service's ``.trivyignore``; ``sarif`` uploads the scan to
GitHub code scanning; ``markdown`` renders it for the job summary.
"""

from typing import TYPE_CHECKING

from main.core.lazy import lazy_exports

if TYPE_CHECKING:
    from main.core.scan.ignore import IgnoreRules, parse_ignore_file
    from main.core.scan.trivy import (
        Finding,
        ScanReport,
        Verdict,
        evaluate,
        normalize_severities,
        parse_report,
        read_scan_output,
    )

__all__ = [
    "Finding",
    "IgnoreRules",
    "ScanReport",
    "Verdict",
    "evaluate",
    "normalize_severities",
    "parse_ignore_file",
    "parse_report",
    "read_scan_output",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "IgnoreRules": "ignore",
        "parse_ignore_file": "ignore",
        "Finding": "trivy",
        "ScanReport": "trivy",
        "Verdict": "trivy",
        "evaluate": "trivy",
        "normalize_severities": "trivy",
        "parse_report": "trivy",
        "read_scan_output": "trivy",
    },
)
