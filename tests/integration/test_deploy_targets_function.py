"""``dagger call deploy`` (and deploy-staging's deploy stage) to Kubernetes and ECS, in-process.

The function makes no container: the module's own process talks to the target's API,
so without an engine it runs for real against the documented-API Kubernetes server
(tests/support/kube_api.py) and moto behind the ECS controller front. Only the engine
round trips it awaits are answered locally: the service's files from disk, each
secret's plaintext from the ``setSecret`` call that made it. What is emulated (pods,
tasks) is said in tests/support/kube_staging.py and ecs_staging.py.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from dagger import Directory, dag

from main import workflows
from main._sdk import FunctionError
from main.core.deploy.ecs import target as ecs_target_module
from main.core.deploy.kubernetes import target as kube_target_module
from main.core.image import parse_image
from main.core.report.model import Publication
from main.core.revision import Revision
from main.core.run import Occasion, Run, Target, new_report
from main.core.run.deploying import deploy_stage
from main.core.service import load_service
from main.deploy import DeployResult
from main.pipeline import Pipeline
from tests.support.ecs_emulator import Moto
from tests.support.ecs_staging import REGION, EcsStaging, ecs_staging
from tests.support.kube_api import TOKEN
from tests.support.kube_staging import (
    BETTER,
    FIRST,
    GOOD,
    NAME,
    NAMESPACE,
    UNHEALTHY,
    KubeStaging,
    kube_staging,
)

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("offline_engine")]

# The service's own settings: health only (the live services here speak no MCP), short
# bounds so that a failing image is judged fast.
SERVICE = """[project]
name = "staging-app"
version = "1.0.0"

[tool.pipeline]
smoke-mcp = false
startup-timeout = 1
smoke-timeout = 5

[tool.pipeline.deploy]
url = "{url}"
timeout = 10
lock-timeout = 0
stability-window = 0.5
{target}
"""
KUBE_TABLE = f"""target = "kubernetes"
namespace = "{NAMESPACE}"
deployment = "{NAME}"
container = "app"
"""
ECS_TABLE = """target = "ecs"
region = "{region}"
cluster = "{cluster}"
service = "{service}"
container = "app"
endpoint-url = "{endpoint}"
"""


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The targets' poll intervals, short: the emulators move status every few ms."""
    monkeypatch.setattr(kube_target_module, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(ecs_target_module, "POLL_SECONDS", 0.02)


def pipeline(folder: Path, url: str, table: str) -> Pipeline:
    folder.mkdir(exist_ok=True)
    text = SERVICE.format(url=url, target=table)
    (folder / "pyproject.toml").write_text(text, encoding="utf-8")
    return Pipeline.create(source=dag.host().directory(str(folder)))


# --- Kubernetes ---------------------------------------------------------------------------


@pytest.fixture
def kube() -> Iterator[KubeStaging]:
    with kube_staging() as staging:
        yield staging


def kube_pipeline(tmp_path: Path, staging: KubeStaging) -> Pipeline:
    return pipeline(tmp_path / "service", staging.url, KUBE_TABLE)


async def test_kubernetes_deploys_rolls_back_by_itself_and_by_hand(
    kube: KubeStaging, tmp_path: Path
) -> None:
    config = dag.set_secret("kubeconfig", kube.kubeconfig)
    first = await kube_pipeline(tmp_path, kube).deploy(kubeconfig=config, image=GOOD)
    assert first.passed, first.summary
    host = urlsplit(kube.server).netloc
    assert first.target == f"kubernetes {host}, deployment {NAMESPACE}/{NAME}, container app"
    assert kube.image() == GOOD
    second = await kube_pipeline(tmp_path, kube).deploy(kubeconfig=config, image=BETTER)
    assert second.passed, second.summary
    assert second.previous == GOOD
    assert [step.name for step in second.steps][-2:] == ["smoke", "stable"]

    with pytest.raises(FunctionError) as failed:
        await kube_pipeline(tmp_path, kube).deploy(kubeconfig=config, image=UNHEALTHY)
    assert str(failed.value).startswith("deploy FAILED and rolled back: live smoke test FAILED")
    assert str(failed.value).endswith(f"{BETTER} is running again")
    assert kube.serving() == BETTER

    back = await kube_pipeline(tmp_path, kube).deploy(kubeconfig=config, rollback=True)
    assert back.passed, back.summary
    assert back.running == GOOD
    assert kube.image() == GOOD
    assert json.loads(back.report)["rollback"] is True
    for text in (first.report, second.report, back.report, back.markdown(), str(failed.value)):
        assert TOKEN not in text


async def test_kubernetes_failed_first_deploy_leaves_the_found_image(
    kube: KubeStaging, tmp_path: Path
) -> None:
    config = dag.set_secret("kubeconfig", kube.kubeconfig)
    result = await kube_pipeline(tmp_path, kube).deploy(
        kubeconfig=config, image=UNHEALTHY, fail=False
    )
    assert result.rolled_back
    assert result.running == FIRST
    assert kube.image() == FIRST
    assert kube.deployment()["spec"]["replicas"] == 2
    assert result.staging_latest == ""  # FIRST was never the pipeline's: no tag follows it


async def test_kubernetes_without_a_kubeconfig_is_one_line(
    kube: KubeStaging, tmp_path: Path
) -> None:
    with pytest.raises(FunctionError) as caught:
        await kube_pipeline(tmp_path, kube).deploy(
            ssh_key=dag.set_secret("k", "unused"), image=GOOD
        )
    assert str(caught.value) == (
        "[tool.pipeline.deploy] target kubernetes needs --kubeconfig: a kubeconfig (server, "
        "CA, a token or client certificate), as a secret, e.g. --kubeconfig "
        "env://KUBECONFIG_DATA or file://~/.kube/config"
    )
    assert kube.image() == FIRST


async def test_kubernetes_bad_token_is_one_line_without_it(
    kube: KubeStaging, tmp_path: Path
) -> None:
    wrong = "wrong-token-Zq81x"
    config = dag.set_secret("kubeconfig", kube.kubeconfig.replace(TOKEN, wrong))
    with pytest.raises(FunctionError) as caught:
        await kube_pipeline(tmp_path, kube).deploy(kubeconfig=config, image=GOOD)
    message = str(caught.value)
    assert "refused the credentials (401 Unauthorized)" in message
    assert wrong not in message
    assert "\n" not in message
    assert kube.image() == FIRST


async def test_kubernetes_from_the_engine_a_loopback_api_server_is_refused(
    kube: KubeStaging, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGGER_SESSION_PORT", "1")  # as the engine gives its runtimes
    monkeypatch.setenv("DAGGER_SESSION_TOKEN", "unused")
    config = dag.set_secret("kubeconfig", kube.kubeconfig)
    with pytest.raises(FunctionError) as caught:
        await kube_pipeline(tmp_path, kube).deploy(kubeconfig=config, image=GOOD)
    message = str(caught.value)
    assert message.startswith("the Kubernetes API server 127.0.0.1 is loopback")
    assert "kubeconfig's server" in message
    assert TOKEN not in message
    assert kube.image() == FIRST


# --- ECS ------------------------------------------------------------------------------------


@pytest.fixture
def ecs(moto: Moto, monkeypatch: pytest.MonkeyPatch) -> Iterator[EcsStaging]:
    # The process's own AWS environment is a key moto refuses: only the secrets can pass.
    for name, value in moto.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENTWRONG")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "environment-wrong")
    with ecs_staging(moto) as staging:
        yield staging


def ecs_pipeline(tmp_path: Path, staging: EcsStaging, *, endpoint: str = "") -> Pipeline:
    table = ECS_TABLE.format(
        region=REGION,
        cluster=staging.cluster,
        service=staging.service,
        endpoint=endpoint or staging.endpoint,
    )
    return pipeline(tmp_path / "service", staging.url, table)


async def ecs_deploy(
    tmp_path: Path,
    staging: EcsStaging,
    moto: Moto,
    *,
    secret: str = "",
    **arguments: Any,  # noqa: ANN401 - deploy()'s own
) -> DeployResult:
    """``deploy`` with moto's key pair (or ``secret`` in place of its secret key) as secrets."""
    return await ecs_pipeline(tmp_path, staging).deploy(
        aws_access_key_id=dag.set_secret("aws-id", moto.access_key),
        aws_secret_access_key=dag.set_secret("aws-secret", secret or moto.secret_key),
        **arguments,
    )


async def test_ecs_deploys_with_the_secrets_rolls_back_by_itself_and_by_hand(
    ecs: EcsStaging, moto: Moto, tmp_path: Path
) -> None:
    first = await ecs_deploy(tmp_path, ecs, moto, image=GOOD)
    assert first.passed, first.summary
    assert first.target == f"ecs {REGION}, cluster {ecs.cluster}, service web, container app"
    assert ecs.image() == GOOD
    second = await ecs_deploy(tmp_path, ecs, moto, image=BETTER)
    assert second.passed, second.summary

    third = await ecs_deploy(tmp_path, ecs, moto, image=UNHEALTHY, fail=False)
    assert third.rolled_back
    assert third.running == BETTER
    assert ecs.image() == BETTER

    back = await ecs_deploy(tmp_path, ecs, moto, rollback=True)
    assert back.passed, back.summary
    assert back.running == GOOD
    assert ecs.image() == GOOD
    for text in (first.report, third.report, third.markdown(), back.report):
        assert moto.secret_key not in text
        assert moto.access_key not in text


async def test_ecs_without_keys_uses_the_runners_environment(
    ecs: EcsStaging, moto: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in moto.env().items():  # now the environment holds the right keys
        monkeypatch.setenv(name, value)
    result = await ecs_pipeline(tmp_path, ecs).deploy(image=GOOD)
    assert result.passed, result.summary
    assert ecs.image() == GOOD


async def test_ecs_a_bad_secret_key_is_one_line_without_it(
    ecs: EcsStaging, moto: Moto, tmp_path: Path
) -> None:
    wrong = "Wr0ngSecretKeyValue/abcdefghijklmnop"
    with pytest.raises(FunctionError) as caught:
        await ecs_deploy(tmp_path, ecs, moto, image=GOOD, secret=wrong)
    message = str(caught.value)
    assert "AWS refused the credentials" in message
    assert wrong not in message
    assert moto.access_key not in message
    assert "\n" not in message
    assert ecs.image() == FIRST


async def test_ecs_half_a_key_pair_is_one_line(ecs: EcsStaging, moto: Moto, tmp_path: Path) -> None:
    with pytest.raises(FunctionError) as caught:
        await ecs_pipeline(tmp_path, ecs).deploy(
            image=GOOD, aws_access_key_id=dag.set_secret("aws-id", moto.access_key)
        )
    assert str(caught.value).startswith(
        "--aws-access-key-id needs --aws-secret-access-key too "
        "(e.g. --aws-secret-access-key env://AWS_SECRET_ACCESS_KEY)"
    )
    assert ecs.image() == FIRST


async def test_ecs_from_the_engine_a_loopback_endpoint_is_refused(
    ecs: EcsStaging, moto: Moto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGGER_SESSION_PORT", "1")
    monkeypatch.setenv("DAGGER_SESSION_TOKEN", "unused")
    with pytest.raises(FunctionError) as caught:
        await ecs_deploy(tmp_path, ecs, moto, image=GOOD)
    assert str(caught.value).startswith("the ECS endpoint 127.0.0.1 is loopback")
    assert "endpoint-url" in str(caught.value)
    assert ecs.image() == FIRST


# --- deploy-staging's deploy stage ----------------------------------------------------------


def staging_run(folder: Path, staging: KubeStaging) -> tuple[Run, Target, Directory]:
    """A deploy-staging run that published GOOD as staging-latest, on the Kubernetes target."""
    text = SERVICE.format(url=staging.url, target=KUBE_TABLE).replace(
        "[tool.pipeline]\n", '[tool.pipeline]\nimage = "127.0.0.1:5000/app"\n'
    )
    folder.mkdir()
    (folder / "pyproject.toml").write_text(text, encoding="utf-8")
    service = load_service(text)
    revision = Revision("0" * 40, datetime(2026, 12, 7, tzinfo=UTC))
    target = Target(service, "develop", revision, parse_image(service.config.image))
    run = Run(new_report("deploy-staging", target, Occasion()))
    digest = GOOD.split("@", 1)[1]
    pushed = (f"{target.repository}:staging-latest@{digest}",)
    run.update(publication=Publication(pushed=pushed), digest=digest)
    return run, target, dag.host().directory(str(folder))


async def test_deploy_staging_deploys_to_the_cluster_with_the_kubeconfig(
    kube: KubeStaging, tmp_path: Path
) -> None:
    run, target, tree = staging_run(tmp_path / "service", kube)
    delivery = workflows.Delivery(
        kubeconfig=dag.set_secret("kubeconfig", kube.kubeconfig), deploy_target="kubernetes"
    )
    await deploy_stage(run, workflows.DaggerStages(target, tree, delivery), target, delivery.reach)
    (deployed,) = [s for s in run.report.stages if s.name == "deploy"]
    assert deployed.status == "passed", deployed.detail
    assert kube.image() == GOOD
    assert run.report.deploy is not None
    assert f"deployment {NAMESPACE}/{NAME}" in run.report.deploy.target
    assert TOKEN not in run.report.to_json()


async def test_deploy_staging_without_the_kubeconfig_says_which_argument(
    kube: KubeStaging, tmp_path: Path
) -> None:
    run, target, tree = staging_run(tmp_path / "service", kube)
    delivery = workflows.Delivery(ssh_key=dag.set_secret("k", "unused"), deploy_target="kubernetes")
    await deploy_stage(run, workflows.DaggerStages(target, tree, delivery), target, delivery.reach)
    (skipped,) = [s for s in run.report.stages if s.name == "deploy"]
    assert skipped.status == "skipped"
    assert skipped.detail.startswith(
        "published, not deployed: [tool.pipeline.deploy] target kubernetes needs --kubeconfig"
    )
    assert kube.image() == FIRST
