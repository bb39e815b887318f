"""promote with tag-aliases on a real registry: a final release also moves major.minor and major."""

import pytest
from dagger import dag

from main.core.config import PipelineConfig
from main.core.registry.client import Registry
from main.core.registry.promotion import promote
from main.registry import Registry as RegistryFamily
from tests.support.images import snapshot
from tests.support.staging import deploy, new_repo

pytestmark = pytest.mark.anyio


async def test_a_final_release_moves_its_aliases_like_latest(registry: str) -> None:
    repo = new_repo("promote-aliases")
    async with Registry(registry) as client:
        first = await deploy(client, repo, day=0, version="1.4.2")
        promotion = await promote(client, repo, aliases=True)
        after = await snapshot(client, repo)
        assert after["1.4"] == after["1"] == after["1.4.2"] == after["latest"] == first.digest
        # Aliases move before latest: a failure part-way never leaves latest ahead of them.
        assert [m.tag for m in promotion.moves] == ["1.4.2", first.sha, "1.4", "1", "latest"]
        # The next release moves them on: an alias is not a release to protect.
        second = await deploy(client, repo, day=1, version="1.5.0")
        await promote(client, repo, aliases=True)
        after = await snapshot(client, repo)
    assert after["1.5"] == after["1"] == after["latest"] == second.digest
    assert after["1.4"] == after["1.4.2"] == first.digest


async def test_without_the_setting_or_for_a_pre_release_no_alias_moves(registry: str) -> None:
    repo = new_repo("promote-noalias")
    async with Registry(registry) as client:
        await deploy(client, repo, day=0, version="2.0.0")
        await promote(client, repo)
        await deploy(client, repo, day=1, version="2.1.0rc1")
        await promote(client, repo, aliases=True)
        after = await snapshot(client, repo)
    assert not {"2", "2.0", "2.1"} & after.keys()
    assert "2.1.0rc1" in after


@pytest.mark.usefixtures("offline_engine")
async def test_registry_promote_reads_tag_aliases_from_the_settings(registry: str) -> None:
    repo = new_repo("promote-family-aliases")
    settings = PipelineConfig(image=f"ghcr.io/{repo}", tag_aliases=True)
    family = RegistryFamily.of(settings, token=None, api=registry, tree=dag.directory())
    async with Registry(registry) as client:
        staged = await deploy(client, repo, day=0, version="3.2.1")
        summary = await family.promote(skip_verify=True, skip_scan=True)
        after = await snapshot(client, repo)
    assert after["3.2"] == after["3"] == after["latest"] == staged.digest
    assert f"  3.2 -> {staged.digest} (new)" in summary
