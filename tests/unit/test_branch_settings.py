"""A team on dev/master/trunk uses the module: the branches are settings, not constants.

Today's names stay the defaults (develop deploys staging, PRs to main may be labeled,
feature/** bugfix/** chore/** release/** run CI, release/** publishes production).
"""

from dataclasses import replace

import pytest

from main.core.errors import PipelineError
from main.core.triggers import Branches, decide, decide_ci, publishes_production
from tests.support.github_events import HEAD_SHA, dispatch, pull_request, push

SHA = "a" * 40
TRUNK = Branches(
    staging="dev",
    production="trunk",
    ci_patterns=("topic/**", "rel/*"),
    release_pattern="rel/*",
)


def test_a_push_to_the_configured_staging_branch_deploys() -> None:
    decision = decide("push", push("refs/heads/dev", after=SHA), branches=TRUNK)
    assert decision.should_deploy
    assert decision.ref == SHA
    assert decision.rule == "branch"


def test_a_push_to_develop_does_not_deploy_when_the_staging_branch_is_dev() -> None:
    decision = decide("push", push("refs/heads/develop", after=SHA), branches=TRUNK)
    assert not decision.should_deploy
    assert decision.rule == "branch"
    assert "only pushes to dev deploy" in decision.reason


def test_a_dispatch_without_a_ref_deploys_the_staging_branch() -> None:
    decision = decide("workflow_dispatch", dispatch({}), branches=TRUNK)
    assert decision.ref == "dev"


def test_a_labeled_pr_must_target_the_production_branch() -> None:
    to_trunk = pull_request(base_ref="trunk")
    to_main = pull_request(base_ref="main")
    accepted = decide("pull_request", to_trunk, branches=TRUNK)
    assert accepted.should_deploy
    assert accepted.ref == HEAD_SHA
    refused = decide("pull_request", to_main, branches=TRUNK)
    assert not refused.should_deploy
    assert refused.rule == "base"


def test_the_rule_that_decided_is_named() -> None:
    fork = pull_request(head_repo="someone/fork")
    assert decide("pull_request", fork).rule == "fork"
    other_label = pull_request(label="wip")
    assert decide("pull_request", other_label).rule == "label"
    assert decide("schedule", {}).rule == "event"


def test_ci_runs_on_the_configured_patterns_and_publishes_on_the_release_one() -> None:
    topic = decide_ci("push", push("refs/heads/topic/x/y", after=SHA), branches=TRUNK)
    assert topic.should_run
    assert not topic.publishes_production
    release = decide_ci("push", push("refs/heads/rel/2", after=SHA), branches=TRUNK)
    assert release.should_run
    assert release.publishes_production
    assert not decide_ci("push", push("refs/heads/feature/x", after=SHA), branches=TRUNK).should_run
    assert publishes_production("rel/2", branches=TRUNK)
    assert not publishes_production("release/2", branches=TRUNK)


def test_defaults_are_todays_names() -> None:
    default = Branches()
    assert default.staging == "develop"
    assert default.production == "main"
    assert default.ci_patterns == ("feature/**", "bugfix/**", "chore/**", "release/**")
    assert default.release_pattern == "release/**"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("staging", ""),
        ("staging", "-x"),
        ("production", "a..b"),
        ("release_pattern", "rel/$(x)"),
    ],
)
def test_a_branch_name_git_refuses_is_one_line(field: str, value: str) -> None:
    with pytest.raises(PipelineError, match=field.replace("_", "-")):
        replace(Branches(), **{field: value})  # type: ignore[arg-type]


def test_no_ci_pattern_is_refused() -> None:
    with pytest.raises(PipelineError, match="ci-patterns"):
        Branches(ci_patterns=())
