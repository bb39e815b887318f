"""promote on a real registry: a hotfix of an older line never moves latest (or major) back."""

from dataclasses import replace

import pytest
from dagger import dag

from main import workflows
from main.core.errors import PipelineError
from main.core.image import parse_image
from main.core.registry.client import Registry
from main.core.registry.promotion import promote, tags_or_none
from tests.support.fake_stages import target
from tests.support.images import snapshot
from tests.support.processes import free_port
from tests.support.staging import deploy, new_repo

pytestmark = pytest.mark.anyio


async def test_a_hotfix_after_a_newer_release_moves_only_its_minor(registry: str) -> None:
    repo = new_repo("promote-hotfix")
    async with Registry(registry) as client:
        await deploy(client, repo, day=0, version="1.3.5")
        await promote(client, repo, aliases=True)
        newer = await deploy(client, repo, day=1, version="1.4.2")
        await promote(client, repo, aliases=True)
        hotfix = await deploy(client, repo, day=2, version="1.3.6")
        promotion = await promote(client, repo, aliases=True)
        after = await snapshot(client, repo)
    assert after["latest"] == after["1"] == after["1.4"] == newer.digest
    assert after["1.3"] == after["1.3.6"] == after[hotfix.sha] == hotfix.digest
    assert [m.tag for m in promotion.moves] == ["1.3.6", hotfix.sha, "1.3"]
    summary = promotion.summary().splitlines()
    assert "  latest stays on 1.4.2: 1.3.6 is older" in summary
    assert "  1 stays on 1.4.2: 1.3.6 is older" in summary


async def test_without_aliases_latest_still_stays_and_a_re_promotion_moves(registry: str) -> None:
    repo = new_repo("promote-hotfix-noalias")
    async with Registry(registry) as client:
        newer = await deploy(client, repo, day=0, version="2.1.0")
        await promote(client, repo)
        hotfix = await deploy(client, repo, day=1, version="2.0.1")
        held = await promote(client, repo)
        kept = await snapshot(client, repo)
        # The newest release promoted again (the same version) moves latest back to it.
        await client.retag(repo, newer.tag, "staging-latest")
        again = await promote(client, repo)
        after = await snapshot(client, repo)
    assert kept["latest"] == newer.digest
    assert kept["2.0.1"] == hotfix.digest
    assert "latest" not in [m.tag for m in held.moves]
    assert [m.tag for m in again.moves][-1] == "latest"
    assert after["latest"] == newer.digest
    assert "stays" not in again.summary()


async def test_ci_reads_the_tags_of_a_repository_or_none_for_a_new_one(registry: str) -> None:
    repo = new_repo("ci-tags")
    async with Registry(registry) as client:
        assert await tags_or_none(client, repo) == []
        staged = await deploy(client, repo, day=0, version="1.0.0")
        assert sorted(await tags_or_none(client, repo)) == sorted([staged.tag, "staging-latest"])
    # Nothing listens there: a failure that is not "no such repository" is raised.
    async with Registry(f"http://127.0.0.1:{free_port()}") as broken:
        with pytest.raises(PipelineError):
            await tags_or_none(broken, repo)


async def test_the_ci_adapter_reads_the_tags_ci_orders_by(registry: str) -> None:
    repo = new_repo("ci-adapter-tags")
    release = target("refs/heads/release/1.0")
    aimed = replace(release, repository=parse_image(f"ghcr.io/{repo}", registry))
    stages = workflows.DaggerStages(aimed, dag.directory(), workflows.Delivery())
    assert await stages.repository_tags() == []  # a first release: nothing to order by
    async with Registry(registry) as client:
        staged = await deploy(client, repo, day=0, version="1.4.2")
        await promote(client, repo)
    assert set(await stages.repository_tags()) >= {"1.4.2", "latest", staged.tag}
