import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.errors import PipelineError
from main.core.triggers import (
    CI_BRANCH_PATTERNS,
    decide,
    decide_ci,
    load_payload,
    matches_branch_glob,
    publishes_production,
)
from tests.support.github_events import HEAD_SHA, SHA, ZERO, dispatch, pull_request, push

# --- push -----------------------------------------------------------------------------


def test_a_push_to_develop_deploys_the_pushed_commit() -> None:
    decision = decide("push", push())
    assert decision.should_deploy
    assert decision.ref == SHA
    assert not decision.skip_tests
    assert "develop" in decision.reason
    assert SHA[:7] in decision.reason


@pytest.mark.parametrize(
    "ref",
    ["refs/heads/main", "refs/heads/feature/develop", "refs/heads/develop-2", "refs/tags/develop"],
)
def test_a_push_elsewhere_does_not_deploy(ref: str) -> None:
    decision = decide("push", push(ref))
    assert not decision.should_deploy
    assert ref in decision.reason
    assert "only pushes to develop deploy" in decision.reason


def test_deleting_develop_does_not_deploy() -> None:
    decision = decide("push", push(deleted=True))
    assert not decision.should_deploy
    assert "deleted develop" in decision.reason


def test_a_zero_after_sha_counts_as_a_deletion_even_without_the_flag() -> None:
    payload = push()
    payload["after"] = ZERO
    assert not decide("push", payload).should_deploy


# --- workflow_dispatch ----------------------------------------------------------------


def test_a_dispatch_without_inputs_deploys_develop() -> None:
    decision = decide("workflow_dispatch", dispatch())
    assert decision.should_deploy
    assert decision.ref == "develop"
    assert not decision.skip_tests
    assert "manual dispatch of develop" in decision.reason


@pytest.mark.parametrize("ref", ["", "  ", None])
def test_an_empty_ref_input_means_develop(ref: str | None) -> None:
    assert decide("workflow_dispatch", dispatch({"ref": ref})).ref == "develop"


@pytest.mark.parametrize("ref", ["feature/login", "v1.2.0", SHA, "release/1.0"])
def test_a_dispatch_deploys_its_ref_input_as_given(ref: str) -> None:
    decision = decide("workflow_dispatch", dispatch({"ref": ref, "skip_tests": "false"}))
    assert decision.should_deploy
    assert decision.ref == ref


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("false", False), ("True", True), (" FALSE ", False), (True, True),
     (False, False), (None, False), ("", False)],
)  # fmt: skip
def test_skip_tests_arrives_as_string_or_boolean(value: object, expected: bool) -> None:  # noqa: FBT001
    decision = decide("workflow_dispatch", dispatch({"ref": "develop", "skip_tests": value}))
    assert decision.skip_tests is expected
    assert ("tests skipped" in decision.reason) is expected


@pytest.mark.parametrize("value", ["yes", "1", 1, [], {"x": 1}])
def test_a_skip_tests_that_is_not_a_boolean_is_refused(value: object) -> None:
    with pytest.raises(PipelineError, match=r"inputs\.skip_tests must be true or false"):
        decide("workflow_dispatch", dispatch({"skip_tests": value}))


@pytest.mark.parametrize("ref", ["--upload-pack=evil", "main..develop", "a b", "x;rm -rf /", "-x"])
def test_a_ref_input_that_no_git_ref_looks_like_is_refused(ref: str) -> None:
    with pytest.raises(PipelineError, match="is not a git branch, tag or commit name"):
        decide("workflow_dispatch", dispatch({"ref": ref}))


@pytest.mark.parametrize("inputs", [["develop"], "develop", 3])
def test_inputs_that_are_not_an_object_are_malformed(inputs: object) -> None:
    payload = dispatch()
    payload["inputs"] = inputs
    with pytest.raises(PipelineError, match="malformed workflow_dispatch payload: 'inputs'"):
        decide("workflow_dispatch", payload)


def test_a_ref_input_that_is_not_a_string_is_malformed() -> None:
    with pytest.raises(PipelineError, match=r"'inputs\.ref' must be a string"):
        decide("workflow_dispatch", dispatch({"ref": 7}))


# --- pull_request ---------------------------------------------------------------------


def test_labeling_a_pr_to_main_deploys_its_head_commit() -> None:
    decision = decide("pull_request", pull_request())
    assert decision.should_deploy
    assert decision.ref == HEAD_SHA
    assert "#42" in decision.reason
    assert "deploy-to-staging" in decision.reason


def test_the_label_is_configurable() -> None:
    payload = pull_request(label="staging please")
    assert decide("pull_request", payload, label="staging please").should_deploy
    assert not decide("pull_request", payload).should_deploy


def test_another_label_does_not_deploy() -> None:
    decision = decide("pull_request", pull_request(label="bug"))
    assert not decision.should_deploy
    assert "'bug', not 'deploy-to-staging'" in decision.reason


@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened", "unlabeled", "closed"])
def test_other_pr_actions_do_not_deploy(action: str) -> None:
    decision = decide("pull_request", pull_request(action))
    assert not decision.should_deploy
    assert f"was {action}" in decision.reason


def test_a_pr_to_another_base_does_not_deploy() -> None:
    decision = decide("pull_request", pull_request(base_ref="develop"))
    assert not decision.should_deploy
    assert "targets develop" in decision.reason


def test_a_pr_from_a_fork_never_deploys_and_says_so() -> None:
    decision = decide("pull_request", pull_request(head_repo="mallory/mcp-server"))
    assert not decision.should_deploy
    assert "fork mallory/mcp-server" in decision.reason
    assert "forks never deploy" in decision.reason


def test_a_pr_whose_fork_was_deleted_counts_as_a_fork() -> None:
    decision = decide("pull_request", pull_request(head_repo=None))
    assert not decision.should_deploy
    assert "forks never deploy" in decision.reason


def test_skip_tests_is_only_for_dispatch() -> None:
    assert not decide("pull_request", pull_request()).skip_tests
    assert not decide("push", push()).skip_tests


# --- everything else ------------------------------------------------------------------


@pytest.mark.parametrize(
    "event_name", ["pull_request_target", "schedule", "release", "issue_comment", "merge_group"]
)
def test_other_events_never_deploy(event_name: str) -> None:
    decision = decide(event_name, {"action": "created", "repository": {}})
    assert not decision.should_deploy
    assert decision.ref == ""
    assert event_name in decision.reason


def test_an_empty_event_name_is_refused() -> None:
    with pytest.raises(PipelineError, match="no event name: pass --event-name"):
        decide("  ", push())


# --- malformed payloads ---------------------------------------------------------------


def _without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    node = payload
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return payload


@pytest.mark.parametrize(
    ("event_name", "payload", "expected"),
    [
        ("push", _without(push(), "ref"), "'ref' must be a non-empty string"),
        ("push", _without(push(), "after"), "'after' must be a non-empty string"),
        ("push", {**push(), "ref": 3}, "'ref' must be a non-empty string"),
        ("pull_request", _without(pull_request(), "action"), "'action'"),
        ("pull_request", _without(pull_request(), "pull_request"), "'pull_request' must be an"),
        ("pull_request", _without(pull_request(), "pull_request", "head"), "'head' must be an"),
        ("pull_request", _without(pull_request(), "pull_request", "base"), "'base' must be an"),
        ("pull_request", _without(pull_request(), "pull_request", "head", "sha"), "head.sha"),
        ("pull_request", _without(pull_request(), "pull_request", "base", "ref"), "base.ref"),
        ("pull_request", _without(pull_request(), "label"), "'label' must be an object"),
        ("pull_request", _without(pull_request(), "label", "name"), "'label.name'"),
        (
            "pull_request",
            _without(pull_request(), "pull_request", "base", "repo"),
            "base.repo.full_name' is missing",
        ),
    ],
)
def test_malformed_payloads_are_one_clear_value_error(
    event_name: str, payload: dict[str, Any], expected: str
) -> None:
    with pytest.raises(ValueError, match=f"malformed {event_name} payload") as raised:
        decide(event_name, payload)
    assert expected in str(raised.value)
    assert "$GITHUB_EVENT_PATH" in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("payload", [[], "push", None, 7])
def test_a_payload_that_is_not_an_object_is_malformed(payload: Any) -> None:  # noqa: ANN401
    with pytest.raises(PipelineError, match="expected a JSON object"):
        decide("push", payload)


def test_a_non_object_head_repo_is_malformed() -> None:
    payload = pull_request()
    payload["pull_request"]["head"]["repo"] = "acme/mcp-server"
    with pytest.raises(PipelineError, match=r"'pull_request\.head\.repo' must be an object"):
        decide("pull_request", payload)


# --- the CI workflow ------------------------------------------------------------------


@pytest.mark.parametrize(
    "branch", ["feature/login", "bugfix/x", "chore/deps", "release/1.0", "feature/a/b"]
)
def test_ci_runs_on_pushes_to_work_branches(branch: str) -> None:
    decision = decide_ci("push", push(f"refs/heads/{branch}"))
    assert decision.should_run
    assert decision.ref == SHA
    assert decision.publishes_production is branch.startswith("release/")


@pytest.mark.parametrize(
    "ref",
    ["refs/heads/main", "refs/heads/develop", "refs/heads/feature", "refs/tags/release/1.0",
     "refs/heads/features/x", "refs/heads/hotfix/y"],
)  # fmt: skip
def test_ci_does_not_run_on_other_pushes(ref: str) -> None:
    decision = decide_ci("push", push(ref))
    assert not decision.should_run
    assert "CI runs on pushes to feature/**, bugfix/**, chore/**, release/**" in decision.reason


def test_ci_ignores_a_deleted_branch() -> None:
    decision = decide_ci("push", push("refs/heads/feature/x", deleted=True))
    assert not decision.should_run
    assert "deleted feature/x" in decision.reason


@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened"])
def test_ci_runs_on_prs_to_main_and_never_publishes(action: str) -> None:
    decision = decide_ci("pull_request", pull_request(action, head_ref="release/2.0"))
    assert decision.should_run
    assert decision.ref == HEAD_SHA
    assert not decision.publishes_production


def test_ci_runs_on_prs_from_forks_too() -> None:
    decision = decide_ci("pull_request", pull_request("opened", head_repo="mallory/x"))
    assert decision.should_run
    assert not decision.publishes_production


def test_ci_skips_prs_to_other_bases_and_label_changes() -> None:
    assert not decide_ci("pull_request", pull_request("opened", base_ref="develop")).should_run
    labeled = decide_ci("pull_request", pull_request("labeled"))
    assert not labeled.should_run
    assert "did not change" in labeled.reason


def test_ci_ignores_other_events_and_refuses_malformed_ones() -> None:
    assert not decide_ci("workflow_dispatch", dispatch()).should_run
    with pytest.raises(PipelineError, match="malformed push payload"):
        decide_ci("push", {"ref": "refs/heads/feature/x"})
    with pytest.raises(PipelineError, match="no event name"):
        decide_ci("", push())


# --- publishing rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "publishes"),
    [("release/1.0", True), ("refs/heads/release/1.0", True), ("release/1/rc1", True),
     ("release", False), ("release/", False), ("refs/tags/release/1.0", False),
     ("refs/pull/7/merge", False), ("main", False), ("feature/release/1", False),
     (SHA, False), ("  refs/heads/release/x  ", True)],
)  # fmt: skip
def test_only_release_branches_publish_production(ref: str, publishes: bool) -> None:  # noqa: FBT001
    assert publishes_production(ref) is publishes


@given(st.text(alphabet="abcxyz019-._/", min_size=1, max_size=30))
def test_double_star_patterns_match_exactly_the_prefix_and_something(rest: str) -> None:
    for pattern in CI_BRANCH_PATTERNS:
        prefix = pattern.removesuffix("**")
        assert matches_branch_glob(prefix + rest, pattern)
        assert not matches_branch_glob(rest, pattern) or rest.startswith(prefix)


def test_single_star_stays_within_one_segment() -> None:
    assert matches_branch_glob("feature/x", "feature/*")
    assert not matches_branch_glob("feature/x/y", "feature/*")


# --- reading the event file -----------------------------------------------------------


def test_an_event_file_is_read_as_the_payload_it_holds() -> None:
    text = json.dumps(pull_request())
    assert decide("pull_request", load_payload(text)).should_deploy
    assert load_payload(text.encode()) == pull_request()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("{not json", "is not JSON"), ("[1, 2]", "holds a JSON list"), ("", "is not JSON"),
     (b"\xff\xfe", "is not JSON"), ('"push"', "holds a JSON str")],
)  # fmt: skip
def test_an_event_file_that_is_not_a_json_object_is_one_clear_error(
    text: str | bytes, expected: str
) -> None:
    with pytest.raises(PipelineError, match=expected) as raised:
        load_payload(text, source="./event.json")
    assert str(raised.value).startswith("./event.json ")
