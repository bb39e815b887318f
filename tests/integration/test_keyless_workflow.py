"""The keyless job: the only place a real Sigstore bundle is made and verified by our code.

Its shape is what makes that true: the OIDC token permission (and nothing more), the
keyless tests it runs, a failure instead of a silent skip when the token is missing,
and the registry those tests push to. actionlint, zizmor and the schema check run on it
with every other workflow (tests/integration/test_workflows.py).
"""

from pathlib import Path

from tests.support.constants import REPO_ROOT
from tests.support.workflows import jobs, load

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
