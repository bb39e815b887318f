"""[tool.pipeline.deploy] target = "compose-ssh" | "kubernetes" | "ecs": each target's keys."""

import pytest

from main.core.config import load_config
from main.core.deploy.settings import DeploySettings
from main.core.deploy.target_settings import EcsDeploySettings, KubernetesDeploySettings
from main.core.errors import PipelineError

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1ZlHtnGexpTmFgmk2RZZ3EDP6W5ZHQ8dPQx1rZp7Pb"
COMPOSE = (
    f'host = "stg.example"\nhost-key = "{KEY}"\nurl = "https://stg.example"\nservice = "app"\n'
)
KUBE = (
    'target = "kubernetes"\nnamespace = "staging"\ndeployment = "web"\ncontainer = "app"\n'
    'url = "https://stg.example"\n'
)
ECS = (
    'target = "ecs"\nregion = "eu-west-1"\ncluster = "stg"\nservice = "web"\ncontainer = "app"\n'
    'url = "https://stg.example"\n'
)


def deploy(body: str) -> object:
    return load_config(f"[tool.pipeline.deploy]\n{body}").deploy


def test_compose_ssh_is_the_default_and_may_be_named() -> None:
    assert isinstance(deploy(COMPOSE), DeploySettings)
    named = deploy('target = "compose-ssh"\n' + COMPOSE)
    assert isinstance(named, DeploySettings)
    assert named.target == "compose-ssh"


def test_kubernetes() -> None:
    settings = deploy(KUBE)
    assert isinstance(settings, KubernetesDeploySettings)
    assert (settings.namespace, settings.deployment, settings.container) == (
        "staging",
        "web",
        "app",
    )
    assert settings.timeout == 300.0


def test_ecs() -> None:
    settings = deploy(ECS + 'endpoint-url = "http://127.0.0.1:5000"\n')
    assert isinstance(settings, EcsDeploySettings)
    assert (settings.region, settings.cluster, settings.service) == ("eu-west-1", "stg", "web")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'target = "nomad"\n' + COMPOSE,
            "[tool.pipeline.deploy].target: 'nomad' is not a deploy target",
        ),
        (KUBE.replace('deployment = "web"\n', ""), "[tool.pipeline.deploy].deployment is required"),
        (
            KUBE.replace('"staging"', '"Staging"'),
            "[tool.pipeline.deploy].namespace: 'Staging' is not a Kubernetes namespace name",
        ),
        (KUBE + 'host = "x"\n', "[tool.pipeline.deploy] has an unknown key 'host'"),
        (KUBE.replace("https://stg.example", "stg"), "[tool.pipeline.deploy].url"),
        (
            ECS.replace("eu-west-1", "europe"),
            "[tool.pipeline.deploy].region: 'europe' is not an AWS region",
        ),
        (ECS.replace('cluster = "stg"\n', ""), "[tool.pipeline.deploy].cluster is required"),
        (ECS + 'endpoint-url = "ftp://x"\n', "[tool.pipeline.deploy].endpoint-url"),
        (ECS + "timeout = 0\n", "[tool.pipeline.deploy].timeout"),
        (COMPOSE.replace('host = "stg.example"\n', ""), "[tool.pipeline.deploy].host is required"),
    ],
)
def test_mistakes_name_the_key(body: str, message: str) -> None:
    with pytest.raises(PipelineError) as caught:
        deploy(body)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
