"""The deploy function's wiring: the key only as a secret, read only when a host is set."""

import typing

import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.pipeline import Pipeline

pytestmark = pytest.mark.anyio


def base_type(hint: object) -> object:
    return typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint


def test_the_key_and_the_token_are_secrets_never_strings() -> None:
    hints = typing.get_type_hints(Pipeline.deploy, include_extras=True)
    assert base_type(hints["ssh_key"]) is dagger.Secret
    assert base_type(hints["registry_token"]) == dagger.Secret | None
    staging = typing.get_type_hints(Pipeline.deploy_staging, include_extras=True)
    assert base_type(staging["ssh_key"]) == dagger.Secret | None


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
