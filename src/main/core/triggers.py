"""Which GitHub events deploy to staging, which run CI, and which publish production.

The workflow YAML only forwards the event name and payload; every rule lives here, so
a surprising run is replayed on a laptop (``dagger call check-trigger``) rather than
debugged by pushing commits. Payloads follow GitHub's documented webhook shapes:
``push`` (``ref``, ``after``, ``deleted``), ``workflow_dispatch`` (``inputs``) and
``pull_request`` (``action``, ``label``, ``pull_request.head``/``base``).

The deployed ref is always a commit sha when the event names one (the pushed ``after``
sha, the PR's ``head.sha``): a branch may move between the event and the build, and
the run must build exactly the commit that triggered it. ``workflow_dispatch`` names
no commit, so its ``ref`` input is passed on as given (branch, tag or sha).
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from main.core.errors import PipelineError
from main.core.text import clip

DEFAULT_LABEL = "deploy-to-staging"
STAGING_BRANCH = "develop"
PRODUCTION_BRANCH = "main"
DISPATCH_DEFAULT_REF = STAGING_BRANCH
# The CI workflow's push branches, as GitHub globs (`**` spans slashes).
CI_BRANCH_PATTERNS = ("feature/**", "bugfix/**", "chore/**", "release/**")
RELEASE_PATTERN = "release/**"
# A branch glob: a branch name whose parts may also be `*` or `**`.
_GLOB_PART = re.compile(r"\*\*|\*|[A-Za-z0-9_][A-Za-z0-9_.-]*")
BRANCH_PREFIX = "refs/heads/"
_ZERO_SHA = re.compile(r"0{40}|0{64}")
# A conservative subset of git's check-ref-format: what branch, tag and sha names use.
# No shell metacharacters at all, and never a leading '-' (an option to git).
_GIT_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,254}")
_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_TRUE = {"true": True, "false": False}
# A reason is one line in the log, the report and the chat, however long the payload's
# names: payload text never gets a line of its own (where `::error::` is a command).
REASON_LIMIT = 300


def _one_line(decision: object) -> None:
    """Make a decision's ``reason`` one clean, bounded line (frozen: set once here)."""
    object.__setattr__(decision, "reason", clip(decision.reason, REASON_LIMIT))  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Branches:
    """The team's branch names: which deploys staging, which is production, which run CI.

    The defaults are the seed's git flow (``develop`` → staging, pull requests to
    ``main`` may be labeled for staging, ``feature/**``, ``bugfix/**``, ``chore/**`` and
    ``release/**`` run CI, ``release/**`` publishes production); a team on
    ``dev``/``master``/``trunk`` sets its own (``[tool.pipeline]``). Patterns are GitHub's
    branch globs: ``*`` within one path part, ``**`` across parts.

    Raises:
        PipelineError: for a name git refuses or an empty pattern list, naming the key.
    """

    staging: str = STAGING_BRANCH
    production: str = PRODUCTION_BRANCH
    ci_patterns: tuple[str, ...] = CI_BRANCH_PATTERNS
    release_pattern: str = RELEASE_PATTERN

    def __post_init__(self) -> None:
        """Refuse names git refuses now, not when the first event arrives."""
        for key, name in (("staging", self.staging), ("production", self.production)):
            problem = ref_problem(name) if name else "it is empty"
            if problem is not None:
                msg = f"branch setting {key}-branch {name[:80]!r} is not a branch name: {problem}"
                raise PipelineError(msg)
        if not self.ci_patterns:
            msg = "branch setting ci-patterns is empty: CI would never run; list at least one"
            raise PipelineError(msg)
        for key, pattern in [("ci-patterns", p) for p in self.ci_patterns] + [
            ("release-pattern", self.release_pattern)
        ]:
            problem = glob_problem(pattern)
            if problem is not None:
                msg = f"branch setting {key} {pattern[:80]!r} is not a branch glob: {problem}"
                raise PipelineError(msg)


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether an event deploys to staging, which ref, and why (always said).

    ``rule`` names the rule that decided, so a run that deploys nothing says which one
    held it back: ``branch`` (the pushed branch), ``label`` (another label), ``base`` (a
    pull request to another branch), ``fork``, ``action`` (not a labeling), ``closed``
    (a labeled pull request that is closed),
    ``deleted`` (the push deleted the branch), ``event`` (an event that never deploys)
    or ``dispatch`` (a manual run).
    """

    should_deploy: bool
    ref: str
    reason: str
    skip_tests: bool = False
    rule: str = ""

    def __post_init__(self) -> None:
        """The reason quotes the payload: one clean line, bounded."""
        _one_line(self)


@dataclass(frozen=True, slots=True)
class CiDecision:
    """Whether an event runs the CI workflow, on which ref, and whether it publishes."""

    should_run: bool
    ref: str
    reason: str
    publishes_production: bool = False

    def __post_init__(self) -> None:
        """The reason quotes the payload: one clean line, bounded."""
        _one_line(self)


def _malformed(event_name: str, what: str) -> NoReturn:
    msg = (
        f"malformed {event_name} payload: {what}; "
        "pass the file GitHub wrote to $GITHUB_EVENT_PATH for this event"
    )
    raise PipelineError(msg)


def _deploy(ref: str, reason: str, rule: str, *, skip_tests: bool = False) -> Decision:
    return Decision(should_deploy=True, ref=ref, reason=reason, skip_tests=skip_tests, rule=rule)


def _no_deploy(ref: str, reason: str, rule: str) -> Decision:
    return Decision(should_deploy=False, ref=ref, reason=reason, rule=rule)


def _no_ci(ref: str, reason: str) -> CiDecision:
    return CiDecision(should_run=False, ref=ref, reason=reason)


def _mapping(event_name: str, parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if not isinstance(value, Mapping):
        _malformed(event_name, f"'{key}' must be an object")
    return value


def _text(event_name: str, parent: Mapping[str, Any], key: str, where: str = "") -> str:
    value = parent.get(key)
    if not isinstance(value, str) or not value.strip():
        _malformed(event_name, f"'{where}{key}' must be a non-empty string")
    return value.strip()


def load_payload(text: str | bytes, *, source: str = "the event file") -> Mapping[str, Any]:
    """Read an event payload (the JSON GitHub writes to ``$GITHUB_EVENT_PATH``).

    Raises:
        PipelineError: when the text is not a JSON object.
    """
    try:
        payload = json.loads(text)
    except ValueError as exc:  # not JSON, not UTF-8, or a number of 4300+ digits
        msg = f"{source} is not JSON ({exc}): pass the webhook payload GitHub wrote for the event"
        raise PipelineError(msg) from None
    except RecursionError:
        msg = f"{source} is nested deeper than any GitHub event: pass the payload GitHub wrote"
        raise PipelineError(msg) from None
    if not isinstance(payload, dict):
        msg = f"{source} holds a JSON {type(payload).__name__}, not the object GitHub writes"
        raise PipelineError(msg)
    return payload


def ref_problem(ref: str) -> str | None:
    """Why ``ref`` is not a name to hand to git, or None when it is one.

    Letters, digits and ``/ . _ -`` only (so no shell or git metacharacter), not
    starting with ``-``, and what ``git check-ref-format`` refuses on top: ``..``, ``//``,
    a trailing ``/`` or ``.``, a component starting with ``.`` or ending in ``.lock``.
    """
    if not _GIT_REF.fullmatch(ref):
        return "use letters, digits and / . _ - only, not starting with - . or /"
    if ".." in ref or "//" in ref or ref.endswith(("/", ".")):
        return "git refuses '..', '//' and a trailing '/' or '.'"
    for part in ref.split("/"):
        if part.startswith(".") or part.endswith(".lock"):
            return "git refuses a part starting with '.' or ending in '.lock'"
    return None


def glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a branch glob the rules can match, or None when it is one."""
    if all(_GLOB_PART.fullmatch(part) for part in pattern.split("/")):
        return None
    return "use branch name parts, '*' (one part) and '**' (any parts), separated by '/'"


# A GitHub login (letters, digits, single hyphens, at most 39) or an app's "name[bot]".
_LOGIN = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}(?:\[bot\])?")


def actor_of(payload: Mapping[str, Any]) -> str:
    """Who caused the event: ``sender.login`` when it is a GitHub login, else empty.

    Every webhook payload carries ``sender``; the login is shown in the report and the
    chat message, so anything that is not a login's shape is left out, not escaped.
    """
    sender = payload.get("sender")
    login = sender.get("login") if isinstance(sender, Mapping) else None
    return login if isinstance(login, str) and _LOGIN.fullmatch(login) else ""


# Today's names, for every caller that states none (Branches checks them with ref_problem).
DEFAULT_BRANCHES = Branches()


def _commit(event_name: str, value: str, where: str) -> str:
    """A commit sha from a payload, which must be a full hex sha and nothing else."""
    if not _FULL_SHA.fullmatch(value):
        _malformed(event_name, f"'{where}' is not a full commit sha: {value[:80]!r}")
    return value


def branch_of(ref: str) -> str | None:
    """The branch a ref names: ``refs/heads/x`` gives ``x``; other ``refs/...`` give None.

    A bare name (``release/1.0``) is taken to be a branch, as ``--ref`` users write it.
    """
    if ref.startswith(BRANCH_PREFIX):
        return ref.removeprefix(BRANCH_PREFIX)
    if ref.startswith("refs/"):
        return None
    return ref


def matches_branch_glob(branch: str, pattern: str) -> bool:
    """GitHub's branch filter for the patterns used here.

    ``*`` matches within one path segment, ``**`` across segments (``release/**``
    matches ``release/1.0`` and ``release/1/rc``, not ``release`` itself).
    """
    regex = re.escape(pattern).replace(r"\*\*", ".+").replace(r"\*", "[^/]+")
    return re.fullmatch(regex, branch) is not None


def publishes_production(ref: str, *, branches: Branches = DEFAULT_BRANCHES) -> bool:
    """Only release branches (``release/**`` by default) publish the production tags.

    ``ref`` is a branch name or a full ``refs/heads/...`` ref; tags, PR merge refs and
    commit shas never publish.
    """
    branch = branch_of(ref.strip())
    return branch is not None and matches_branch_glob(branch, branches.release_pattern)


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return _TRUE[value.strip().lower()]
    msg = (
        f"malformed workflow_dispatch payload: inputs.skip_tests must be true or false, "
        f"got {value!r}"
    )
    raise PipelineError(msg)


def _pushed_sha(payload: Mapping[str, Any]) -> str | None:
    """The commit a push left the branch at; None when the push deleted the branch."""
    after = _text("push", payload, "after")
    if payload.get("deleted") is True or _ZERO_SHA.fullmatch(after):
        return None
    return _commit("push", after, "after")


def _event_name(event_name: str, payload: object) -> tuple[str, Mapping[str, Any]]:
    name = event_name.strip()
    if not name:
        msg = "no event name: pass --event-name (GitHub's github.event_name, e.g. push)"
        raise PipelineError(msg)
    if not isinstance(payload, Mapping):
        msg = f"malformed {name} payload: expected a JSON object, got {type(payload).__name__}"
        raise PipelineError(msg)
    return name, payload


def _push(payload: Mapping[str, Any], branches: Branches) -> Decision:
    ref = _text("push", payload, "ref")
    staging = branches.staging
    if branch_of(ref) != staging:
        return _no_deploy(ref, f"push to {ref}: only pushes to {staging} deploy", "branch")
    after = _pushed_sha(payload)
    if after is None:
        return _no_deploy(ref, f"push deleted {staging}: nothing to deploy", "deleted")
    return _deploy(after, f"push to {staging} (commit {after[:7]})", "branch")


def _dispatch(payload: Mapping[str, Any], branches: Branches) -> Decision:
    inputs = payload.get("inputs")
    if inputs is None:
        inputs = {}
    if not isinstance(inputs, Mapping):
        _malformed("workflow_dispatch", "'inputs' must be an object")
    raw_ref = inputs.get("ref")
    if raw_ref is not None and not isinstance(raw_ref, str):
        _malformed("workflow_dispatch", "'inputs.ref' must be a string")
    ref = (raw_ref or "").strip() or branches.staging
    problem = ref_problem(ref)
    if problem is not None:
        what = "is not a git branch, tag or commit name"
        msg = f"workflow_dispatch input ref {ref[:80]!r} {what}: {problem}"
        raise PipelineError(msg)
    skip = inputs.get("skip_tests")
    skip_tests = False if skip is None or skip == "" else _flag(skip)
    reason = f"manual dispatch of {ref}" + (" with tests skipped" if skip_tests else "")
    return _deploy(ref, reason, "dispatch", skip_tests=skip_tests)


def _repo_name(pull: Mapping[str, Any], side: str) -> str | None:
    """``full_name`` of the head or base repository; None when GitHub sends none.

    The head repository of a PR whose fork was deleted is ``null``.
    """
    repo = _mapping("pull_request", pull, side).get("repo")
    if repo is None:
        return None
    if not isinstance(repo, Mapping):
        _malformed("pull_request", f"'pull_request.{side}.repo' must be an object")
    name = repo.get("full_name")
    return name if isinstance(name, str) and name else None


def _pull_request_parts(payload: Mapping[str, Any]) -> tuple[str, Mapping[str, Any], str, str]:
    """What both workflows read from a ``pull_request`` payload, checked.

    Returns the action, the ``pull_request`` object, its head sha and its base ref.
    """
    action = _text("pull_request", payload, "action")
    pull = _mapping("pull_request", payload, "pull_request")
    head = _mapping("pull_request", pull, "head")
    base = _mapping("pull_request", pull, "base")
    head_sha = _commit(
        "pull_request",
        _text("pull_request", head, "sha", "pull_request.head."),
        "pull_request.head.sha",
    )
    base_ref = _text("pull_request", base, "ref", "pull_request.base.")
    return action, pull, head_sha, base_ref


def _pull_request(payload: Mapping[str, Any], label: str, branches: Branches) -> Decision:
    action, pull, head_sha, base_ref = _pull_request_parts(payload)
    number = payload.get("number", pull.get("number", "?"))
    what = f"pull request #{number}"
    if action != "labeled":
        return _no_deploy(head_sha, f"{what} was {action}: only adding the label deploys", "action")
    added = _mapping("pull_request", payload, "label")
    added_name = _text("pull_request", added, "name", "label.")
    if added_name != label:
        return _no_deploy(
            head_sha, f"{what} got the label {added_name!r}, not {label!r}: no deploy", "label"
        )
    production = branches.production
    if base_ref != production:
        return _no_deploy(
            head_sha,
            f"{what} targets {base_ref}: only pull requests to {production} deploy",
            "base",
        )
    if pull.get("state", "open") != "open":
        # GitHub sends `labeled` for closed pull requests too; their head is history.
        merged = " (merged)" if pull.get("merged") is True else ""
        return _no_deploy(
            head_sha, f"{what} is closed{merged}: only open pull requests deploy", "closed"
        )
    head_repo, base_repo = _repo_name(pull, "head"), _repo_name(pull, "base")
    if base_repo is None:
        _malformed("pull_request", "'pull_request.base.repo.full_name' is missing")
    if head_repo != base_repo:
        source = head_repo or "a deleted repository"
        return _no_deploy(
            head_sha,
            f"{what} comes from the fork {source}: pull requests from forks never deploy",
            "fork",
        )
    return _deploy(head_sha, f"{what} labeled {label!r} (head commit {head_sha[:7]})", "label")


def decide(
    event_name: str,
    payload: Mapping[str, Any],
    *,
    label: str = DEFAULT_LABEL,
    branches: Branches = DEFAULT_BRANCHES,
) -> Decision:
    """Whether a GitHub event deploys to staging, and which ref.

    Deploys: a push to the staging branch (``develop``; the pushed ``after`` sha);
    ``workflow_dispatch`` (``inputs.ref``, default the staging branch, and
    ``inputs.skip_tests``, a boolean or the strings ``"true"``/``"false"``); a
    ``pull_request`` ``labeled`` with ``label`` on a PR to the production branch
    (``main``) from the same repository (the PR's ``head.sha``). Everything else does
    not deploy, and ``reason`` says why (``rule`` names the rule).

    Raises:
        PipelineError: (a ``ValueError``) when the payload lacks what the event needs.
    """
    name, body = _event_name(event_name, payload)
    if name == "push":
        return _push(body, branches)
    if name == "workflow_dispatch":
        return _dispatch(body, branches)
    if name == "pull_request":
        return _pull_request(body, label, branches)
    return _no_deploy(
        "",
        f"event {name!r} never deploys: only push, workflow_dispatch and pull_request do",
        "event",
    )


# Pull-request actions on which GitHub's `pull_request` trigger runs by default.
CI_PULL_REQUEST_ACTIONS = ("opened", "synchronize", "reopened")


def _ci_push(payload: Mapping[str, Any], branches: Branches) -> CiDecision:
    ref = _text("push", payload, "ref")
    branch = branch_of(ref)
    patterns = branches.ci_patterns
    if branch is None or not any(matches_branch_glob(branch, p) for p in patterns):
        return _no_ci(ref, f"push to {ref}: CI runs on pushes to {', '.join(patterns)}")
    after = _pushed_sha(payload)
    if after is None:
        return _no_ci(ref, f"push deleted {branch}: nothing to check")
    publishes = publishes_production(ref, branches=branches)
    note = ", publishes production tags" if publishes else ""
    reason = f"push to {branch} (commit {after[:7]}){note}"
    return CiDecision(should_run=True, ref=after, reason=reason, publishes_production=publishes)


def _ci_pull_request(payload: Mapping[str, Any], branches: Branches) -> CiDecision:
    action, _, head_sha, base_ref = _pull_request_parts(payload)
    production = branches.production
    if base_ref != production:
        return _no_ci(
            head_sha, f"pull request to {base_ref}: CI runs on pull requests to {production}"
        )
    if action not in CI_PULL_REQUEST_ACTIONS:
        return _no_ci(head_sha, f"pull request {action}: the code did not change")
    reason = f"pull request to {production} {action} (head commit {head_sha[:7]})"
    return CiDecision(should_run=True, ref=head_sha, reason=reason)


def decide_ci(
    event_name: str, payload: Mapping[str, Any], *, branches: Branches = DEFAULT_BRANCHES
) -> CiDecision:
    """Whether a GitHub event runs the CI workflow (the README's workflow table).

    Runs: pushes to the CI patterns (``feature/**``, ``bugfix/**``, ``chore/**`` and
    ``release/**``; on the pushed sha; ``publishes_production`` for the release pattern),
    and pull requests to the production branch when opened, updated or reopened (on
    the head sha; never publishes, whatever the head branch, because a PR is not a
    release).

    Raises:
        PipelineError: (a ``ValueError``) when the payload lacks what the event needs.
    """
    name, body = _event_name(event_name, payload)
    if name == "push":
        return _ci_push(body, branches)
    if name == "pull_request":
        return _ci_pull_request(body, branches)
    return _no_ci("", f"event {name!r} does not run CI: only push and pull_request do")
