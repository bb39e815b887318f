from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.core import publish as publish_rules
from main.pipeline import Pipeline
from tests.support.answers import query_error
from tests.support.constants import GIT_URL, SHA
from tests.support.lazy import calls, find, plain_env, secret_names, walk
from tests.support.pipelines import pipeline_for_sample

DIGEST = "sha256:" + "d" * 64
TOKEN = "ghp_plaintext-token-value"  # noqa: S105 - a fake value, looked for in the plan
IMAGE = "ghcr.io/example/sample-service"
STAGING = ["staging-v0.1.0-20251015-143052-abc123d", "staging-latest"]

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("offline_reads", "deployed_at")]


@pytest.fixture
def deployed_at(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seed's example: a deployment at 2025-10-15 14:30:52 UTC names its staging tag."""
    monkeypatch.setattr(
        publish_rules, "now", lambda: datetime(2025, 10, 15, 14, 30, 52, tzinfo=UTC)
    )


@dataclass
class Push:
    """One push the engine was asked for."""

    address: str
    image: dagger.Container
    registry_service: dagger.Service | None


def registry_token() -> dagger.Secret:
    """The fake registry token, as ``--registry-token`` would pass it."""
    return dag.set_secret("registry-token", TOKEN)


def record_pushes(
    monkeypatch: pytest.MonkeyPatch,
    expected: int,
    *,
    fail: str | None = None,
    digests: dict[str, str] | None = None,
) -> list[Push]:
    """Answer ``Container.publish``; every push waits until all ``expected`` have started.

    Pushes made one after another would never all be started at once, so the wait
    times out and the test fails: this is how the plan tier sees the concurrency.
    """
    pushes: list[Push] = []
    all_started = anyio.Event()

    async def publish(
        self: dagger.Container, address: str, *, registry_service: dagger.Service | None = None
    ) -> str:
        pushes.append(Push(address, self, registry_service))
        if len(pushes) == expected:
            all_started.set()
        with anyio.fail_after(5):
            await all_started.wait()
        tag = address.rsplit(":", 1)[1]
        if tag == fail:
            msg = "failed to push: denied: permission_denied: write_package"
            raise query_error(msg)
        return f"{address}@{(digests or {}).get(tag, DIGEST)}"

    monkeypatch.setattr(dagger.Container, "publish", publish)
    return pushes


async def test_every_staging_tag_is_pushed_at_once_and_reported_with_its_digest(
    git_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushes = record_pushes(monkeypatch, expected=2)
    published = await git_pipeline.publish(registry_token=registry_token())
    assert published == [f"{IMAGE}:{tag}@{DIGEST}" for tag in STAGING]
    assert sorted(push.address for push in pushes) == sorted(f"{IMAGE}:{tag}" for tag in STAGING)


async def test_production_tags_are_latest_version_and_sha(
    git_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushes = record_pushes(monkeypatch, expected=3)
    published = await git_pipeline.publish(kind="production", registry_token=registry_token())
    assert {push.address.rsplit(":", 1)[1] for push in pushes} == {"latest", "0.1.0", SHA}
    assert len(published) == 3


async def test_the_token_is_only_ever_a_secret_for_the_registry_host(
    git_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushes = record_pushes(monkeypatch, expected=2)
    await git_pipeline.publish(registry_token=registry_token())
    for push in pushes:
        (auth,) = find(push.image, "withRegistryAuth")
        assert auth.args["address"] == "ghcr.io"
        assert auth.args["username"]
        assert calls(auth.args["secret"])[-1].name == "setSecret"
        assert secret_names(push.image) == ["registry-token"]
        # The value appears in no selection but the one that creates the secret.
        for call in walk(push.image):
            if call.name != "setSecret":
                assert TOKEN not in repr(call.args), f"token leaked into {call.name}"
        assert TOKEN not in repr(plain_env(push.image))
        labels = [call.args["value"] for call in find(push.image, "withLabel")]
        assert len(labels) == 5
        assert all(TOKEN not in value for value in labels)
        assert push.registry_service is None


async def test_without_credentials_nothing_is_built_and_the_message_says_how(
    git_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushes = record_pushes(monkeypatch, expected=2)
    with pytest.raises(FunctionError) as caught:
        await git_pipeline.publish()
    assert "--registry-token env://GITHUB_TOKEN" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert pushes == []


async def test_a_local_registry_needs_no_token(
    git_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def endpoint(self: dagger.Service, **_: object) -> str:
        assert calls(self)[-1].name == "service"
        # What the engine answers for a host service: its generated name, not localhost.
        return "4bq1u8ffm1i0e:5000"

    monkeypatch.setattr(dagger.Service, "endpoint", endpoint)
    pushes = record_pushes(monkeypatch, expected=2)
    registry = dag.host().service([dagger.PortForward(backend=5000, frontend=5000)])
    published = await git_pipeline.publish(local_registry=registry)
    assert published == [f"localhost:5000/example/sample-service:{tag}@{DIGEST}" for tag in STAGING]
    for push in pushes:
        # localhost: the one host the engine pushes to over plain HTTP; the service
        # binding makes the engine dial it through the tunnel.
        assert push.address.startswith("localhost:5000/example/sample-service:")
        assert push.registry_service is registry
        assert find(push.image, "withRegistryAuth") == []


async def test_a_failed_push_names_the_tag_and_the_tags_already_pushed(
    git_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_pushes(monkeypatch, expected=2, fail="staging-latest")
    with pytest.raises(FunctionError) as caught:
        await git_pipeline.publish(registry_token=registry_token())
    assert str(caught.value) == (
        "pushing tag 'staging-latest' failed: failed to push: denied: "
        "permission_denied: write_package; tags already pushed: "
        "staging-v0.1.0-20251015-143052-abc123d"
    )


async def test_tags_that_land_on_different_digests_stop_the_run(
    git_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_pushes(monkeypatch, expected=2, digests={"staging-latest": "sha256:" + "e" * 64})
    with pytest.raises(FunctionError, match="the pushed tags name different images"):
        await git_pipeline.publish(registry_token=registry_token())


async def test_tags_function_gives_the_issue_example(git_pipeline: Pipeline) -> None:
    assert await git_pipeline.tags() == STAGING
    assert await git_pipeline.tags(kind="production") == ["latest", "0.1.0", SHA]
    with pytest.raises(FunctionError, match="use staging or production"):
        await git_pipeline.tags(kind="prod")


async def test_tags_without_git_history_is_one_clear_line(sample_pipeline: Pipeline) -> None:
    with pytest.raises(FunctionError, match=r"tags name a commit, and the source has no \.git"):
        await sample_pipeline.tags()


async def test_another_registry_without_a_user_name_is_refused_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def no_commit_read(*_: object) -> str:
        msg = "the commit must not be read before the refusal"
        raise AssertionError(msg)

    monkeypatch.setattr(dagger.GitRef, "commit", no_commit_read)
    pushes = record_pushes(monkeypatch, expected=2)
    pipeline = pipeline_for_sample(repo=dag.git(GIT_URL), image="registry.example.com/acme/api")
    with pytest.raises(FunctionError, match=r"registry\.example\.com needs a user name"):
        await pipeline.publish(registry_token=registry_token())
    assert pushes == []
