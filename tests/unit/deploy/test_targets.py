"""The one factory of deploy targets: which credential each needs, and what it builds."""

import pytest

from main.core.deploy.compose_ssh import ComposeOverSsh
from main.core.deploy.ecs.keys import AwsKeys
from main.core.deploy.ecs.target import EcsTarget
from main.core.deploy.errors import DeployError
from main.core.deploy.kubernetes.target import KubernetesTarget
from main.core.deploy.settings import DeploySettings
from main.core.deploy.target_settings import EcsDeploySettings, KubernetesDeploySettings
from main.core.deploy.targets import (
    Credentials,
    aws_keys_problem,
    build_target,
    missing_credential,
    reach_problem,
)

TOKEN = "tok-secret-4711"  # noqa: S105 - a test credential that must never print
KUBECONFIG = (
    "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
    "clusters:\n- name: c\n  cluster: {server: 'https://%s:6443'}\n"
    "contexts:\n- name: c\n  context: {cluster: c, user: u, namespace: from-context}\n"
    f"users:\n- name: u\n  user: {{token: {TOKEN}}}\n"
)
KUBE = KubernetesDeploySettings.model_validate(
    {
        "target": "kubernetes",
        "url": "https://stg.example.com",
        "namespace": "staging",
        "deployment": "web",
        "container": "app",
    }
)
ECS = EcsDeploySettings.model_validate(
    {
        "target": "ecs",
        "url": "https://stg.example.com",
        "region": "eu-west-1",
        "cluster": "stg",
        "service": "web",
        "container": "app",
        "endpoint_url": "http://127.0.0.1:4566",
    }
)
COMPOSE = DeploySettings.model_validate(
    {
        "host": "127.0.0.1",
        "host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyHostKeyHostKeyHostKeyHostKey00",
        "url": "https://stg.example.com",
        "service": "app",
    }
)


@pytest.mark.parametrize(
    ("target", "given", "said"),
    [
        (
            "kubernetes",
            {"ssh-key"},
            (
                "[tool.pipeline.deploy] target kubernetes needs --kubeconfig: a kubeconfig "
                "(server, CA, a token or client certificate), as a secret, e.g. --kubeconfig "
                "env://KUBECONFIG_DATA or file://~/.kube/config"
            ),
        ),
        ("compose-ssh", {"kubeconfig"}, "needs --ssh-key: the deploy user's private SSH key"),
        ("kubernetes", {"kubeconfig"}, ""),
        ("compose-ssh", {"ssh-key"}, ""),
        ("ecs", set(), ""),  # the runner's role
    ],
)
def test_each_target_names_the_secret_it_needs(target: str, given: set[str], said: str) -> None:
    line = missing_credential(target, given)
    assert said in line if said else line == ""
    assert "\n" not in line


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"aws-access-key-id"}, "--aws-access-key-id needs --aws-secret-access-key too"),
        ({"aws-secret-access-key"}, "env://AWS_ACCESS_KEY_ID"),
        ({"aws-session-token"}, "--aws-session-token goes with"),
        ({"aws-access-key-id", "aws-secret-access-key"}, ""),
        ({"aws-access-key-id", "aws-secret-access-key", "aws-session-token"}, ""),
        (set(), ""),
    ],
)
def test_aws_keys_come_as_a_pair_or_not_at_all(given: set[str], said: str) -> None:
    line = aws_keys_problem(given)
    assert said in line if said else line == ""


def test_a_kubernetes_target_is_built_from_the_settings_and_the_kubeconfig() -> None:
    target = build_target(KUBE, Credentials(kubeconfig=KUBECONFIG % "203.0.113.7"))
    assert isinstance(target, KubernetesTarget)
    assert (target.namespace, target.deployment, target.container) == ("staging", "web", "app")
    assert target.describe() == (
        "kubernetes 203.0.113.7:6443, deployment staging/web, container app"
    )


@pytest.mark.parametrize(
    ("namespace", "kubeconfig", "expected"),
    [
        (None, KUBECONFIG, "from-context"),
        (None, KUBECONFIG.replace(", namespace: from-context", ""), "default"),
        ("staging", KUBECONFIG, "staging"),
    ],
    ids=["the-contexts", "else-default", "the-setting-wins"],
)
def test_the_settings_namespace_defaults_to_the_contexts_as_the_cli_does(
    namespace: str | None, kubeconfig: str, expected: str
) -> None:
    # One rule for the Dagger path and the command line: the setting, else the
    # kubeconfig context's namespace, else "default".
    table = {k: v for k, v in KUBE.model_dump().items() if k != "namespace"}
    if namespace is not None:
        table["namespace"] = namespace
    settings = KubernetesDeploySettings.model_validate(table)
    target = build_target(settings, Credentials(kubeconfig=kubeconfig % "203.0.113.7"))
    assert isinstance(target, KubernetesTarget)
    assert target.namespace == expected


def test_without_the_kubeconfig_nothing_is_built() -> None:
    with pytest.raises(DeployError, match=r"needs --kubeconfig"):
        build_target(KUBE, Credentials(ssh_key="unused"))


def test_a_loopback_api_server_is_refused_from_the_engine_only() -> None:
    credentials = Credentials(kubeconfig=KUBECONFIG % "127.0.0.1")
    with pytest.raises(DeployError) as caught:
        build_target(KUBE, credentials, from_engine=True)
    message = str(caught.value)
    assert message.startswith("the Kubernetes API server 127.0.0.1 is loopback")
    assert "kubeconfig's server" in message
    assert TOKEN not in message
    assert isinstance(build_target(KUBE, credentials), KubernetesTarget)  # the CLI's case


def test_a_bad_kubeconfig_is_one_line_without_its_token() -> None:
    broken = (KUBECONFIG % "203.0.113.7").replace("https://", "http://")
    with pytest.raises(DeployError, match="plain HTTP") as caught:
        build_target(KUBE, Credentials(kubeconfig=broken))
    assert TOKEN not in str(caught.value)


def test_an_ecs_target_holds_the_given_keys_and_never_shows_them() -> None:
    keys = AwsKeys("AKIAEXAMPLEKEYID0001", "very-secret-key", "session-token-1")
    target = build_target(ECS, Credentials(aws=keys))
    assert isinstance(target, EcsTarget)
    assert target.describe() == "ecs eu-west-1, cluster stg, service web, container app"
    for shown in (repr(keys), repr(Credentials(aws=keys)), target.describe()):
        assert "very-secret-key" not in shown
        assert "AKIAEXAMPLEKEYID0001" not in shown
        assert "session-token-1" not in shown


def test_the_engine_reach_of_each_configured_endpoint() -> None:
    assert (reach_problem(COMPOSE) or "").startswith("the staging host 127.0.0.1 is loopback")
    assert (reach_problem(ECS) or "").startswith("the ECS endpoint 127.0.0.1 is loopback")
    assert reach_problem(ECS.model_copy(update={"endpoint_url": None})) is None
    assert reach_problem(KUBE) is None  # its server is in the kubeconfig: checked when read


def test_a_compose_target_gets_the_key_and_the_compose_file() -> None:
    target = build_target(COMPOSE, Credentials(ssh_key="KEY"), compose="services: {}\n")
    assert isinstance(target, ComposeOverSsh)
    assert target.endpoint.private_key == "KEY"
    assert target.project.directory == "~/.pipeline/app"
    assert "KEY" not in repr(target.endpoint)
