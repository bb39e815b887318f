"""Reports as a run would build them, for the report, rendering and notification tests."""

from main.core.report.model import (
    Publication,
    Report,
    ScanSummary,
    SmokeCheckSummary,
    SmokeSummary,
    StageResult,
)

SHA = "4f2d8c1e9b7a6d5c3e2f1a0b9c8d7e6f5a4b3c2d"
DIGEST = "sha256:" + "ab" * 32
IMAGE = "ghcr.io/example/sample-service"
TIMESTAMPED = "staging-v0.1.0-20261126-091502-4f2d8c1"


def passing_report() -> Report:
    """A deploy-staging run where everything passed and both tags were pushed."""
    report = Report(
        workflow="deploy-staging",
        service="sample-service",
        version="0.1.0",
        ref="develop",
        sha=SHA,
        trigger="push to develop (commit 4f2d8c1)",
        tags=(TIMESTAMPED, "staging-latest"),
        digest=DIGEST,
        publication=Publication(
            pushed=(f"{IMAGE}:{TIMESTAMPED}@{DIGEST}", f"{IMAGE}:staging-latest@{DIGEST}")
        ),
        scan=ScanSummary(
            mode="warn",
            found={"CRITICAL": 0, "HIGH": 2, "MEDIUM": 1, "LOW": 4},
            counted={"CRITICAL": 0, "HIGH": 0, "MEDIUM": 0, "LOW": 0},
            blocked=False,
            reason="no finding left after ignoring unfixed",
        ),
        smoke=SmokeSummary(
            checks=(
                SmokeCheckSummary("health", passed=True, latency_ms=3.2),
                SmokeCheckSummary("mcp-initialize", passed=True, latency_ms=11.0),
                SmokeCheckSummary("tools-list", passed=True, latency_ms=4.5),
            ),
            startup_seconds=2.31,
        ),
    )
    for stage in (
        StageResult("check-trigger", "passed", 0.02, "push to develop"),
        StageResult("validate", "passed", 41.2, "lint, typecheck, tests"),
        StageResult("build", "passed", 73.9, "3 layers"),
        StageResult("scan", "passed", 18.4, "clean after filtering", blocking=False),
        StageResult("smoke-test", "passed", 6.1, "3 checks passed"),
        StageResult("publish", "passed", 4.2, "2 tags pushed"),
    ):
        report = report.with_stage(stage)
    return report


def failing_report() -> Report:
    """The same run where /health answered 500: staging-latest held back."""
    report = passing_report()
    smoke = SmokeSummary(
        checks=(
            SmokeCheckSummary("health", passed=False, latency_ms=3.0, error="/health answered 500"),
            SmokeCheckSummary("mcp-initialize", passed=True, latency_ms=11.0),
        ),
        startup_seconds=2.4,
    )
    publication = Publication(
        pushed=(f"{IMAGE}:{TIMESTAMPED}@{DIGEST}",),
        not_pushed=(f"{IMAGE}:staging-latest",),
        reason="smoke tests failed: staging-latest stays where it was",
    )
    report = report.with_values(smoke=smoke, publication=publication)
    report = report.with_stage(StageResult("smoke-test", "failed", 6.1, "/health answered 500"))
    return report.with_stage(
        StageResult("notify", "skipped", 0.0, "no --notify-webhook given", blocking=False)
    )


def readme_sample_report() -> Report:
    """The failing run whose summary the README shows."""
    report = failing_report().with_values(
        scan=ScanSummary(
            mode="warn",
            found={"CRITICAL": 0, "HIGH": 3, "MEDIUM": 4, "LOW": 9},
            counted={"CRITICAL": 0, "HIGH": 1, "MEDIUM": 1, "LOW": 0},
            blocked=False,
            reason="2 findings left after ignoring unfixed ones; staging warns and goes on",
        )
    )
    report = report.with_stage(
        StageResult(
            "scan",
            "warned",
            18.4,
            "2 fixable findings (HIGH 1, MEDIUM 1): staging warns",
            blocking=False,
        )
    )
    return report.with_stage(
        StageResult("publish", "passed", 4.2, "1 of 2 tags pushed: staging-latest held back")
    )
