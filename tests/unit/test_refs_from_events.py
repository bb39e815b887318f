"""Refs from events and dispatch inputs: only names git accepts.

Never an option, never a shell metacharacter, and commits from payloads only as full
shas.
"""

import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from main.core.errors import PipelineError
from main.core.triggers import decide, load_payload, ref_problem
from tests.support.github_events import HEAD_SHA, dispatch, pull_request

GIT = shutil.which("git")


def git_accepts(ref: str) -> bool:
    assert GIT is not None
    done = subprocess.run(
        [GIT, "check-ref-format", "--allow-onelevel", f"refs/heads/{ref}"],
        capture_output=True,
        check=False,
        timeout=10,
    )
    return done.returncode == 0


@pytest.mark.parametrize(
    "ref",
    ["x.lock", "a//b", "feature/", "a..b", ".hidden", "a/.b", "ends.", "-rf", "a b", "a;b",
     "$(id)", "`id`", "a|b", "a~1", "a^", "a:b", "a?b", "a*b", "a[b", "a\\b", "@{-1}", "a\nb"],
)  # fmt: skip
def test_dispatch_refs_git_or_a_shell_would_refuse_are_one_line(ref: str) -> None:
    with pytest.raises(PipelineError, match="is not a git branch, tag or commit name") as caught:
        decide("workflow_dispatch", dispatch({"ref": ref}))
    assert "\n" not in str(caught.value)


@pytest.mark.skipif(GIT is None, reason="git is not installed: the property needs it")
@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="ab.-_/~:@{}x ", min_size=1, max_size=12))
def test_every_ref_we_accept_git_accepts(ref: str) -> None:
    if ref_problem(ref) is None:
        assert git_accepts(ref), ref


@pytest.mark.parametrize("sha", ["--upload-pack=evil", "HEAD", "abc123", "$(id)" + "0" * 35])
def test_a_push_after_that_is_not_a_full_sha_is_malformed(sha: str) -> None:
    payload = {"ref": "refs/heads/develop", "after": sha, "deleted": False}
    with pytest.raises(PipelineError, match="'after' is not a full commit sha"):
        decide("push", payload)


def test_a_pull_request_head_that_is_not_a_full_sha_is_malformed() -> None:
    payload = pull_request()
    payload["pull_request"]["head"]["sha"] = "-x" + HEAD_SHA[2:]
    with pytest.raises(PipelineError, match=r"pull_request\.head\.sha' is not a full commit sha"):
        decide("pull_request", payload)


def test_a_deeply_nested_event_file_is_one_line() -> None:
    with pytest.raises(PipelineError, match="nested deeper") as caught:
        load_payload("[" * 100_000 + "]" * 100_000)
    assert "\n" not in str(caught.value)
