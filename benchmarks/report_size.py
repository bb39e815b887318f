"""How large the run report gets in the worst case: the job summary and report.json.

GitHub refuses a job summary over 1 MiB per step and shows nothing of it; a report that
grows with the findings, the smoke checks or the error texts would vanish exactly when
it matters. Budget: the Markdown stays at or under 64 KiB whatever the run produced
(``core/report_markdown.py`` cuts tables at 40 rows and cells at 200 characters, then
the whole at 64 KiB with a note), and it renders in well under 50 ms.

The worst case built here: every stage failed with a 10 kB error text, 500 smoke checks
with long errors, 200 pushed references, every severity in the thousands, and the
scan's own Markdown section from a 10,000-finding report.

Run: `.venv/bin/python benchmarks/report_size.py [--stages N] [--checks N]`.
"""

import argparse
import statistics
import time

from main.core.report.markdown import MAX_BYTES
from main.core.report.markdown import render as render_markdown
from main.core.report.model import (
    Publication,
    Report,
    ScanSummary,
    SmokeCheckSummary,
    SmokeSummary,
    StageResult,
)

LONG = "Traceback (most recent call last): " + "x" * 10_000


def worst_report(stages: int, checks: int) -> Report:
    """A report with every list long and every text longer than any cell allows."""
    counts = {"CRITICAL": 1200, "HIGH": 3400, "MEDIUM": 4100, "LOW": 1300, "UNKNOWN": 0}
    return Report(
        workflow="deploy-staging",
        service="sample-service",
        version="0.1.0",
        ref="develop",
        sha="a" * 40,
        trigger="push: " + LONG,
        stages=tuple(StageResult(f"stage-{n}", "failed", 1.0, LONG) for n in range(stages)),
        tags=tuple(f"staging-v0.1.0-20251015-1430{n:02d}-abc123d" for n in range(60)),
        digest="sha256:" + "1" * 64,
        publication=Publication(
            pushed=tuple(f"ghcr.io/acme/api:tag-{n}@sha256:{'2' * 64}" for n in range(200)),
            not_pushed=tuple(f"ghcr.io/acme/api:held-{n}" for n in range(200)),
            reason=LONG,
        ),
        scan=ScanSummary("warn", counts, counts, blocked=False, reason=LONG),
        smoke=SmokeSummary(
            checks=tuple(
                SmokeCheckSummary(f"check.{n}", passed=False, latency_ms=12.5, error=LONG)
                for n in range(checks)
            ),
            startup_seconds=2.5,
        ),
        notes=tuple(LONG for _ in range(50)),
    )


def main() -> None:
    """Render the worst case several times; print sizes, time and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", type=int, default=100)
    parser.add_argument("--checks", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    report = worst_report(args.stages, args.checks)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        markdown = render_markdown(report)
        times.append(time.perf_counter() - started)
    size = len(markdown.encode())
    json_size = len(report.to_json().encode())
    print(f"worst case: {args.stages} failed stages, {args.checks} failed smoke checks")
    print(f"  job summary (report.md) {size / 1024:8.1f} KiB   budget {MAX_BYTES / 1024:.0f} KiB")
    print(f"  report.json            {json_size / 1024:8.1f} KiB   (not shown on GitHub)")
    print(f"  render time (median)   {statistics.median(times) * 1000:8.1f} ms")
    verdict = "within" if size <= MAX_BYTES else "OVER"
    print(f"budget: the job summary stays at or under 64 KiB: {verdict}")


if __name__ == "__main__":
    main()
