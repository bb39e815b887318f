"""DaggerStages, the adapter of deploy-staging and ci: the Dagger side of each stage.

The run's decisions are tested against fake stages in tests/unit/run; here the real
adapter is checked for what only it does: which containers and secrets a stage builds,
what it hands the engine, and how an engine error becomes one report line.
"""

import dagger
import pytest
from dagger import dag

from main import workflows
from main.core.config import PipelineConfig
from main.core.deploy.targets import missing_credential
from main.core.errors import PipelineError
from main.core.publish import Published
from main.core.run import Reach, StageError
from main.core.validate import CheckResult
from main.deploy import AwsSecrets
from main.scan import Scan, SeverityCounts
from tests.support.answers import query_error
from tests.support.constants import SHA
from tests.support.fake_stages import COMMITTED, target
from tests.support.lazy import calls, find, plain_env, secret_names
from tests.support.scans import scan_result

pytestmark = pytest.mark.anyio
TOKEN = "ghp_plaintext-token-value"  # noqa: S105 - a fake value, looked for in the plan
DIGEST = "sha256:" + "1" * 64


def stages(
    delivery: workflows.Delivery | None = None, ref: str = "develop"
) -> workflows.DaggerStages:
    return workflows.DaggerStages(target(ref), dag.directory(), delivery or workflows.Delivery())


def exec_error(stderr: str, stdout: str = "", code: int = 1) -> dagger.QueryError:
    return query_error(
        "process did not complete successfully",
        _type="EXEC_ERROR",
        cmd=["x"],
        exitCode=code,
        stdout=stdout,
        stderr=stderr,
    )


def test_the_delivery_says_what_the_run_may_touch() -> None:
    secret = dag.set_secret("token", TOKEN)
    registry = dag.container().from_("registry:2").as_service()
    no_key = missing_credential("compose-ssh", ())
    assert workflows.Delivery().reach == Reach(deploy_missing=no_key)
    assert workflows.Delivery(token=secret).reach == Reach(can_push=True, deploy_missing=no_key)
    assert workflows.Delivery(local_registry=registry).reach == Reach(
        can_push=True, local_registry=True, deploy_missing=no_key
    )
    scanning = workflows.CodeScanning(secret, "acme/svc", "refs/heads/main")
    assert workflows.Delivery(ssh_key=secret, code_scanning=scanning).reach == Reach(
        can_deploy=True, code_scanning=True
    )


def test_the_configured_target_decides_which_secret_lets_the_run_deploy() -> None:
    secret = dag.set_secret("credential", "unused")
    kube = workflows.Delivery(ssh_key=secret, deploy_target="kubernetes").reach
    assert not kube.can_deploy
    assert "needs --kubeconfig" in kube.deploy_missing
    assert workflows.Delivery(kubeconfig=secret, deploy_target="kubernetes").reach.can_deploy
    assert workflows.Delivery(deploy_target="ecs").reach.can_deploy  # the runner's role
    half = workflows.Delivery(aws=AwsSecrets(access_key_id=secret), deploy_target="ecs").reach
    assert not half.can_deploy
    assert "--aws-access-key-id needs --aws-secret-access-key" in half.deploy_missing


async def test_an_exec_failure_is_its_last_stderr_line() -> None:
    with pytest.raises(StageError) as caught, workflows.stage_errors():
        raise exec_error(stderr="step 1\nE: unable to locate package nope\n")
    assert str(caught.value) == "E: unable to locate package nope"
    with pytest.raises(StageError, match=r"^exit code 3$"), workflows.stage_errors():
        raise exec_error(stderr="", code=3)


async def test_a_push_logs_in_for_the_registry_host_with_the_token_as_a_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pushed: list[dagger.Container] = []

    async def push_tags(
        image: dagger.Container, repository: object, tags: list[str], **_: object
    ) -> list[Published]:
        pushed.append(image)
        return [Published(str(repository), tag, DIGEST) for tag in tags]

    monkeypatch.setattr(workflows, "push_tags", push_tags)
    delivery = workflows.Delivery(token=dag.set_secret("registry-token", TOKEN), username="bot")
    published = await stages(delivery).push(dag.container(), ["staging-latest"])
    assert [str(p) for p in published] == [
        f"ghcr.io/example/sample-service:staging-latest@{DIGEST}"
    ]
    (auth,) = find(pushed[0], "withRegistryAuth")
    assert (auth.args["address"], auth.args["username"]) == ("ghcr.io", "bot")
    assert calls(auth.args["secret"])[-1].name == "setSecret"
    assert secret_names(pushed[0]) == ["registry-token"]
    assert TOKEN not in repr(plain_env(pushed[0]))


async def test_a_refused_push_is_a_stage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    async def push_tags(*_: object, **__: object) -> list[Published]:
        raise query_error(message="failed to push ghcr.io/example/sample-service: denied")

    monkeypatch.setattr(workflows, "push_tags", push_tags)
    with pytest.raises(StageError, match="denied"):
        await stages(workflows.Delivery(token=dag.set_secret("t", TOKEN))).push(
            dag.container(), ["latest"]
        )


async def test_validation_runs_the_commands_of_the_settings_it_is_handed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[list[str]] = []

    async def run_checks(
        _tree: dagger.Directory, config: PipelineConfig, names: tuple[str, ...], *, skip_tests: bool
    ) -> list[CheckResult]:
        seen.append([*config.validation.test, str(skip_tests), *names])
        return []

    monkeypatch.setattr(workflows, "run_checks", run_checks)
    ci_config = target().for_ci().service.config
    await stages().validate(ci_config, skip_tests=True)
    assert seen == [
        [*ci_config.validation.ci_test, "True", "lint", "typecheck", "test", "lint-containerfile"]
    ]


async def test_the_scan_goes_to_code_scanning_at_the_targets_commit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uploads: list[tuple[str, str, str]] = []

    async def upload_sarif(
        self: Scan, token: dagger.Secret, repository: str, commit_sha: str, ref: str
    ) -> str:
        del self, token
        uploads.append((repository, commit_sha, ref))
        return "upload-7"

    monkeypatch.setattr(Scan, "upload_sarif", upload_sarif)
    scanning = workflows.CodeScanning(
        dag.set_secret("gh", "t0ken"), "acme/svc", "refs/pull/4/merge"
    )
    counts = SeverityCounts.of(dict.fromkeys(("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"), 0))
    scan = scan_result(mode="block", blocked=False, reason="", found=counts, counts=counts)
    upload = await stages(workflows.Delivery(code_scanning=scanning)).upload_scan(scan)
    assert upload == "upload-7"
    assert uploads == [("acme/svc", SHA, "refs/pull/4/merge")]


async def test_a_local_registry_is_pushed_to_through_localhost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine speaks plain HTTP only to localhost and binds that name to the service."""

    async def endpoint(_service: dagger.Service, **_: object) -> str:
        return "4bq1u8ffm1i0e:5000"

    async def read_revision(*_: object) -> object:
        return target().revision

    monkeypatch.setattr(dagger.Service, "endpoint", endpoint)
    monkeypatch.setattr(workflows, "read_revision", read_revision)
    registry = dag.container().from_("registry:2").as_service()
    resolved = await workflows.resolve_target(target().service, None, "main", registry)
    assert str(resolved.repository) == "localhost:5000/example/sample-service"
    assert resolved.revision.committed_at == COMMITTED


async def test_a_ref_without_a_commit_stops_the_run_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_revision(*_: object) -> None:
        return None

    monkeypatch.setattr(workflows, "read_revision", no_revision)
    with pytest.raises(PipelineError, match="no git commit to tag the image from"):
        await workflows.resolve_target(target().service, None, "main", None)
