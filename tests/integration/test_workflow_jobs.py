"""The templates' job shape: decide first without an environment, then deploy; one report step.

An environment's protection rules (required reviewers, wait timer, deployment
branches) apply when a job that names it starts. The decision therefore runs in a job
of its own, outside the environment, so reviewers are asked only for runs that deploy
and a "develop only" branch rule cannot block a dispatch or a labeled pull request
before the module has decided. Every job that calls the module is three steps: check
out, one Dagger call, one report step (job summary and environment URL together).
"""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.workflows import (
    WORKFLOW_DIRS,
    call_argv,
    dagger_step,
    is_dagger,
    jobs,
    load,
    run_step,
)

TEMPLATES = WORKFLOW_DIRS[1]
MODULE_JOBS = ["ci.yml", "deploy-staging.yml", "deploy-host.yml"]
SHOULD_DEPLOY = "${{ fromJSON(steps.decide.outputs.output).should_deploy }}"


def staging() -> dict[str, Any]:
    return load(TEMPLATES / "deploy-staging.yml")


@pytest.mark.parametrize("name", MODULE_JOBS)
def test_every_job_calling_the_module_is_checkout_dagger_and_one_report(name: str) -> None:
    for job_name, job in jobs(load(TEMPLATES / name)).items():
        steps = job["steps"]
        assert len(steps) == 3, f"{name} {job_name}: {[s.get('name') for s in steps]}"
        check_out, dagger, report = steps
        assert check_out["uses"].startswith("actions/checkout@")
        assert is_dagger(dagger)
        assert "run" in report, f"{name} {job_name}: the report is a shell step"
        assert report["if"] == "always()", "a failed call still reports"


def test_deploy_staging_decides_in_a_job_without_an_environment(tmp_path: Path) -> None:
    workflow = jobs(staging())
    assert list(workflow) == ["decide", "deploy-staging"]
    decide = workflow["decide"]
    assert "environment" not in decide, "protection rules must not gate the decision"
    assert decide["permissions"] == {"contents": "read"}, "it reads settings, pushes nothing"
    assert decide["outputs"] == {"should-deploy": SHOULD_DEPLOY}
    dagger = dagger_step(decide)
    assert dagger["id"] == "decide"
    argv = call_argv(dagger, {"EVENT_NAME": "push", "GITHUB_EVENT_PATH": "/e.json"}, tmp_path)
    assert argv == [
        "--source", ".", "--repo", ".", "check-trigger",
        "--event-name", "push", "--event", "/e.json", "json",
    ]  # fmt: skip


def test_the_deploy_job_runs_in_the_environment_only_when_the_decision_says_so() -> None:
    deploy = jobs(staging())["deploy-staging"]
    assert deploy["needs"] == "decide"
    assert deploy["if"] == "needs.decide.outputs.should-deploy == 'true'"
    assert deploy["environment"]["name"] == "staging"


@pytest.mark.parametrize(
    ("decision", "verdict"),
    [
        (
            {"should_deploy": True, "ref": "a" * 40, "rule": "branch",
             "reason": "push to develop (commit aaaaaaa)"},
            "deploys",
        ),
        (
            {"should_deploy": False, "ref": "b" * 40, "rule": "label",
             "reason": "pull request #4 got the label '<b>wip</b>', not 'deploy-to-staging'"},
            "does not deploy",
        ),
    ],
    ids=["deploys", "held-back"],
)  # fmt: skip
def test_the_decide_report_says_what_was_decided_and_by_which_rule(
    decision: dict[str, Any], verdict: str, tmp_path: Path
) -> None:
    report = jobs(staging())["decide"]["steps"][2]
    assert report["env"]["DECISION"] == "${{ steps.decide.outputs.output }}"
    output = json.dumps({"event_name": "push", "skip_tests": False, **decision}, indent=2)
    ran = run_step(report, tmp_path, env={"DECISION": output + "\n"})
    assert ran.returncode == 0, ran.stdout
    assert verdict in ran.summary
    assert f"rule: <code>{decision['rule']}</code>" in ran.summary
    assert "<b>" not in ran.summary, "the payload's text is escaped"
    assert "&lt;b&gt;wip&lt;/b&gt;" in ran.summary or decision["should_deploy"]


def test_the_decide_report_fails_without_a_decision(tmp_path: Path) -> None:
    report = jobs(staging())["decide"]["steps"][2]
    ran = run_step(report, tmp_path, env={"DECISION": ""})
    assert ran.returncode == 1
    assert ran.stdout.startswith("::error title=No decision::")


def test_manual_host_requests_are_never_dropped_by_a_concurrency_group() -> None:
    # GitHub keeps one pending run per group and cancels the older pending one: a
    # requested deploy or rollback would vanish. The host's lock orders them instead.
    host = load(TEMPLATES / "deploy-host.yml")
    assert "concurrency" not in host
    assert all("concurrency" not in job for job in jobs(host).values())


def test_staging_queues_only_its_deploy_job_and_says_what_is_dropped() -> None:
    workflow = staging()
    assert "concurrency" not in workflow, "a decision never waits behind a deployment"
    assert "concurrency" not in jobs(workflow)["decide"]
    deploy = jobs(workflow)["deploy-staging"]
    assert deploy["concurrency"] == {"group": "staging-deployment", "cancel-in-progress": False}
    text = (TEMPLATES / "deploy-staging.yml").read_text(encoding="utf-8")
    assert "one pending" in text
    assert "cancelled" in text


@pytest.mark.parametrize("name", ["deploy-staging.yml", "deploy-host.yml"])
def test_the_templates_say_which_protection_rules_fit(name: str) -> None:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    for rule in ("Required reviewers", "Wait timer", "Deployment branches"):
        assert rule in text, f"{name}: say how {rule!r} fits"
