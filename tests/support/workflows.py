"""GitHub workflow files for the checks: read as GitHub reads them, run as GitHub runs them.

Read as YAML 1.2 (`on` stays a key); their shell runs as the runner runs a `run:` step and
as the Dagger action pastes `call:` into a bash line.
"""

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tests.support.constants import REPO_ROOT

WORKFLOW_DIRS = (REPO_ROOT / ".github" / "workflows", REPO_ROOT / ".github" / "workflow-templates")
DAGGER_ACTION = "dagger/dagger-for-github"
DAGGER_VERSION = "0.21.11"
# A `uses:` line in a comment (a step the user may add) is held to the same pinning.
PINNED = re.compile(
    r"^\s*(?:#\s*)?(?:-\s+)?uses:\s+(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>\S+)(?P<rest>.*)$"
)
VERSION_COMMENT = re.compile(r"\s+#\s+v\d+\.\d+\.\d+\s*$")
SHA = re.compile(r"[0-9a-f]{40}")


def workflow_files() -> list[Path]:
    return sorted(p for d in WORKFLOW_DIRS for p in d.glob("*.yml"))


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    return data


def jobs(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = workflow["jobs"]
    return found


def is_dagger(step: dict[str, Any]) -> bool:
    return str(step.get("uses", "")).startswith(f"{DAGGER_ACTION}@")


def writes_summary(step: dict[str, Any]) -> bool:
    return "GITHUB_STEP_SUMMARY" in str(step.get("run", ""))


def problems(path: Path) -> list[str]:
    """Every rule of the house a workflow file breaks, one line each (empty: none)."""
    found = [f"{path.name}:{n}: {line.strip()}" for n, line in _unpinned(path)]
    workflow = load(path)
    for name, job in jobs(workflow).items():
        steps: list[dict[str, Any]] = job.get("steps", [])
        where = f"{path.name} job {name}"
        if not isinstance(job.get("permissions"), dict) or not job["permissions"]:
            found.append(f"{where}: no permissions of its own")
        elif set(job["permissions"].values()) - {"read", "write", "none"}:
            found.append(f"{where}: permissions must be read, write or none")
        if not steps or not str(steps[0].get("uses", "")).startswith("actions/checkout@"):
            found.append(f"{where}: the first step must check out")
        daggers = [s for s in steps if is_dagger(s)]
        # A service's workflow is one `dagger call`; this repository's own CI may also
        # run a test tier that needs no Dagger (the kind cluster's).
        allowed = {0, 1} if path.parent == WORKFLOW_DIRS[0] else {1}
        if len(daggers) not in allowed:
            found.append(f"{where}: {len(daggers)} Dagger steps, not exactly one")
        if sum(writes_summary(s) for s in steps) > 1:
            found.append(f"{where}: more than one step writes the job summary")
        for step in steps:
            found += _step_problems(where, step)
    return found


def _unpinned(path: Path) -> list[tuple[int, str]]:
    bad = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if "uses:" not in line:
            continue
        match = PINNED.match(line)
        if not match or not SHA.fullmatch(match["sha"]) or not VERSION_COMMENT.match(match["rest"]):
            bad.append((number, line))
    return bad


def _step_problems(where: str, step: dict[str, Any]) -> list[str]:
    found = []
    label = f"{where} step {step.get('name', step.get('uses', '?'))!r}"
    if "${{" in str(step.get("run", "")):
        found.append(f"{label}: ${{{{ }}}} expansion inside run:")
    if is_dagger(step):
        inputs = step.get("with", {})
        found += [
            f"{label}: ${{{{ }}}} expansion inside {key}:"
            for key in ("call", "args", "shell", "check", "dagger-flags")
            if "${{" in str(inputs.get(key, ""))
        ]
        if str(inputs.get("version")) != DAGGER_VERSION:
            found.append(f"{label}: Dagger version must be pinned to {DAGGER_VERSION}")
    if writes_summary(step) and step.get("if") != "always()":
        found.append(f"{label}: the summary step must run if: always()")
    return found


# --- running a template's shell the way the runner and the Dagger action do ---------------

RUNNER_BASH = ("bash", "--noprofile", "--norc", "-eo", "pipefail")  # GitHub's `shell: bash`


@dataclass(frozen=True)
class StepRun:
    """What one `run:` step did: its exit, its log, its outputs and its job summary."""

    returncode: int
    stdout: str
    output_lines: list[str]
    summary: str


def step(job: dict[str, Any], key: str) -> dict[str, Any]:
    """The job's one step with this id or name."""
    found: list[dict[str, Any]] = [s for s in job["steps"] if key in {s.get("id"), s.get("name")}]
    [one] = found
    return one


def dagger_step(job: dict[str, Any]) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in job["steps"] if is_dagger(s)]
    [one] = found
    return one


def call_argv(dagger: dict[str, Any], env: Mapping[str, str], cwd: Path) -> list[str]:
    """The arguments `dagger call` gets: the action pastes `call:` into a bash line."""
    script = "printf '%s\\0' " + dagger["with"]["call"]
    result = subprocess.run(
        [*RUNNER_BASH, "-c", script],
        env={"PATH": os.environ["PATH"], **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout.split("\0")[:-1]


def run_step(
    script_step: dict[str, Any], cwd: Path, env: Mapping[str, str] | None = None
) -> StepRun:
    """Run a `run:` script as the runner does, with fresh output and summary files.

    ``env`` stands for what the step's `env:` expressions would give.
    """
    script, output, summary = cwd / "step.sh", cwd / "github_output", cwd / "step_summary"
    script.write_text(script_step["run"], encoding="utf-8")
    output.write_text("", encoding="utf-8")
    summary.write_text("", encoding="utf-8")
    result = subprocess.run(
        [*RUNNER_BASH, str(script)],
        env={
            "PATH": os.environ["PATH"],
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            **(env or {}),
        },
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    return StepRun(
        returncode=result.returncode,
        stdout=result.stdout,
        output_lines=output.read_text(encoding="utf-8").splitlines(),
        summary=summary.read_text(encoding="utf-8"),
    )
