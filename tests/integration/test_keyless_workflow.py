"""The keyless job: the only place a real Sigstore bundle is made and verified by our code.

Its shape is what makes that true: the OIDC token permission (and nothing more), the
keyless tests it runs, a failure instead of a silent skip when the token is missing,
and the registry those tests push to. actionlint, zizmor and the schema check run on it
with every other workflow (tests/integration/test_workflows.py).
"""

from pathlib import Path

import pytest

from tests.support.constants import REPO_ROOT
from tests.support.workflows import call_argv, dagger_step, jobs, load

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "keyless.yml"


def test_the_job_may_ask_for_an_oidc_token_and_nothing_else() -> None:
    workflow = load(WORKFLOW)
    assert workflow["permissions"] == {}
    [job] = jobs(workflow).values()
    assert job["permissions"] == {"contents": "read", "id-token": "write"}


def test_it_runs_every_keyless_test_file_and_fails_without_a_token() -> None:
    [job] = jobs(load(WORKFLOW)).values()
    runs = "\n".join(str(step.get("run", "")) for step in job["steps"])
    tests = REPO_ROOT / "tests"
    keyless_files = sorted(
        str(path.relative_to(REPO_ROOT)) for path in tests.rglob("test_keyless*.py")
    )
    ran = [name for name in keyless_files if name in runs]
    wanted = {
        "tests/engine/test_keyless_engine.py",
        "tests/integration/test_keyless_oidc.py",
        "tests/integration/test_keyless_registry.py",
        "tests/unit/attest/test_keyless.py",
    }
    assert wanted <= set(ran)
    assert "ACTIONS_ID_TOKEN_REQUEST_URL" in runs
    assert "exit 1" in runs
    assert "docker-registry" in runs, "the registry fixture needs it"


def test_fork_pull_requests_are_left_out_since_they_get_no_token() -> None:
    [job] = jobs(load(WORKFLOW)).values()
    condition = str(job["if"])
    assert "head.repo.full_name == github.repository" in condition


def test_the_dagger_cli_is_installed_for_the_deploy_staging_case() -> None:
    [job] = jobs(load(WORKFLOW)).values()
    uses = [str(step.get("uses", "")) for step in job["steps"]]
    assert any(u.startswith("dagger/dagger-for-github@") for u in uses)
    assert Path(REPO_ROOT / "tests/engine/test_keyless_engine.py").exists()


TEMPLATES = REPO_ROOT / ".github" / "workflow-templates"
ENV = {"REF": "refs/heads/release/1.2", "GITHUB_ACTOR": "octocat", "GITHUB_REPOSITORY": "a/b"}
OIDC = ["--oidc-request-url", "env://ACTIONS_ID_TOKEN_REQUEST_URL"]


@pytest.mark.parametrize("keyless", [True, False])
def test_ci_signs_keyless_only_when_the_variable_says_so(keyless: bool, tmp_path: Path) -> None:  # noqa: FBT001
    dagger = dagger_step(jobs(load(TEMPLATES / "ci.yml"))["ci"])
    assert dagger["env"]["ATTEST_KEYLESS"] == (
        "${{ vars.ATTEST_KEYLESS == 'true' && 'true' || '' }}"
    )
    env = {**ENV, "ATTEST_KEYLESS": "true" if keyless else ""}
    argv = call_argv(dagger, env, tmp_path)
    assert argv.count("--keyless") == int(keyless)
    assert (OIDC[0] in argv) is keyless
    if keyless:
        at = argv.index(OIDC[0])
        assert argv[at : at + 2] == OIDC
        at = argv.index("--oidc-request-token")
        assert argv[at + 1] == "env://ACTIONS_ID_TOKEN_REQUEST_TOKEN"
        assert argv.index("ci") < at < argv.index("report")
    assert "--signing-key" not in argv


def test_ci_documents_the_permission_keyless_needs() -> None:
    text = (TEMPLATES / "ci.yml").read_text(encoding="utf-8")
    assert "# id-token: write" in text


@pytest.mark.parametrize(
    "signer", ["", "https://github.com/a/b/.github/workflows/ci.yml@refs/heads/main"]
)
def test_promote_verifies_keyless_with_the_identity_variable_instead_of_the_key(
    signer: str, tmp_path: Path
) -> None:
    [job] = jobs(load(TEMPLATES / "promote-rollback.yml")).values()
    dagger = dagger_step(job)
    assert "vars.ATTEST_KEYLESS_IDENTITY" in dagger["env"]["SIGNER"]
    env = {
        "ACTION": "promote",
        "TAG": "",
        "TAG_OPTION": "--tag",
        # What GitHub makes of VERIFY_KEY's expression with and without the variable:
        "VERIFY_KEY": "" if signer else "keys/signing.pub",
        "SIGNER": signer,
    }
    argv = call_argv(dagger, env, tmp_path)
    if signer:
        at = argv.index("--certificate-identity")
        assert argv[at + 1] == signer
        assert "--verify-key" not in argv
    else:
        assert "--certificate-identity" not in argv
        assert argv[argv.index("--verify-key") + 1] == "keys/signing.pub"
