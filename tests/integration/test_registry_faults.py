"""Registry faults, row by row: the real docker-registry behind a fault-injecting front.

A registry that commits a write and still answers 500, a tag list that pages to
another host or in a circle, tag lists that are not tag lists, and several reads
failing at once: each ends in one line that says what is true now, and credentials
never leave the registry they were given for.
"""

import pytest

from main.core.errors import PipelineError
from main.core.http import RetryPolicy
from main.core.registry.client import Registry
from main.core.registry.promotion import promote, rollback
from main.core.tags import STAGING_LATEST
from tests.support.auth_proxy import ProxyState, auth_front
from tests.support.http_servers import Log, RecordingHandler, serving
from tests.support.images import snapshot
from tests.support.staging import deploy, new_repo

pytestmark = pytest.mark.anyio
NO_RETRY = RetryPolicy(retries=0)


def front_state(registry: str, **faults: object) -> ProxyState:
    return ProxyState(upstream=registry, mode="basic", **faults)  # type: ignore[arg-type]


def client_for(url: str) -> Registry:
    return Registry(url, "ci-bot", "s3cret", policy=NO_RETRY)


async def test_a_promote_write_committed_but_answered_500_reports_the_real_state(
    registry: str,
) -> None:
    repo = new_repo("fault-promote")
    async with Registry(registry) as direct:
        staged = await deploy(direct, repo, day=0, version="7.0.0")
    state = front_state(registry, committed_then_failed={"latest"})
    with auth_front(state) as url:
        async with client_for(url) as client:
            with pytest.raises(PipelineError) as caught:
                await promote(client, repo)
    message = str(caught.value)
    assert "\n" not in message
    assert f"latest -> {staged.digest}" in message  # committed despite the 500: said so
    assert f"7.0.0 -> {staged.digest}" in message
    assert "now:" in message


async def test_a_first_promote_whose_new_tag_is_committed_but_answered_500_names_it(
    registry: str,
) -> None:
    # No production tag exists yet: the version tag is the first write, committed and
    # then answered 500. `latest` and the sha tag were never written, so a read-back of
    # all three at once failed on `latest` and never mentioned the new 7.0.1 tag.
    repo = new_repo("fault-first-promote")
    async with Registry(registry) as direct:
        staged = await deploy(direct, repo, day=0, version="7.0.1")
    state = front_state(registry, committed_then_failed={"7.0.1"})
    with auth_front(state) as url:
        async with client_for(url) as client:
            with pytest.raises(PipelineError) as caught:
                await promote(client, repo)
    message = str(caught.value)
    assert "\n" not in message
    assert f"7.0.1 -> {staged.digest}" in message  # the tag this call created, and where
    assert "latest: not there" in message  # never written: said so, not a failed read
    assert "could not read" not in message
    async with Registry(registry) as direct:
        assert await direct.digest(repo, "7.0.1") == staged.digest  # what the line says


async def test_a_rollback_write_committed_but_answered_500_says_where_it_points(
    registry: str,
) -> None:
    repo = new_repo("fault-rollback")
    async with Registry(registry) as direct:
        first = await deploy(direct, repo, day=0)
        await deploy(direct, repo, day=1)
    state = front_state(registry, committed_then_failed={STAGING_LATEST})
    with auth_front(state) as url:
        async with client_for(url) as client:
            with pytest.raises(PipelineError) as caught:
                await rollback(client, repo)
    message = str(caught.value)
    assert f"now: {STAGING_LATEST} -> {first.digest}" in message
    assert f"wanted {first.digest}" in message


class Elsewhere(RecordingHandler):
    """Another host (another port on loopback) that records who sends it what."""


async def test_a_tag_page_on_another_host_gets_no_credentials(registry: str) -> None:
    repo = new_repo("fault-link")
    async with Registry(registry) as direct:
        await deploy(direct, repo, day=0)
    log = Log()
    with serving(Elsewhere, log=log) as other:
        state = front_state(registry, next_link=f"{other}/v2/{repo}/tags/list?last=z")
        with auth_front(state) as url:
            async with client_for(url) as client:
                with pytest.raises(PipelineError, match="refusing to follow it"):
                    await client.tags(repo)
    assert all("authorization" not in request.headers for request in log.requests)


async def test_a_tag_list_that_pages_in_a_circle_stops(registry: str) -> None:
    repo = new_repo("fault-loop")
    async with Registry(registry) as direct:
        await deploy(direct, repo, day=0)
    state = front_state(registry, next_link=f"/v2/{repo}/tags/list?n=1000")
    with auth_front(state) as url:
        async with client_for(url) as client:
            with pytest.raises(PipelineError, match="returned to a page it had sent"):
                await client.tags(repo)


@pytest.mark.parametrize(
    "body",
    [b"<html><body>login</body></html>", b'["a", "b"]', b'{"tags": [1, 2]}', b"null"],
    ids=["html", "json list", "non-string tags", "null"],
)
async def test_a_tag_list_that_is_not_a_tag_list_is_one_line(registry: str, body: bytes) -> None:
    with auth_front(front_state(registry, tag_list=body)) as url:
        async with client_for(url) as client:
            with pytest.raises(PipelineError) as caught:
                await client.tags(new_repo("fault-body"))
    assert "\n" not in str(caught.value)


async def test_a_null_tag_list_is_an_empty_repository(registry: str) -> None:
    with auth_front(front_state(registry, tag_list=b'{"name": "x", "tags": null}')) as url:
        async with client_for(url) as client:
            assert await client.tags(new_repo("fault-null")) == []


async def test_several_reads_failing_at_once_are_one_line(registry: str) -> None:
    repo = new_repo("fault-many")
    async with Registry(registry) as client:
        await deploy(client, repo, day=0)
        before = await snapshot(client, repo)
        with pytest.raises(PipelineError) as caught:
            await client.digests(repo, ["nope-1", "nope-2", "nope-3"])
    assert not isinstance(caught.value, BaseExceptionGroup)
    assert "more reads failed" in str(caught.value)
    assert "\n" not in str(caught.value)
    async with Registry(registry) as client:
        assert await snapshot(client, repo) == before
