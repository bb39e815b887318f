"""A ready-made ``Scan`` result for tests of what is done with one (SARIF upload, formats).

The scan function builds ``Scan`` from an engine run; tests that start from a result
build it whole here, with the fields they care about given explicitly.
"""

from typing import Any

from dagger import dag

from main.core.scan.trivy import SEVERITIES
from main.scan import Scan, SeverityCounts


def scan_result(**fields: Any) -> Scan:  # noqa: ANN401 - any of Scan's fields
    """A clean warn-mode scan with small report files; ``fields`` replace any of its values."""
    zero = SeverityCounts.of(dict.fromkeys(SEVERITIES, 0))
    values: dict[str, Any] = {
        "mode": "warn",
        "blocked": False,
        "reason": "no findings left after filtering",
        "found": zero,
        "counts": zero,
        "fixable": 0,
        "unfixed": 0,
        "ignored": 0,
        "expired_ignores": [],
        "report": dag.file("trivy-report.json", "{}"),
        "filtered": dag.file("trivy-report-filtered.json", "{}"),
        "summary": "### Security scan: passed\n",
    }
    return Scan(**{**values, **fields})
