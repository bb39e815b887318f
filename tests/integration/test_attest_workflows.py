"""The templates sign what they push and verify what they promote (docs/attestations.md).

ci.yml and deploy-staging.yml pass `--signing-key env://ATTEST_SIGNING_KEY` only when
that secret is set (an unset secret reaches the step as an empty variable, which
Dagger's env:// would pass on as an empty key); promote passes `--verify-key` with the
committed public key and checks out full history, which promote asks whether the
provenance's commit is on the production branch. The calls are expanded by the
runner's own bash, as the action pastes them.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.workflows import WORKFLOW_DIRS, call_argv, dagger_step, is_dagger, jobs, load

TEMPLATES = WORKFLOW_DIRS[1]
SECRET = "ATTEST_SIGNING_KEY"  # noqa: S105 - the name of a secret, not one
PEM = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgE=\n-----END PRIVATE KEY-----\n"
SIGNING = [(TEMPLATES / "ci.yml", "ci"), (TEMPLATES / "deploy-staging.yml", "deploy-staging")]
ENV = {"EVENT_NAME": "push", "GITHUB_EVENT_PATH": "/e.json", "GITHUB_ACTOR": "octocat"}


def promote_job() -> dict[str, Any]:
    (job,) = jobs(load(TEMPLATES / "promote-rollback.yml")).values()
    return job


@pytest.mark.parametrize(("path", "job"), SIGNING, ids=["ci", "deploy-staging"])
@pytest.mark.parametrize(
    ("secret", "passed"),
    [(None, False), ("", False), (PEM, True)],
    ids=["secret-unset", "secret-empty", "secret-set"],
)
def test_a_pushing_template_signs_only_when_the_secret_is_set(
    path: Path,
    job: str,
    secret: str | None,
    passed: bool,  # noqa: FBT001 - a parameter of the case
    tmp_path: Path,
) -> None:
    dagger = dagger_step(jobs(load(path))[job])
    assert dagger["env"][SECRET] == f"${{{{ secrets.{SECRET} }}}}"
    env = dict(ENV) if secret is None else {**ENV, SECRET: secret}
    argv = call_argv(dagger, env, tmp_path)
    assert argv.count("--signing-key") == int(passed)
    if passed:
        at = argv.index("--signing-key")
        assert argv[at + 1] == f"env://{SECRET}"
        assert argv.index(job) < at < argv.index("report")
    assert not any("PRIVATE KEY" in arg for arg in argv), "the key's value is never an argument"


def test_the_signing_key_reaches_only_the_dagger_step_of_a_pushing_job() -> None:
    holders = set()
    for path in TEMPLATES.glob("*.yml"):
        workflow = load(path)
        assert SECRET not in json.dumps(workflow.get("env", {}))
        for name, job in jobs(workflow).items():
            assert SECRET not in json.dumps(job.get("env", {}))
            for each in job["steps"]:
                if SECRET in json.dumps(each):
                    assert is_dagger(each), f"{path.name} {name}: a step other than Dagger's"
                    holders.add(path.name)
    assert holders == {"ci.yml", "deploy-staging.yml"}


@pytest.mark.parametrize(
    ("action", "tag"), [("promote", ""), ("promote", "staging-v1"), ("rollback", "")]
)
def test_promote_verifies_with_the_committed_public_key_and_rollback_does_not(
    action: str, tag: str, tmp_path: Path
) -> None:
    dagger = dagger_step(promote_job())
    # What GitHub makes of the env expressions for this dispatch:
    verify = dagger["env"]["VERIFY_KEY"]
    assert verify == (
        "${{ inputs.action == 'promote' && !vars.ATTEST_KEYLESS_IDENTITY "
        "&& 'keys/signing.pub' || '' }}"
    )
    env = {
        "ACTION": action,
        "TAG": tag,
        "TAG_OPTION": "--tag" if action == "promote" else "--to",
        "VERIFY_KEY": "keys/signing.pub" if action == "promote" else "",
    }
    argv = call_argv(dagger, env, tmp_path)
    assert argv[argv.index("registry") + 3] == action
    if action == "promote":
        at = argv.index("--verify-key")
        assert argv[at + 1] == "keys/signing.pub"
    else:
        assert "--verify-key" not in argv


def test_promote_checks_out_the_history_it_asks_about_the_release_branch() -> None:
    (checkout,) = [
        s for s in promote_job()["steps"] if s.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkout["with"]["fetch-depth"] == 0
    assert checkout["with"]["persist-credentials"] is False


@pytest.mark.parametrize(("path", "job"), SIGNING, ids=["ci", "deploy-staging"])
@pytest.mark.parametrize("keyless", ["", "true"], ids=["variable-unset", "variable-true"])
def test_a_pushing_template_signs_keyless_only_when_the_variable_says_so(
    path: Path, job: str, keyless: str, tmp_path: Path
) -> None:
    dagger = dagger_step(jobs(load(path))[job])
    assert "vars.ATTEST_KEYLESS" in dagger["env"]["ATTEST_KEYLESS"]
    argv = call_argv(dagger, {**ENV, "ATTEST_KEYLESS": keyless}, tmp_path)
    assert argv.count("--keyless") == int(bool(keyless))
    if keyless:
        for flag, variable in (
            ("--oidc-request-url", "ACTIONS_ID_TOKEN_REQUEST_URL"),
            ("--oidc-request-token", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        ):
            assert argv[argv.index(flag) + 1] == f"env://{variable}"  # a secret, never a value
    text = path.read_text(encoding="utf-8")
    assert "# id-token: write" in text, "the OIDC permission is the user's choice, shown commented"
