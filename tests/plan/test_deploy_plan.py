"""The deploy function's wiring: the key only as a secret, read only when a host is set."""

import typing
from dataclasses import replace
from pathlib import Path

import dagger
import pytest
from dagger import dag

from main import deploy
from main._sdk import FunctionError
from main.core.deploy.result import DeployReport
from main.pipeline import Pipeline

pytestmark = pytest.mark.anyio


def base_type(hint: object) -> object:
    return typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint


CREDENTIALS = (
    "ssh_key",
    "kubeconfig",
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
)


@pytest.mark.parametrize("function", [Pipeline.deploy, Pipeline.deploy_staging])
def test_every_targets_credentials_are_optional_secrets_never_strings(function: object) -> None:
    # The configured target decides which one is needed: none is required on its own.
    hints = typing.get_type_hints(function, include_extras=True)
    for name in CREDENTIALS:
        assert base_type(hints[name]) == dagger.Secret | None, name
    if function is Pipeline.deploy:
        assert base_type(hints["registry_token"]) == dagger.Secret | None


@pytest.mark.usefixtures("offline_reads")
async def test_without_a_host_the_key_is_never_read(
    sample_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []

    async def plaintext(self: dagger.Secret) -> str:  # noqa: ARG001
        read.append("read")
        return "-----BEGIN OPENSSH PRIVATE KEY-----"

    monkeypatch.setattr(dagger.Secret, "plaintext", plaintext)
    with pytest.raises(FunctionError) as caught:
        await sample_pipeline.deploy(ssh_key=dag.set_secret("k", "unused"))
    assert str(caught.value).startswith("deploy needs a staging host")
    assert read == []


PYPROJECT = """[project]
name = "svc"
version = "1.0.0"

[tool.pipeline]
image = "registry.example.com/acme/svc"

[tool.pipeline.deploy]
host = "{host}"
host-key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyHostKeyHostKeyHostKeyHostKey00"
url = "https://staging.example.com"
service = "app"
"""


@pytest.mark.usefixtures("offline_engine")
@pytest.mark.parametrize(
    ("host", "said"),
    [("127.0.0.1", "is loopback"), ("staging.invalid", "does not resolve from the engine")],
)
async def test_inside_the_engine_a_loopback_or_unknown_host_is_refused_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, host: str, said: str
) -> None:
    # The engine gives a function's runtime a session port; its loopback is itself.
    monkeypatch.setenv("DAGGER_SESSION_PORT", "1")
    monkeypatch.setenv("DAGGER_SESSION_TOKEN", "unused")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(host=host), encoding="utf-8")
    (tmp_path / "compose.yml").write_text("services:\n  app:\n    image: x\n", encoding="utf-8")
    pipeline = Pipeline.create(source=dag.host().directory(str(tmp_path)))
    with pytest.raises(FunctionError) as caught:
        await pipeline.deploy(ssh_key=dag.set_secret("k", "unused"), image="sha256:" + "a" * 64)
    message = str(caught.value)
    assert f"the staging host {host} {said}" in message
    assert "public or LAN name" in message
    assert "\n" not in message


def test_staging_latest_follows_only_a_rollback_to_the_previous_deployment() -> None:
    broken, good = (f"r.example/app@sha256:{c * 64}" for c in "ab")
    back = DeployReport(
        outcome="rolled-back", target="t", url="u", image=broken, previous=good, running=good
    )
    assert deploy.tag_move(back) == (good, broken)
    # A failed first deploy that brought back what the target ran before the pipeline:
    # that image was never published here, so staging-latest must not be pointed at it.
    found = replace(back, previous=None, running="docker.io/library/nginx:1.25")
    assert deploy.tag_move(found) is None
