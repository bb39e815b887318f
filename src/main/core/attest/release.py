"""Is the provenance's commit on the release branch? Asked of the service's own git history.

``registry promote`` puts production tags only on an image built from a commit of the
production branch (``[tool.pipeline.branches] production``, default ``main``). The
commit comes from the verified provenance; git answers whether it is an ancestor of
the branch's tip. The question runs as a small script in a git container over the
source's ``.git`` folder (the shell's part); what it prints is read here, so the same
script is tested against real repositories without an engine.

The branch is looked up as CI checks it out (``refs/remotes/origin/BRANCH``) and as a
laptop has it (``refs/heads/BRANCH``), in that order. A shallow history cannot say
that a commit is *not* on the branch, so it counts as no history: the caller then
needs ``--release-commits`` or ``--skip-verify``, and the line says so.
"""

from main.core.attest.errors import COMMIT, AttestationError

# $1: the commit; the rest: candidate refs of the branch, in order. One line out.
ANCESTRY_SCRIPT = """\
commit="$1"; shift
if [ "$(git rev-parse --is-shallow-repository)" = true ]; then echo shallow; exit 0; fi
for ref in "$@"; do
  if git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
    if ! git cat-file -e "$commit^{commit}" 2>/dev/null; then echo "unknown $ref"; exit 0; fi
    if git merge-base --is-ancestor "$commit" "$ref"; then echo "on $ref"; else echo "off $ref"; fi
    exit 0
  fi
done
echo "no-branch"
"""

NO_HISTORY_FIX = "pass --release-commits SHA,... or --skip-verify"


def no_history(why: str) -> str:
    """The one line for a promotion whose commit cannot be checked against the branch."""
    return (
        f"{why}, so the provenance's commit cannot be checked against the release "
        f"branch: promote from a checkout with full history (actions/checkout fetch-depth: 0), "
        f"or {NO_HISTORY_FIX}"
    )


NO_SOURCE_HISTORY = no_history("the source has no git history (no .git folder)")


def branch_refs(branch: str) -> list[str]:
    """Where ``branch`` is found: the remote-tracking ref CI has, then the local branch."""
    return [f"refs/remotes/origin/{branch}", f"refs/heads/{branch}"]


def ancestry_argv(commit: str, branch: str) -> list[str]:
    """The command that prints whether ``commit`` is on ``branch`` (run in the repository).

    Raises:
        AttestationError: for a commit that is no full sha (it came from a provenance).
    """
    if not COMMIT.fullmatch(commit):
        msg = f"the provenance's commit {commit[:80]!r} is not a full git sha"
        raise AttestationError(msg)
    return ["sh", "-c", ANCESTRY_SCRIPT, "ancestry", commit, *branch_refs(branch)]


def read_ancestry(output: str, commit: str, branch: str) -> str:
    """Why ``commit`` may not be promoted, from the script's output; empty when it may.

    A history that cannot answer (shallow, no such branch, an unknown commit on a
    branch that is present) is refused too: promoting must prove the commit is
    released, not merely fail to disprove it.
    """
    verdict, _, ref = output.strip().partition(" ")
    if verdict == "on":
        return ""
    if verdict == "off":
        return f"{commit} is not on the release branch {branch} ({ref})"
    if verdict == "unknown":
        return f"{commit} is not in the history of {branch} ({ref}): not on the release branch"
    if verdict == "shallow":
        return no_history("the source's git history is shallow")
    if verdict == "no-branch":
        return no_history(f"the source's git history has no branch {branch}")
    return no_history(f"git answered {output.strip()[:120]!r}")
