"""Notifications carry the actor (the seed's Slack example: status, commit, actor).

The actor is who started the run: the event's ``sender.login``, or ``$GITHUB_ACTOR``
passed by the workflow. It is said in every notification format and in the summary.
"""

import json

import pytest

from main.core.report.markdown import render
from main.core.report.model import Report
from main.core.report.notify import KINDS, build_payload, facts
from main.core.triggers import actor_of
from tests.support.github_events import dispatch, pull_request, push
from tests.support.reports import failing_report, passing_report


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("report", [passing_report(), failing_report()], ids=["passed", "failed"])
def test_every_notification_format_names_the_actor(kind: str, report: Report) -> None:
    payload = json.dumps(build_payload(kind, report.with_values(actor="octocat")))
    assert "octocat" in payload
    assert "Actor" in payload


@pytest.mark.parametrize("kind", KINDS)
def test_without_an_actor_nothing_is_said(kind: str) -> None:
    assert "Actor" not in json.dumps(build_payload(kind, passing_report()))


def test_the_actor_comes_right_after_the_commit_so_no_field_limit_cuts_it() -> None:
    names = [name for name, _ in facts(passing_report().with_values(actor="octocat"))]
    assert names[:3] == ["Ref", "Commit", "Actor"]


def test_the_summary_and_the_json_carry_the_actor() -> None:
    report = passing_report().with_values(actor="octocat")
    assert "**actor**: `octocat`" in render(report)
    assert Report.from_json(report.to_json()).actor == "octocat"
    assert Report.from_json(passing_report().to_json()).actor == ""


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (push(), "octocat"),
        (dispatch({}), "octocat"),
        (pull_request(), "octocat"),
        ({"sender": {"login": "dependabot[bot]"}}, "dependabot[bot]"),
        ({"sender": {"login": "<img src=x>"}}, ""),
        ({"sender": {"login": "a" * 200}}, ""),
        ({"sender": "octocat"}, ""),
        ({}, ""),
    ],
    ids=["push", "dispatch", "pull-request", "bot", "markup", "too-long", "not-object", "none"],
)
def test_the_actor_is_the_events_sender_when_it_is_a_github_login(
    payload: dict[str, object], expected: str
) -> None:
    assert actor_of(payload) == expected
