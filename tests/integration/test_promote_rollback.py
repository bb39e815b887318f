"""promote and rollback on a real registry: digests kept, and any error changes nothing."""

import pytest

from main.core.errors import PipelineError
from main.core.http import RetryPolicy
from main.core.registry.client import Registry
from main.core.registry.promotion import promote, rollback
from main.core.tags import STAGING_LATEST
from tests.support.images import snapshot
from tests.support.staging import deploy, new_repo

pytestmark = pytest.mark.anyio
FAST = RetryPolicy(retries=1, backoff=0.01)


async def test_promote_gives_staging_latest_the_production_tags(registry: str) -> None:
    repo = new_repo("promote")
    async with Registry(registry) as client:
        await deploy(client, repo, day=0)
        current = await deploy(client, repo, day=1, version="0.2.0")
        promotion = await promote(client, repo)
        after = await snapshot(client, repo)
    assert after["latest"] == after["0.2.0"] == after[current.sha] == current.digest
    assert after[STAGING_LATEST] == current.digest
    assert promotion.version_from == "label org.opencontainers.image.version"
    assert [move.tag for move in promotion.moves] == ["0.2.0", current.sha, "latest"]
    assert "re-tagged, no layer moved" in promotion.summary()


async def test_an_index_is_promoted_whole_with_its_digest(registry: str) -> None:
    repo = new_repo("promote-index")
    async with Registry(registry) as client:
        staged = await deploy(client, repo, day=0, index=True)
        await promote(client, repo, staged.tag)
        latest = await client.manifest(repo, "latest")
    assert latest.digest == staged.digest
    assert latest.is_index
    assert len(latest.children()) == 2


async def test_without_labels_the_version_comes_from_the_staging_tag(registry: str) -> None:
    repo = new_repo("promote-nolabel")
    async with Registry(registry) as client:
        staged = await deploy(client, repo, day=0, version="1.4.2", labels=False)
        promotion = await promote(client, repo)  # staging-latest: found via its staging tag
        after = await snapshot(client, repo)
    assert promotion.version_from == f"tag {staged.tag}"
    assert after["1.4.2"] == after[staged.sha[:7]] == after["latest"] == staged.digest


async def test_promote_refuses_to_replace_a_release_and_changes_nothing(registry: str) -> None:
    repo = new_repo("promote-clash")
    async with Registry(registry) as client:
        await deploy(client, repo, day=0, version="0.5.0")
        await promote(client, repo)
        rebuilt = await deploy(client, repo, day=1, version="0.5.0")
        before = await snapshot(client, repo)
        with pytest.raises(PipelineError, match=r"0\.5\.0 \(sha256:\w+\) already point"):
            await promote(client, repo)
        assert await snapshot(client, repo) == before
        await promote(client, repo, force=True)
        assert (await snapshot(client, repo))["0.5.0"] == rebuilt.digest


@pytest.mark.parametrize("tag", ["staging-v0.1.0-20990101-000000-abcdef0", "nonexistent"])
async def test_promoting_a_missing_tag_changes_nothing(registry: str, tag: str) -> None:
    repo = new_repo("promote-missing")
    async with Registry(registry, policy=FAST) as client:
        staged = await deploy(client, repo, day=0)
        before = await snapshot(client, repo)
        with pytest.raises(PipelineError, match=rf"{repo}:{tag} does not exist.*{staged.tag}"):
            await promote(client, repo, tag)
        assert await snapshot(client, repo) == before


async def test_promoting_a_repository_that_does_not_exist_fails_clearly(registry: str) -> None:
    async with Registry(registry, policy=FAST) as client:
        with pytest.raises(PipelineError, match=r"repository acme/never does not exist"):
            await promote(client, "acme/never")


async def test_rollback_walks_back_one_deployment_at_a_time(registry: str) -> None:
    repo = new_repo("rollback")
    async with Registry(registry) as client:
        first = await deploy(client, repo, day=0)
        second = await deploy(client, repo, day=1)
        await deploy(client, repo, day=2)
        done = await rollback(client, repo)
        assert (await snapshot(client, repo))[STAGING_LATEST] == second.digest
        assert done.to_tag == second.tag
        await rollback(client, repo)
        after = await snapshot(client, repo)
        assert after[STAGING_LATEST] == first.digest
        named = (await rollback(client, repo, second.tag)).summary()
        assert f"rolled back {repo}:{STAGING_LATEST} to {second.tag}" in named
        assert f"(was {first.tag} ({first.digest}))" in named
        assert (await snapshot(client, repo))[STAGING_LATEST] == second.digest


async def test_rollback_skips_a_rebuild_of_the_same_image(registry: str) -> None:
    repo = new_repo("rollback-same")
    async with Registry(registry) as client:
        first = await deploy(client, repo, day=0)
        current = await deploy(client, repo, day=1)
        # the same image deployed again a day later: a rollback to it would move nothing
        again = current.tag.replace("20261102", "20261103")
        await client.retag(repo, current.tag, again)
        await client.retag(repo, again, STAGING_LATEST)
        done = await rollback(client, repo)
    assert (done.to_tag, done.move.after) == (first.tag, first.digest)


@pytest.mark.parametrize(
    ("to", "expected"),
    [
        ("staging-v0.1.0-20990101-000000-abcdef0", "does not exist; newest staging tags"),
        ("latest", "is not a timestamped staging tag"),
        ("", "no staging deployment before"),
    ],
)
async def test_a_rollback_that_cannot_be_done_changes_nothing(
    registry: str, to: str, expected: str
) -> None:
    repo = new_repo("rollback-bad")
    async with Registry(registry, policy=FAST) as client:
        await deploy(client, repo, day=0)
        await promote(client, repo)
        before = await snapshot(client, repo)
        with pytest.raises(PipelineError, match=expected):
            await rollback(client, repo, to or None)
        assert await snapshot(client, repo) == before


async def test_rollback_to_where_it_already_points_moves_nothing(registry: str) -> None:
    repo = new_repo("rollback-noop")
    async with Registry(registry) as client:
        only = await deploy(client, repo, day=0)
        done = await rollback(client, repo, only.tag)
    assert "nothing moved" in done.summary()


async def test_promote_refuses_a_tag_that_moved_after_it_was_scanned(registry: str) -> None:
    repo = new_repo("moved")
    async with Registry(registry) as client:
        scanned = await deploy(client, repo, day=0, version="5.0.0")
        await deploy(client, repo, day=1, version="5.0.0")  # staging-latest moves on
        before = await snapshot(client, repo)
        with pytest.raises(PipelineError, match=r"moved to .* after .* was checked"):
            await promote(client, repo, expect_digest=scanned.digest)
        assert await snapshot(client, repo) == before
