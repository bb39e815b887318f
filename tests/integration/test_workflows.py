"""The GitHub workflows: real linters, the house rules, and the module's trigger rules."""

import html
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from main.core.deploy.result import DeployReport
from main.core.report.model import DeploySummary
from main.core.triggers import (
    CI_BRANCH_PATTERNS,
    DEFAULT_LABEL,
    DISPATCH_DEFAULT_REF,
    PRODUCTION_BRANCH,
    STAGING_BRANCH,
)
from tests.support.constants import REPO_ROOT
from tests.support.processes import tool
from tests.support.reports import DIGEST, IMAGE, passing_report
from tests.support.workflows import (
    DAGGER_VERSION,
    WORKFLOW_DIRS,
    call_argv,
    dagger_step,
    is_dagger,
    jobs,
    load,
    problems,
    run_step,
    step,
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
        ".github/workflows/drift.yml",
        ".github/workflows/kind.yml",
        ".github/workflows/keyless.yml",
        ".github/workflows/release.yml",
        ".github/workflow-templates/ci.yml",
        ".github/workflow-templates/deploy-staging.yml",
        ".github/workflow-templates/deploy-host.yml",
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
        "      # - uses: aws-actions/configure-aws-credentials@v6 # a step to add: pinned too\n"
        "      - uses: dagger/dagger-for-github@27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77\n"
        "        with:\n          version: latest\n"
        "          call: deploy-staging --ref ${{ github.head_ref }}\n"
        "      - run: echo ${{ github.event.pull_request.title }} >> $GITHUB_STEP_SUMMARY\n",
        encoding="utf-8",
    )
    found = "\n".join(problems(bad))
    assert "actions/checkout@v4" in found
    assert "configure-aws-credentials@v6" in found
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
    assert DEFAULT_LABEL not in json.dumps(workflow), "the label is the module's decision"


@pytest.mark.parametrize(
    ("path", "function"),
    [(TEMPLATES / "deploy-staging.yml", "deploy-staging"), (TEMPLATES / "ci.yml", "ci")],
    ids=["deploy-staging", "ci"],
)
def test_templates_use_the_agreed_call_shape(path: Path, function: str) -> None:
    job = jobs(load(path))[f"{function}"]
    [step] = [s for s in job["steps"] if is_dagger(s)]
    call = step["with"]["call"].split()
    assert call[: call.index(function)] == ["--source", ".", "--repo", "."]
    assert call[-4:] == ["report", "export", "--path", "pipeline-report"]
    assert "--fail=false" in call
    assert call[call.index("--registry-token") + 1] == "env://GITHUB_TOKEN"
    assert step["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"  # noqa: S105
    # Both upload the scan to code scanning, with the same arguments.
    expected = {"contents": "read", "packages": "write", "security-events": "write"}
    assert call[call.index("--code-scanning-token") + 1] == "env://GITHUB_TOKEN"
    assert call[call.index("--github-repository") + 1] == '"$GITHUB_REPOSITORY"'
    assert call[call.index("--github-ref") + 1] == '"$GITHUB_REF"'
    assert job["permissions"] == expected
    if function == "ci":  # no event payload: the runner's actor is passed
        assert call[call.index("--actor") + 1] == '"$GITHUB_ACTOR"'


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
    assert {"lint", "typecheck", "test"} <= set(settings["tool"]["pipeline"]["validate"])


def test_a_dispatch_checks_out_the_ref_it_deploys() -> None:
    # The engine looks a branch name up among local branches and tags only; with
    # fetch-depth 0 every other branch is under refs/remotes/origin, so `--ref develop`
    # dispatched from main would name no ref unless the checkout makes it local.
    job = staging_job()
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


# --- the staging host: the SSH key, the environment URL, the deploy by hand ---------------

KEY = "STAGING_SSH_KEY"
KEY_FLAG = ["--ssh-key", f"env://{KEY}"]
FAKE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n"
)
URL = "https://staging.example.com/sample"
TARGET = "deploy@staging.example.com:22, compose project sample-service"
NEW = f"{IMAGE}@sha256:{'cd' * 32}"
OLD = f"{IMAGE}@{DIGEST}"
# Shell an input might carry: after expansion it must stay one argument and never run.
HOSTILE = 'x" $(touch ran1) `touch ran2`; touch ran3 #'


def staging_job() -> dict[str, Any]:
    return jobs(load(TEMPLATES / "deploy-staging.yml"))["deploy-staging"]


def host_job() -> dict[str, Any]:
    return jobs(load(TEMPLATES / "deploy-host.yml"))["deploy-host"]


def needs_jq() -> None:
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed (GitHub's runners have it; Debian: apt-get install jq)")


def deployed(url: str = URL) -> DeployReport:
    return DeployReport(outcome="deployed", target=TARGET, url=url, image=NEW, running=NEW)


def rolled_back(error: str) -> DeployReport:
    return DeployReport(
        outcome="rolled-back",
        target=TARGET,
        url=URL,
        image=NEW,
        previous=OLD,
        running=OLD,
        error=error,
    )


def staging_report(url: str | None) -> str:
    """deploy-staging's report.json: with a deploy section when a host was deployed to."""
    report = passing_report()
    if url is not None:
        deploy = DeploySummary(target=TARGET, url=url, image=NEW, outcome="deployed", running=NEW)
        report = report.with_values(deploy=deploy)
    return report.to_json()


def host_result(url: str | None) -> str | None:
    """deploy-host's result file: none when the call was refused."""
    return None if url is None else deployed(url).to_json()


def test_the_ssh_key_reaches_only_the_dagger_step_of_a_staging_job() -> None:
    holders = set()
    for path in FILES:
        workflow = load(path)
        assert KEY not in json.dumps(workflow.get("env", {})), f"{path.name}: workflow-wide env"
        for name, job in jobs(workflow).items():
            assert KEY not in json.dumps(job.get("env", {})), f"{path.name} {name}: job-wide env"
            for each in job["steps"]:
                if KEY not in json.dumps(each):
                    continue
                holders.add((path.name, name))
                assert is_dagger(each), f"{path.name} {name}: a step other than Dagger's"
                assert each["env"][KEY] == "${{ secrets.STAGING_SSH_KEY }}"
                assert job["environment"]["name"] == "staging", "the secret is the environment's"
                call = re.sub(
                    r"env://STAGING_SSH_KEY|\$\{STAGING_SSH_KEY:\+", "", each["with"]["call"]
                )
                assert KEY not in call, "the call names the key for Dagger; it never expands it"
    assert holders == {("deploy-staging.yml", "deploy-staging"), ("deploy-host.yml", "deploy-host")}


@pytest.mark.parametrize(
    ("secret", "passed"),
    [(None, False), ("", False), (FAKE_KEY, True)],
    ids=["secret-unset", "secret-empty", "secret-set"],
)
def test_deploy_staging_passes_the_key_only_when_the_secret_is_set(
    secret: str | None,
    passed: bool,  # noqa: FBT001 - a parameter of the case
    tmp_path: Path,
) -> None:
    # Dagger's env:// refuses an unset variable, and GitHub gives a missing secret as an
    # empty one: without the secret the flag must go, not reach Dagger empty.
    env = {"EVENT_NAME": "push", "GITHUB_EVENT_PATH": "/event.json", "GITHUB_ACTOR": "octocat"}
    if secret is not None:
        env[KEY] = secret
    argv = call_argv(dagger_step(staging_job()), env, tmp_path)
    assert argv.count("--ssh-key") == int(passed)
    if passed:
        at = argv.index("--ssh-key")
        assert argv[at : at + 2] == KEY_FLAG
        assert argv.index("deploy-staging") < at < argv.index("report")
    assert not any("PRIVATE KEY" in arg for arg in argv), "the key's value is never an argument"
    assert "--fail=false" in argv
    assert argv[-4:] == ["report", "export", "--path", "pipeline-report"]


@pytest.mark.parametrize(
    ("image", "action"),
    [("", "deploy"), ("sha-0f3c2a1", "deploy"), (HOSTILE, "deploy"), ("", "rollback")],
    ids=["staging-latest", "a-tag", "hostile-input", "rollback"],
)
def test_deploy_host_calls_deploy_with_its_inputs_as_arguments(
    image: str, action: str, tmp_path: Path
) -> None:
    dagger = dagger_step(host_job())
    assert dagger["env"]["IMAGE"] == "${{ inputs.image }}"
    assert dagger["env"]["ROLLBACK"] == "${{ inputs.action == 'rollback' }}"
    rollback = str(action == "rollback").lower()  # what GitHub makes of that expression
    argv = call_argv(dagger, {"IMAGE": image, "ROLLBACK": rollback, KEY: FAKE_KEY}, tmp_path)
    assert argv[:7] == ["--output", "deploy-result.json", "--source", ".", "--repo", ".", "deploy"]
    assert argv[-1] == "report", "the result's JSON, which the summary step judges"
    assert argv[argv.index("--ssh-key") + 1] == f"env://{KEY}"
    assert argv[argv.index("--registry-token") + 1] == "env://GITHUB_TOKEN"
    assert f"--rollback={rollback}" in argv
    if image:
        assert argv[argv.index("--image") + 1] == image
    else:
        assert "--image" not in argv, "the module's default: staging-latest"
    assert list(tmp_path.iterdir()) == [], "nothing an input said was run"


def test_deploy_host_is_a_manual_staging_deployment_with_least_permissions() -> None:
    workflow = load(TEMPLATES / "deploy-host.yml")
    assert set(workflow["on"]) == {"workflow_dispatch"}
    inputs = workflow["on"]["workflow_dispatch"]["inputs"]
    assert inputs["action"]["options"] == ["deploy", "rollback"]
    assert inputs["action"]["default"] == "deploy"
    assert inputs["image"]["default"] == ""
    assert workflow["permissions"] == {}
    job = host_job()
    assert job["permissions"] == {"contents": "read", "packages": "write"}
    assert job["environment"]["name"] == "staging"
    assert "concurrency" not in workflow, "the host's lock orders requests; none is dropped"


RESULT_FILES = {
    "deploy-staging.yml": ("pipeline-report/report.json", staging_report),
    "deploy-host.yml": ("deploy-result.json", host_result),
}


@pytest.mark.parametrize("name", sorted(RESULT_FILES))
@pytest.mark.parametrize(
    ("url", "expected"),
    [(URL, URL), (None, ""), (f"{URL}\nevil=1", ""), ("javascript:alert(1)", "")],
    ids=["deployed", "nothing-deployed", "two-lines", "not-http"],
)
def test_the_environment_url_is_the_url_deployed_to(
    name: str, url: str | None, expected: str, tmp_path: Path
) -> None:
    needs_jq()
    job = staging_job() if name == "deploy-staging.yml" else host_job()
    assert job["environment"]["url"] == "${{ steps.report.outputs.url }}"
    source = step(job, "report")
    assert source["if"] == "always()", "a failed deployment still names its environment"
    path, render = RESULT_FILES[name]
    text = render(url)
    if text is not None:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
        (tmp_path / path).with_name("report.md").write_text("# report\n", encoding="utf-8")
    ran = run_step(source, tmp_path)
    assert ran.output_lines == [f"url={expected}"], "the URL is written before any verdict"
    assert ran.returncode == (0 if text is not None else 1), ran.stdout


def test_deploy_host_summary_passes_a_healthy_deployment(tmp_path: Path) -> None:
    needs_jq()
    result = deployed()
    (tmp_path / "deploy-result.json").write_text(result.to_json(), encoding="utf-8")
    ran = run_step(step(host_job(), "Report"), tmp_path)
    assert ran.returncode == 0, ran.stdout
    assert "::error" not in ran.stdout
    assert f"<pre>{html.escape(result.summary())}</pre>" in ran.summary
    assert "&quot;passed&quot;: true" in ran.summary


def test_deploy_host_summary_fails_a_rolled_back_deployment_in_one_line(tmp_path: Path) -> None:
    needs_jq()
    result = rolled_back("live smoke test FAILED: <img src=x onerror=alert(1)>\n::add-mask::x")
    (tmp_path / "deploy-result.json").write_text(result.to_json(), encoding="utf-8")
    ran = run_step(step(host_job(), "Report"), tmp_path)
    assert ran.returncode == 1
    first = result.summary().splitlines()[0]
    assert ran.stdout.splitlines() == [f"::error title=Deploy to the staging host failed::{first}"]
    assert "<img" not in ran.summary, "text from the host is escaped in the summary"
    assert "&lt;img src=x onerror=alert(1)&gt;" in ran.summary
    assert "&quot;outcome&quot;: &quot;rolled-back&quot;" in ran.summary


def test_deploy_host_summary_fails_without_a_result(tmp_path: Path) -> None:
    needs_jq()
    ran = run_step(step(host_job(), "Report"), tmp_path)
    assert ran.returncode == 1
    assert ran.stdout.startswith("::error title=No deploy result::")
    assert ran.summary == ""


def test_the_kind_job_runs_the_real_cluster_tier_on_a_pinned_node() -> None:
    workflow = load(REPO_ROOT / ".github" / "workflows" / "kind.yml")
    [job] = jobs(workflow).values()
    kind = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("helm/kind-action@"))
    config = REPO_ROOT / kind["with"]["config"]
    node = load(config)["nodes"][0]
    assert re.fullmatch(r"kindest/node:v[\d.]+@sha256:[0-9a-f]{64}", node["image"])
    assert node["extraPortMappings"][0]["listenAddress"] == "127.0.0.1"
    runs = " ".join(str(s.get("run", "")) for s in job["steps"])
    assert "pytest" in runs
    assert "tests/cluster" in runs
    assert job["permissions"] == {"contents": "read"}
    for needed in ("KIND_KUBECONFIG", "KIND_GOOD_IMAGE", "KIND_BETTER_IMAGE", "KIND_URL"):
        assert needed in runs, f"the tier skips without {needed}"


STAGING_HOST_PACKAGES = {"openssh-server", "docker-compose", "busybox-static", "docker-registry"}
DEPENDABOT = REPO_ROOT / ".github" / "dependabot.yml"


def apt_packages(job: dict[str, Any]) -> set[str]:
    """Every Debian package the job's steps install with apt-get."""
    found: set[str] = set()
    for each in job["steps"]:
        script = str(each.get("run", "")).replace("\\\n", " ")
        for line in script.splitlines():
            if "apt-get install" in line:
                found |= {word for word in line.split() if not word.startswith("-")}
    return found - {"sudo", "apt-get", "install"}


def staging_host_files() -> set[str]:
    """The test files that need the staging host (they request its fixture)."""
    return {
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "tests" / "integration").glob("test_*.py")
        if re.search(r"\bstaging_host: StagingHost", path.read_text(encoding="utf-8"))
    }


def test_this_repository_runs_the_staging_host_tier_as_root() -> None:
    # As the runner user the staging-host tests skip (they start dockerd and sshd).
    job = jobs(load(WORKFLOW_DIRS[0] / "ci.yml"))["tests"]
    assert apt_packages(job) >= STAGING_HOST_PACKAGES
    assert "docker.io" not in apt_packages(job), "the runner's Docker engine is kept"
    runs = [str(s.get("run", "")) for s in job["steps"]]
    [tier] = [r for r in runs if "sudo" in r and "pytest" in r]
    assert runs.index(tier) > runs.index("scripts/test"), "after the install it uses"
    argv = tier.replace("\\\n", " ").split()
    assert argv[:3] == ["sudo", "--preserve-env=PATH", ".venv/bin/pytest"]
    assert "-rs" in argv, "every skip says why"
    listed = {word for word in argv if word.startswith("tests/")}
    assert listed == staging_host_files(), "every file that needs the host, and only those"


def test_drift_upgrades_the_lock_in_its_own_checkout_and_runs_everything() -> None:
    workflow = load(WORKFLOW_DIRS[0] / "drift.yml")
    assert workflow["on"]["schedule"][0]["cron"].split()[2:] == ["*", "*", "1"]  # weekly
    assert "workflow_dispatch" in workflow["on"]
    [job] = jobs(workflow).values()
    assert job["permissions"] == {"contents": "read"}, "nothing is pushed"
    checkout = job["steps"][0]
    assert checkout["with"]["persist-credentials"] is False
    runs = [str(s.get("run", "")) for s in job["steps"]]
    install = runs.index("scripts/install")
    [upgrade] = [i for i, r in enumerate(runs) if "scripts/lock --upgrade" in r]
    assert install < upgrade < runs.index("scripts/test")
    assert apt_packages(job) >= STAGING_HOST_PACKAGES
    assert str(dagger_step(job)["with"]["version"]) == DAGGER_VERSION  # the engine tier runs


# GitHub's runner has its own Docker engine, and its Ubuntu image its own Chromium
# (Ubuntu's chromium package is only a snap installer).
RUNNER_PROVIDES = {"docker.io", "chromium"}


def install_script_packages() -> set[str]:
    """The Debian packages scripts/install installs (its ``debian_packages=(...)`` line)."""
    text = (REPO_ROOT / "scripts" / "install").read_text(encoding="utf-8")
    match = re.search(r"^debian_packages=\(([^)]*)\)", text, re.MULTILINE)
    assert match, "scripts/install lists its Debian packages as debian_packages=(...)"
    return set(match.group(1).split())


@pytest.mark.parametrize(("workflow", "name"), [("ci.yml", "tests"), ("drift.yml", "")])
def test_ci_installs_every_debian_package_the_local_install_does(workflow: str, name: str) -> None:
    # A package only scripts/install knows makes its tests skip in CI (postgresql: the
    # sample with a database, tests/integration/test_smoke_dependencies.py).
    found = jobs(load(WORKFLOW_DIRS[0] / workflow))
    job = found[name] if name else next(iter(found.values()))
    needed = install_script_packages() - RUNNER_PROVIDES
    assert "postgresql" in needed
    missing = sorted(needed - apt_packages(job))
    assert not missing, f"{workflow} does not apt-get install {missing}"


def test_dependabot_config_is_valid_and_clean() -> None:
    check = run(tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(DEPENDABOT))
    assert check.returncode == 0, check.stdout + check.stderr
    linted = run(tool("zizmor"), "--offline", "--no-progress", "--format=plain", str(DEPENDABOT))
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_dependabot_keeps_every_lockfile_and_pinned_action_moving() -> None:
    updates = {u["package-ecosystem"]: u for u in load(DEPENDABOT)["updates"]}
    assert set(updates) == {"uv", "npm", "github-actions"}
    for ecosystem, lockfile in (("uv", "uv.lock"), ("npm", "package-lock.json")):
        folder = REPO_ROOT / updates[ecosystem]["directory"].lstrip("/")
        assert (folder / lockfile).is_file(), f"{ecosystem}: no {lockfile} in {folder}"
    assert updates["npm"]["directory"] == "/tests/fixtures/mcp-servers/typescript"
    assert updates["github-actions"]["directory"] == "/"
    # dagger-io comes from the engine (./sdk), at dagger.json's version, never the index
    assert {"dependency-name": "dagger-io"} in updates["uv"]["ignore"]


# --- every target from the same two templates: the credential each needs, only when set ---

KUBECONFIG = "STAGING_KUBECONFIG"
AWS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
CREDENTIAL_FLAGS = {
    KEY: "--ssh-key",
    KUBECONFIG: "--kubeconfig",
    "AWS_ACCESS_KEY_ID": "--aws-access-key-id",
    "AWS_SECRET_ACCESS_KEY": "--aws-secret-access-key",
    "AWS_SESSION_TOKEN": "--aws-session-token",
}
TARGET_JOBS = {"deploy-staging.yml": staging_job, "deploy-host.yml": host_job}
CREDENTIAL_CASES = {
    "none": {},
    "compose-ssh": {KEY: FAKE_KEY},
    "kubernetes": {KUBECONFIG: "apiVersion: v1\nkind: Config\n"},
    "ecs-keys": {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "s3cr3t"},
    "ecs-oidc": {
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t",
        "AWS_SESSION_TOKEN": "t0ken",
    },
    "empty-secrets": {KEY: "", KUBECONFIG: "", "AWS_ACCESS_KEY_ID": ""},
    "half-a-key-pair": {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"},
}


@pytest.mark.parametrize("name", sorted(TARGET_JOBS))
@pytest.mark.parametrize("case", sorted(CREDENTIAL_CASES))
def test_the_templates_pass_each_targets_credential_only_when_it_is_set(
    name: str, case: str, tmp_path: Path
) -> None:
    # GitHub gives a missing secret as an empty variable and Dagger's env:// refuses an
    # unset one: a flag goes to Dagger only for a variable that is set and not empty
    # (half a key pair included: the module then names the missing half in one line).
    secrets = CREDENTIAL_CASES[case]
    env = {
        "EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": "/event.json",
        "GITHUB_ACTOR": "octocat",
        "IMAGE": "",
        "ROLLBACK": "false",
        **secrets,
    }
    argv = call_argv(dagger_step(TARGET_JOBS[name]()), env, tmp_path)
    function = "deploy-staging" if name == "deploy-staging.yml" else "deploy"
    for variable, flag in CREDENTIAL_FLAGS.items():
        expected = int(bool(secrets.get(variable)))
        assert argv.count(flag) == expected, f"{flag} with {variable}={secrets.get(variable)!r}"
        if expected:
            at = argv.index(flag)
            assert argv[at + 1] == f"env://{variable}", "named for Dagger, never expanded"
            assert argv.index(function) < at, "an argument of the function, not of dagger"
    values = [v for v in secrets.values() if v]
    assert not any(v in arg for v in values for arg in argv), "a value is never an argument"


@pytest.mark.parametrize("name", sorted(TARGET_JOBS))
def test_the_kubeconfig_is_the_staging_environments_secret_in_the_dagger_step_only(
    name: str,
) -> None:
    job = TARGET_JOBS[name]()
    assert job["environment"]["name"] == "staging"
    holders = [s for s in job["steps"] if KUBECONFIG in json.dumps(s)]
    assert holders == [dagger_step(job)]
    assert holders[0]["env"][KUBECONFIG] == "${{ secrets.STAGING_KUBECONFIG }}"
    assert KUBECONFIG not in json.dumps(job.get("env", {}))


def test_no_workflow_holds_aws_keys_or_a_kubeconfig_outside_that_step() -> None:
    # The AWS keys are never stored secrets in the templates: the documented OIDC step
    # writes short-lived ones into the job's env, which the Dagger step passes as env://.
    for path in FILES:
        workflow = load(path)
        for variable in (KUBECONFIG, *AWS):
            assert variable not in json.dumps(workflow.get("env", {})), path.name
        for name, job in jobs(workflow).items():
            for variable in AWS:
                assert variable not in json.dumps(job.get("env", {})), f"{path.name} {name}"
                for each in job["steps"]:
                    assert variable not in json.dumps(each.get("env", {})), f"{path.name} {name}"
            if KUBECONFIG in json.dumps(job):
                assert (path.name, name) in {
                    ("deploy-staging.yml", "deploy-staging"),
                    ("deploy-host.yml", "deploy-host"),
                }


OIDC_ACTION = re.compile(
    r"aws-actions/configure-aws-credentials@[0-9a-f]{40} # v\d+\.\d+\.\d+$", re.MULTILINE
)


@pytest.mark.parametrize("name", sorted(TARGET_JOBS))
def test_the_ecs_oidc_route_is_documented_and_id_token_is_granted_only_by_the_user(
    name: str,
) -> None:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    assert OIDC_ACTION.search(text), "the OIDC step, pinned by commit with its version"
    assert re.search(r"^#.*\bid-token: write\b", text, re.MULTILINE), "how to grant it"
    for each in ("STAGING_SSH_KEY", KUBECONFIG, "AWS_ACCESS_KEY_ID"):
        assert each in text, f"the comments say which target needs {each}"
    workflow = load(TEMPLATES / name)
    for job in jobs(workflow).values():
        assert "id-token" not in job["permissions"], "only an ECS user who takes the OIDC route"
