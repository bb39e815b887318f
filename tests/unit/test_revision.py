import subprocess
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from main.core.errors import PipelineError
from main.core.revision import (
    GIT_LOG_FORMAT,
    Revision,
    git_ref_problem,
    parse_git_log,
    rfc3339,
)
from tests.support.constants import SHA


def test_git_log_line_gives_sha_and_utc_commit_time() -> None:
    # 1760538652 is 2025-10-15 14:30:52 UTC, the example.
    assert parse_git_log(f"{SHA} 1760538652\n") == Revision(
        sha=SHA, committed_at=datetime(2025, 10, 15, 14, 30, 52, tzinfo=UTC)
    )


def test_the_format_asked_of_git_is_the_one_parsed() -> None:
    assert GIT_LOG_FORMAT == "%H %ct"


def test_sha256_repositories_are_read_too() -> None:
    sha = "ab" * 32
    assert parse_git_log(f"{sha} 0").sha == sha


@pytest.mark.parametrize(
    "output",
    ["", "fatal: your current branch 'main' does not have any commits yet", f"{SHA[:7]} 1", SHA],
)
def test_anything_else_is_refused_with_what_git_said(output: str) -> None:
    with pytest.raises(PipelineError, match="cannot read the commit"):
        parse_git_log(output)


def test_rfc3339_is_utc_with_z() -> None:
    cest = datetime(2025, 10, 15, 16, 30, 52, tzinfo=timezone(timedelta(hours=2)))
    assert rfc3339(cest) == "2025-10-15T14:30:52Z"
    assert rfc3339(datetime(2025, 10, 15, 14, 30, 52)) == "2025-10-15T14:30:52Z"  # noqa: DTZ001


def _git(repo: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("seconds", ["253402300800", "99999999999999999"])
def test_a_commit_dated_past_year_9999_by_real_git_is_one_line(
    tmp_path: Path, seconds: str
) -> None:
    # git stores any committer time; a crafted (or clock-broken) commit must not crash
    # the build with an OverflowError, OSError or ValueError traceback.
    _git(tmp_path, "init", "-q")
    tree = _git(tmp_path, "write-tree").strip()
    who = f"x <x@example.invalid> {seconds} +0000"
    body = f"tree {tree}\nauthor {who}\ncommitter {who}\n\nfrom the far future\n"
    commit = _git(tmp_path, "hash-object", "-t", "commit", "-w", "--stdin", stdin=body).strip()
    output = _git(tmp_path, "log", "-1", f"--format={GIT_LOG_FORMAT}", commit)
    with pytest.raises(PipelineError, match="commit time") as caught:
        parse_git_log(output)
    assert commit[:7] in str(caught.value)


def test_rfc3339_has_four_year_digits() -> None:
    assert rfc3339(datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0999-01-02T03:04:05Z"


REFS = [
    "main",
    "feature/ünïcode",
    "fix/$(id)",
    "user/a+b",
    "v1.0.0",
    "refs/heads/release/1.0",
    "main:evil",
    "feature/a b",
    "release/1..2",
    "HEAD@{1}",
    "feature/",
    "/feature",
    "a.lock",
    "a/b.lock/c",
    "ref~1",
    "ref^{}",
    "a*b",
    "a?b",
    "a[b",
    "@",
    "a/.b",
    ".a",
    "a//b",
    "a.",
    "a\\b",
    "tab\there",
    "del\x7f",
]


@pytest.mark.parametrize("ref", REFS)
def test_ref_rules_agree_with_real_git(ref: str) -> None:
    done = subprocess.run(
        ["git", "check-ref-format", "--allow-onelevel", ref],
        capture_output=True,
        check=False,
    )
    assert (git_ref_problem(ref) is None) == (done.returncode == 0)


@pytest.mark.parametrize("ref", ["-x", "--upload-pack=touch /tmp/x", ""])
def test_an_option_or_nothing_is_no_ref(ref: str) -> None:
    assert git_ref_problem(ref) is not None
