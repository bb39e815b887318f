"""The staging deployment in the job summary, the notification and the report JSON."""

import re

from main.core.report.markdown import render
from main.core.report.model import DeploySummary, Report, Section, SmokeCheckSummary, SmokeSummary
from main.core.report.notify import facts

NEW = "ghcr.io/acme/app@sha256:" + "b" * 64
OLD = "ghcr.io/acme/app@sha256:" + "a" * 64


def with_deploy(deploy: DeploySummary, **changes: object) -> Report:
    base = Report(workflow="deploy-staging", service="app", version="1.0.0", ref="develop")
    return base.with_values(deploy=deploy, **changes)


def rolled_back() -> DeploySummary:
    failed = SmokeSummary(
        (SmokeCheckSummary("health", passed=False, latency_ms=3, error="got 404"),)
    )
    passed = SmokeSummary((SmokeCheckSummary("health", passed=True, latency_ms=2),))
    return DeploySummary(
        target="deploy@stg:22, compose project app",
        url="https://stg.example.com",
        image=NEW,
        outcome="rolled-back",
        running=OLD,
        previous=OLD,
        error="live smoke test FAILED: health | <b>@channel</b> [x](https://evil)",
        seconds=7.25,
        live_smoke=failed,
        rollback_smoke=passed,
    )


def test_the_section_says_what_runs_now_and_why() -> None:
    text = render(with_deploy(rolled_back()))
    section = text.split("### Staging deployment", 1)[1]
    assert "rolled back" in section.splitlines()[2]
    assert "[https://stg.example.com](https://stg.example.com)" in section
    assert f"**running now**: `{OLD}`" in section
    assert "**live smoke**: 0/1 checks passed (health: got 404)" in section
    assert "**after rollback**: 1/1 checks passed" in section


def test_hostile_error_text_stays_text() -> None:
    section = render(with_deploy(rolled_back())).split("### Staging deployment", 1)[1]
    why = next(line for line in section.splitlines() if line.startswith("- **why**"))
    assert "<b>" not in why
    assert re.search(r"(?<!\\)\]\(", why) is None  # no link can form
    assert "\\|" in why


def test_the_notification_names_the_staging_outcome() -> None:
    pairs = dict(facts(with_deploy(rolled_back())))
    assert pairs["Staging"].startswith("rolled back (live smoke test FAILED: health")
    assert pairs["Staging"].endswith(f"{OLD} runs again")
    deployed = DeploySummary(target="t", url="https://stg", image=NEW, outcome="deployed")
    assert dict(facts(with_deploy(deployed)))["Staging"] == "deployed, live at https://stg"


def test_the_report_json_keeps_the_deployment_and_sections() -> None:
    report = with_deploy(rolled_back(), sections=(Section("load-test", "### Load test ✅ passed"),))
    again = Report.from_json(report.to_json())
    assert again.deploy == report.deploy
    assert again.sections == report.sections
    assert "### Load test ✅ passed" in render(again)


def test_what_runs_is_said_unknown_when_it_is() -> None:
    lost = DeploySummary(
        target="t", url="https://stg", image=NEW, outcome="failed", running_unknown=True,
        error="lost the SSH connection to deploy@stg:22",
    )  # fmt: skip
    section = render(with_deploy(lost)).split("### Staging deployment", 1)[1]
    assert "**running now**: unknown (see why below): check the host" in section
    assert dict(facts(with_deploy(lost)))["Staging"].endswith(
        "what runs now is unknown: check the host"
    )
