"""The GitHub workflows: real linters, the house rules, and the module's trigger rules."""

import json
import subprocess
import tomllib
from pathlib import Path

import pytest

from main.core.triggers import (
    CI_BRANCH_PATTERNS,
    DEFAULT_LABEL,
    DISPATCH_DEFAULT_REF,
    PRODUCTION_BRANCH,
    STAGING_BRANCH,
)
from tests.support.constants import REPO_ROOT
from tests.support.processes import tool
from tests.support.workflows import (
    DAGGER_VERSION,
    WORKFLOW_DIRS,
    is_dagger,
    jobs,
    load,
    problems,
    workflow_files,
)

FILES = workflow_files()
TEMPLATES = WORKFLOW_DIRS[1]
IDS = [str(p.relative_to(REPO_ROOT)) for p in FILES]


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)


def test_the_expected_workflows_exist() -> None:
    assert {str(p.relative_to(REPO_ROOT)) for p in FILES} == {
        ".github/workflows/ci.yml",
        ".github/workflow-templates/ci.yml",
        ".github/workflow-templates/deploy-staging.yml",
        ".github/workflow-templates/prune-staging.yml",
        ".github/workflow-templates/promote-rollback.yml",
    }


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_actionlint_is_clean(path: Path) -> None:
    result = run(tool("actionlint"), "-no-color", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_zizmor_is_clean(path: Path) -> None:
    result = run(tool("zizmor"), "--offline", "--no-progress", "--format=plain", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_github_workflow_schema_is_satisfied() -> None:
    # One run for all files: the tool's start-up is most of its time.
    check = tool("check-jsonschema")
    result = run(check, "--builtin-schema", "vendor.github-workflows", *map(str, FILES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_house_rules_hold(path: Path) -> None:
    assert problems(path) == []


def test_the_house_rules_catch_what_they_forbid(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "name: bad\non: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "      - uses: dagger/dagger-for-github@27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77\n"
        "        with:\n          version: latest\n"
        "          call: deploy-staging --ref ${{ github.head_ref }}\n"
        "      - run: echo ${{ github.event.pull_request.title }} >> $GITHUB_STEP_SUMMARY\n",
        encoding="utf-8",
    )
    found = "\n".join(problems(bad))
    assert "actions/checkout@v4" in found
    assert "dagger-for-github@27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77" in found, "no comment"
    assert "no permissions of its own" in found
    assert "expansion inside call:" in found
    assert "expansion inside run:" in found
    assert f"pinned to {DAGGER_VERSION}" in found
    assert "must run if: always()" in found
    linted = run(tool("zizmor"), "--offline", "--no-progress", "--format=plain", str(bad))
    assert linted.returncode != 0
    assert "template-injection" in linted.stdout
    actionlint = run(tool("actionlint"), "-no-color", str(bad))
    assert actionlint.returncode != 0
    assert "potentially untrusted" in actionlint.stdout


def test_ci_template_triggers_are_the_modules_rule() -> None:
    on = load(TEMPLATES / "ci.yml")["on"]
    assert tuple(on["push"]["branches"]) == CI_BRANCH_PATTERNS
    assert on["pull_request"]["branches"] == [PRODUCTION_BRANCH]
    assert set(on) == {"push", "pull_request"}


def test_deploy_staging_template_triggers_are_the_seeds() -> None:
    workflow = load(TEMPLATES / "deploy-staging.yml")
    on = workflow["on"]
    assert on["push"]["branches"] == [STAGING_BRANCH]
    assert on["pull_request"] == {"types": ["labeled"], "branches": [PRODUCTION_BRANCH]}
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["ref"]["default"] == DISPATCH_DEFAULT_REF
    assert inputs["skip_tests"] == {
        "description": inputs["skip_tests"]["description"],
        "type": "boolean",
        "default": False,
    }
    assert workflow["concurrency"]["group"] == "staging-deployment"
    assert workflow["concurrency"]["cancel-in-progress"] is False
    assert DEFAULT_LABEL not in json.dumps(workflow), "the label is the module's decision"


@pytest.mark.parametrize(
    ("path", "function"),
    [(TEMPLATES / "deploy-staging.yml", "deploy-staging"), (TEMPLATES / "ci.yml", "ci")],
    ids=["deploy-staging", "ci"],
)
def test_templates_use_the_agreed_call_shape(path: Path, function: str) -> None:
    [job] = jobs(load(path)).values()
    [step] = [s for s in job["steps"] if is_dagger(s)]
    call = step["with"]["call"].split()
    assert call[: call.index(function)] == ["--source", ".", "--repo", "."]
    assert call[-4:] == ["report", "export", "--path", "pipeline-report"]
    assert "--fail=false" in call
    assert call[call.index("--registry-token") + 1] == "env://GITHUB_TOKEN"
    assert step["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"  # noqa: S105
    expected = {"contents": "read", "packages": "write"}
    if function == "ci":  # only ci uploads to code scanning
        expected["security-events"] = "write"
        assert call[call.index("--code-scanning-token") + 1] == "env://GITHUB_TOKEN"
    assert job["permissions"] == expected


def test_this_repository_runs_every_tier_and_the_module_on_its_sample() -> None:
    own = jobs(load(WORKFLOW_DIRS[0] / "ci.yml"))
    runs = [s.get("run", "") for s in own["tests"]["steps"]]
    assert "scripts/test" in runs
    [dagger] = [s for s in own["sample-service"]["steps"] if is_dagger(s)]
    call = dagger["with"]["call"].split()
    assert call[:3] == ["--subpath", "tests/fixtures/sample-service", "deploy-staging"]
    assert "--registry-token" not in call, "no credentials: nothing is pushed"
    for job in own.values():
        assert job["permissions"] == {"contents": "read"}


def test_this_repository_runs_the_modules_own_checks_on_itself() -> None:
    # It has no Containerfile: lint-containerfile and build would fail for want of one.
    job = jobs(load(WORKFLOW_DIRS[0] / "ci.yml"))["self-check"]
    assert job["strategy"]["matrix"]["check"] == ["lint", "typecheck", "test"]
    [dagger] = [s for s in job["steps"] if is_dagger(s)]
    assert dagger["with"]["call"].split() == ['"$CHECK"']
    assert dagger["env"]["CHECK"] == "${{ matrix.check }}"
    assert "module" not in dagger["with"], "the module in this checkout checks this checkout"
    settings = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert {"lint", "typecheck", "test"} <= set(settings["tool"]["pipeline"])


def test_a_dispatch_checks_out_the_ref_it_deploys() -> None:
    # The engine looks a branch name up among local branches and tags only; with
    # fetch-depth 0 every other branch is under refs/remotes/origin, so `--ref develop`
    # dispatched from main would name no ref unless the checkout makes it local.
    [job] = jobs(load(TEMPLATES / "deploy-staging.yml")).values()
    [checkout] = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0
    ref = checkout["with"]["ref"]
    assert "github.event_name == 'workflow_dispatch'" in ref
    assert f"inputs.ref || '{DISPATCH_DEFAULT_REF}'" in ref


@pytest.mark.parametrize(
    ("name", "operation"),
    [("prune-staging.yml", "prune"), ("promote-rollback.yml", '"$ACTION"')],
)
def test_lifecycle_templates_call_the_registry_family_with_least_permissions(
    name: str, operation: str
) -> None:
    [job] = jobs(load(TEMPLATES / name)).values()
    assert job["permissions"] == {"contents": "read", "packages": "write"}
    [step] = [s for s in job["steps"] if is_dagger(s)]
    call = step["with"]["call"].split()
    assert call[:7] == ["--source", ".", "--repo", ".", "registry", "--token", "env://GITHUB_TOKEN"]
    assert call[7] == operation
    assert step["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"  # noqa: S105
    assert "${{" not in step["with"]["call"], "inputs reach the call as env, not expansions"
