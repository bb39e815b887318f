"""Token handshake, basic auth, retries and paging through a real authenticating front.

The front (`auth_proxy.AuthProxy`) is a real HTTP server that issues tokens and checks
them like GHCR does, then forwards to the real docker-registry behind it. Its request
log lets each test check the exact requests the client made.
"""

import base64
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from main.core.errors import PipelineError
from main.core.http import RetryPolicy
from main.core.registry.client import Registry, RegistryError
from main.core.registry.promotion import promote
from tests.support.auth_proxy import SERVICE, ProxyState, auth_front
from tests.support.http_servers import Log, Recorded
from tests.support.images import layer, push_image, snapshot
from tests.support.staging import deploy, new_repo

pytestmark = pytest.mark.anyio
FAST = RetryPolicy(retries=2, backoff=0.01)
LABELS = {
    "org.opencontainers.image.version": "0.3.0",
    "org.opencontainers.image.revision": "abc123def4567890abc123def4567890abc12345",
}


@dataclass
class Front:
    """The authenticating front: its URL, its settings and its request log."""

    url: str
    state: ProxyState
    log: Log

    def token_requests(self) -> list[Recorded]:
        """The requests that went to the token endpoint."""
        return [r for r in self.log.requests if r.path == "/token"]


@pytest.fixture
def front(registry: str) -> Iterator[Front]:
    state, log = ProxyState(upstream=registry), Log()
    with auth_front(state, log) as url:
        yield Front(url, state, log)


async def _seed(registry: str, repo: str) -> str:
    """An image pushed straight to the registry behind the front; returns its digest."""
    async with Registry(registry) as direct:
        image = await push_image(
            direct, repo, "staging-latest", layers=[layer(256, repo)], labels=LABELS
        )
    return image.digest


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_the_bearer_handshake_asks_each_scope_once(front: Front, registry: str) -> None:
    repo = new_repo("auth")
    digest = await _seed(registry, repo)
    async with Registry(front.url, "ci-bot", "s3cret") as client:
        assert await client.retag(repo, "staging-latest", "0.3.0") == digest
        asked = front.token_requests()
        assert [r.query["scope"] for r in asked] == [
            [f"repository:{repo}:pull"],
            [f"repository:{repo}:pull,push"],
        ]
        for request in asked:
            assert request.method == "GET"
            assert request.query["service"] == [SERVICE]
            assert request.query["account"] == ["ci-bot"]
            assert request.headers["authorization"] == _basic("ci-bot", "s3cret")
        assert await client.retag(repo, "staging-latest", "latest") == digest
        assert len(front.token_requests()) == 2  # the pull,push token serves both
    async with Registry(registry) as direct:
        assert await direct.digest(repo, "latest") == digest


async def test_anonymous_pulls_work_and_pushes_are_refused_clearly(
    front: Front, registry: str
) -> None:
    repo = new_repo("anon")
    digest = await _seed(registry, repo)
    async with Registry(front.url, policy=FAST) as client:
        assert await client.digest(repo, "staging-latest") == digest
        with pytest.raises(RegistryError, match=rf"access to {repo}:0\.1 \(401.*needs credentials"):
            await client.retag(repo, "staging-latest", "0.1")
    assert "authorization" not in front.token_requests()[0].headers
    async with Registry(registry) as direct:
        assert await snapshot(direct, repo) == {"staging-latest": digest}


async def test_a_wrong_password_fails_promote_and_changes_nothing(
    front: Front, registry: str
) -> None:
    repo = new_repo("badpw")
    digest = await _seed(registry, repo)
    async with Registry(front.url, "ci-bot", "wrong", policy=FAST) as client:
        with pytest.raises(RegistryError, match=r"check the registry user name and password"):
            await promote(client, repo)
    async with Registry(registry) as direct:
        assert await snapshot(direct, repo) == {"staging-latest": digest}


async def test_basic_auth_is_sent_when_the_registry_asks_for_it(
    front: Front, registry: str
) -> None:
    front.state.mode = "basic"
    repo = new_repo("basic")
    digest = await _seed(registry, repo)
    async with Registry(front.url, "ci-bot", "s3cret") as client:
        promotion = await promote(client, repo)
    assert {move.after for move in promotion.moves} == {digest}
    sent = [r.headers.get("authorization") for r in front.log.requests]
    assert sent[0] is None  # nothing is sent before the registry asks
    assert set(sent[1:]) == {_basic("ci-bot", "s3cret")}
    async with Registry(front.url, "ci-bot", "nope", policy=FAST) as client:
        with pytest.raises(RegistryError, match=rf"refused access to repository {repo} \(401"):
            await client.tags(repo)


async def test_429_and_5xx_are_retried_with_backoff(front: Front, registry: str) -> None:
    front.state.mode = "basic"
    repo = new_repo("retry")
    digest = await _seed(registry, repo)
    front.state.fail_next = [(503, {}), (429, {"Retry-After": "0"})]
    async with Registry(front.url, "ci-bot", "s3cret", policy=FAST) as client:
        assert await client.digest(repo, "staging-latest") == digest
        heads = [r for r in front.log.requests if r.method == "HEAD"]
        assert len(heads) == 4  # 503, 429, then 401 challenge and the authenticated one
        front.state.fail_next = [(502, {})] * 3
        with pytest.raises(RegistryError, match=r"answered 502 to HEAD .* after 3 attempts"):
            await client.digest(repo, "staging-latest")


async def test_tag_lists_are_followed_across_pages(front: Front, registry: str) -> None:
    front.state.mode = "basic"
    front.state.tag_page = 2
    repo = new_repo("pages")
    await _seed(registry, repo)
    async with Registry(registry) as direct:
        for n in range(4):
            await direct.retag(repo, "staging-latest", f"t{n}")
    async with Registry(front.url, "ci-bot", "s3cret") as client:
        assert sorted(await client.tags(repo)) == ["staging-latest", "t0", "t1", "t2", "t3"]
    pages = [r for r in front.log.requests if r.path.endswith("/tags/list")]
    lasts = [r.query.get("last", [""])[0] for r in pages if r.headers.get("authorization")]
    assert lasts == ["", "t0", "t2"]


async def test_a_write_failing_part_way_puts_replaced_tags_back(
    front: Front, registry: str
) -> None:
    front.state.mode = "basic"
    repo = new_repo("promote-undo")
    async with Registry(registry) as direct:
        released = await deploy(direct, repo, day=0, version="0.9.0")
        await promote(direct, repo)
        rebuilt = await deploy(direct, repo, day=1, version="0.9.0")
    front.state.refused_tags = {"latest"}
    async with Registry(front.url, "ci-bot", "s3cret", policy=FAST) as client:
        with pytest.raises(PipelineError, match=r"forbids PUT on .*:latest") as caught:
            await promote(client, repo, force=True)
    message = str(caught.value)
    assert f"promote stopped; put back: 0.9.0; new tags left on the image: {rebuilt.sha}" in message
    async with Registry(registry) as direct:
        after = await snapshot(direct, repo)
    assert after["0.9.0"] == after["latest"] == released.digest
    assert after[rebuilt.sha] == rebuilt.digest
    # ...and the message says so, read back after the failure
    assert message.endswith(
        f"now: latest -> {released.digest}, 0.9.0 -> {released.digest}, "
        f"{rebuilt.sha} -> {rebuilt.digest}"
    )
