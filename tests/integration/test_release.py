"""The release workflow: a tag names a version the module has and the CHANGELOG lists."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.constants import REPO_ROOT
from tests.support.workflows import (
    WORKFLOW_DIRS,
    StepRun,
    dagger_step,
    jobs,
    load,
    run_step,
    step,
)

RELEASE = WORKFLOW_DIRS[0] / "release.yml"
NOTES = REPO_ROOT / "scripts" / "release-notes"

CHANGELOG = """\
# Changelog

## [Unreleased]

### Added

- Something new.

## [1.2.0] - 2026-12-24

### Fixed

- A thing that broke.

## [1.10.0-rc.1] - 2026-12-20

- A candidate.

## [0.9.0]

- No date.

## [0.8.0] - 2026-11-01

## [0.7.0] - 2026-10-01

- The oldest.

[1.2.0]: https://example.com/v1.2.0
"""


def notes(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """scripts/release-notes in a copy of the repository holding only CHANGELOG above."""
    (tmp_path / "scripts").mkdir(exist_ok=True)
    shutil.copy(NOTES, tmp_path / "scripts" / "release-notes")
    (tmp_path / "CHANGELOG.md").write_text(CHANGELOG, encoding="utf-8")
    return subprocess.run(
        [tmp_path / "scripts" / "release-notes", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def test_the_notes_are_the_versions_entry_without_its_heading(tmp_path: Path) -> None:
    result = notes(tmp_path, "1.2.0")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "### Fixed\n\n- A thing that broke.\n"
    assert notes(tmp_path, "0.7.0").stdout == "- The oldest.\n", "the last entry ends at links"
    assert notes(tmp_path, "1.10.0-rc.1").stdout == "- A candidate.\n"


@pytest.mark.parametrize(
    ("version", "status", "said"),
    [
        ("2.0.0", 1, "CHANGELOG.md has no entry for 2.0.0: add '## [2.0.0] - YYYY-MM-DD'"),
        ("1.2", 2, "not a version X.Y.Z"),
        ("1.2.0; touch ran", 2, "not a version X.Y.Z"),
        ("0.9.0", 1, "the entry for 0.9.0 has no date"),
        ("0.8.0", 1, "the entry for 0.8.0 is empty"),
        ("1x2y0", 2, "not a version X.Y.Z"),
        ("Unreleased", 2, "not a version X.Y.Z"),
    ],
)
def test_a_missing_bad_or_empty_entry_is_one_line(
    tmp_path: Path, version: str, status: int, said: str
) -> None:
    result = notes(tmp_path, version)
    assert result.returncode == status
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert said in line
    assert not (tmp_path / "ran").exists()


def test_the_repositorys_changelog_has_the_current_version() -> None:
    version = load_version()
    result = subprocess.run(
        [NOTES, version], capture_output=True, text=True, check=False, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert "## [Unreleased]" in (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def load_version() -> str:
    import tomllib  # noqa: PLC0415 - only this test reads it

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    version: str = project["project"]["version"]
    return version


# --- the workflow ---------------------------------------------------------------------------


def release_job() -> dict[str, Any]:
    [job] = jobs(load(RELEASE)).values()
    return job


def test_it_runs_on_a_version_tag_or_by_hand_with_a_version() -> None:
    workflow = load(RELEASE)
    assert workflow["on"]["push"] == {"tags": ["v*"]}
    inputs = workflow["on"]["workflow_dispatch"]["inputs"]
    assert inputs["version"]["required"] is True
    assert workflow["permissions"] == {}
    assert release_job()["permissions"] == {"contents": "write"}


def test_the_module_itself_says_its_version() -> None:
    dagger = dagger_step(release_job())
    assert dagger["with"]["call"].split() == ["--output", "module-version.txt", "version"]
    assert "module" not in dagger["with"], "the module of this checkout, at the tagged commit"
    assert "env" not in dagger, "no token reaches the engine"


def check(tmp_path: Path, env: dict[str, str], module_version: str = "1.2.0") -> StepRun:
    (tmp_path / "module-version.txt").write_text(module_version, encoding="utf-8")
    notes(tmp_path, "--help")  # lays out scripts/ and CHANGELOG.md
    return run_step(step(release_job(), "check"), tmp_path, env)


@pytest.mark.parametrize(
    "env",
    [
        {"EVENT_NAME": "push", "REF_NAME": "v1.2.0", "GITHUB_REF": "refs/tags/v1.2.0"},
        {"EVENT_NAME": "workflow_dispatch", "VERSION": "1.2.0", "GITHUB_REF": "refs/heads/main"},
    ],
    ids=["tag-push", "dispatch"],
)
def test_a_version_the_module_has_and_the_changelog_lists_is_released(
    tmp_path: Path, env: dict[str, str]
) -> None:
    ran = check(tmp_path, env)
    assert ran.returncode == 0, ran.stdout
    assert ran.output_lines == ["tag=v1.2.0"]
    notes_file = tmp_path / "release-notes.md"
    assert notes_file.read_text(encoding="utf-8") == "### Fixed\n\n- A thing that broke.\n"


@pytest.mark.parametrize(
    ("env", "module_version", "said"),
    [
        (
            {"EVENT_NAME": "push", "REF_NAME": "v1.2.0", "GITHUB_REF": "refs/tags/v1.2.0"},
            "1.3.0",
            "tag v1.2.0, but the module's pyproject.toml says 1.3.0",
        ),
        (
            {"EVENT_NAME": "push", "REF_NAME": "v2.0.0", "GITHUB_REF": "refs/tags/v2.0.0"},
            "2.0.0",
            "CHANGELOG.md has no entry for 2.0.0",
        ),
        (
            {"EVENT_NAME": "workflow_dispatch", "VERSION": "1.2.0", "GITHUB_REF": "refs/heads/x"},
            "1.2.0",
            "release from main only",
        ),
        (
            {
                "EVENT_NAME": "workflow_dispatch",
                "VERSION": '1.2.0" $(touch ran) `touch ran`; touch ran #',
                "GITHUB_REF": "refs/heads/main",
            },
            "1.2.0",
            "not a version X.Y.Z",
        ),
    ],
    ids=["not-the-modules-version", "no-changelog-entry", "not-from-main", "hostile-input"],
)
def test_anything_else_stops_before_a_release_with_one_line(
    tmp_path: Path, env: dict[str, str], module_version: str, said: str
) -> None:
    ran = check(tmp_path, env, module_version)
    assert ran.returncode != 0
    assert said in ran.stdout
    assert ran.output_lines == []
    assert not (tmp_path / "ran").exists(), "nothing an input said was run"


def test_the_release_is_created_with_the_checked_notes_and_the_token_only_there() -> None:
    job = release_job()
    create = step(job, "Create the GitHub release")
    assert create["env"]["GH_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"  # noqa: S105
    assert create["env"]["TAG"] == "${{ steps.check.outputs.tag }}"
    assert "--notes-file release-notes.md" in create["run"]
    assert "--verify-tag" in create["run"], "a pushed tag is released as it is"
    holders = [s.get("name") for s in job["steps"] if "GITHUB_TOKEN" in str(s)]
    assert holders == ["Create the GitHub release"]
    checkout = job["steps"][0]
    assert checkout["with"]["persist-credentials"] is False
