"""`Registry` against a real docker-registry: read, re-tag, delete, paginate, fail clearly."""

import gc

import pytest

from main.core.http import RetryPolicy
from main.core.registry.client import Registry, RegistryError
from main.core.registry.manifests import DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST
from tests.support.images import exists, layer, push_image, push_index, snapshot
from tests.support.staging import new_repo

pytestmark = pytest.mark.anyio
FAST = RetryPolicy(retries=2, backoff=0.01)


async def test_retag_keeps_the_exact_manifest_and_digest(registry: str) -> None:
    repo = new_repo("client")
    async with Registry(registry) as client:
        layers = [layer(2048, f"{repo}-{n}") for n in range(3)]
        pushed = await push_image(client, repo, "staging-latest", layers=layers)
        digest = await client.retag(repo, "staging-latest", "0.1.0")
        moved = await client.manifest(repo, "0.1.0")
        assert digest == pushed.digest == moved.digest
        assert moved.content == pushed.content
        assert moved.media_type == OCI_MANIFEST
        assert await client.digest(repo, "0.1.0") == pushed.digest
        assert sorted(await client.tags(repo)) == ["0.1.0", "staging-latest"]


@pytest.mark.parametrize("media_type", [DOCKER_MANIFEST, OCI_INDEX])
async def test_docker_manifests_and_indexes_keep_their_media_type(
    registry: str, media_type: str
) -> None:
    repo = new_repo("client")
    async with Registry(registry) as client:
        if media_type == OCI_INDEX:
            children = {
                arch: await push_image(
                    client, repo, None, layers=[layer(512, f"{repo}-{arch}")], architecture=arch
                )
                for arch in ("amd64", "arm64")
            }
            pushed = await push_index(client, repo, "v1", children)
            assert pushed.children() == [c.digest for c in children.values()]
        else:
            pushed = await push_image(
                client, repo, "v1", layers=[layer(512, repo)], media_type=media_type
            )
        assert await client.retag(repo, "v1", "v2") == pushed.digest
        again = await client.manifest(repo, "v2")
        assert (again.media_type, again.content) == (media_type, pushed.content)


async def test_labels_come_from_the_config_of_the_first_image_in_an_index(registry: str) -> None:
    repo = new_repo("client")
    labels = {"org.opencontainers.image.version": "1.2.3"}
    async with Registry(registry) as client:
        amd = await push_image(client, repo, None, layers=[layer(64, repo)], labels=labels)
        arm = await push_image(
            client, repo, None, layers=[layer(64, repo + "arm")], architecture="arm64"
        )
        await push_index(client, repo, "multi", {"amd64": amd, "arm64": arm})
        assert await client.labels(repo, "multi") == labels
        assert await client.labels(repo, amd.digest) == labels


async def test_delete_by_digest_removes_every_tag_on_it(registry: str) -> None:
    repo = new_repo("client")
    async with Registry(registry) as client:
        gone = await push_image(client, repo, "old", layers=[layer(64, repo)])
        await client.retag(repo, "old", "older")
        kept = await push_image(client, repo, "new", layers=[layer(64, repo + "new")])
        await client.delete(repo, gone.digest)
        assert await snapshot(client, repo) == {"new": kept.digest}
        assert not await exists(client, repo, gone.digest)


async def test_missing_things_are_named_in_the_error(registry: str) -> None:
    repo = new_repo("client")
    async with Registry(registry, policy=FAST) as client:
        await push_image(client, repo, "there", layers=[layer(64, repo)])
        before = await snapshot(client, repo)
        with pytest.raises(RegistryError, match=rf"{repo}:nope does not exist on 127\.0\.0\.1"):
            await client.retag(repo, "nope", "there")
        with pytest.raises(RegistryError, match=rf"repository acme/none-{repo[-4:]} does not"):
            await client.tags(f"acme/none-{repo[-4:]}")
        missing = "sha256:" + "0" * 64
        with pytest.raises(RegistryError, match=rf"{repo}@{missing} does not exist") as caught:
            await client.delete(repo, missing)
        assert caught.value.status == 404
        assert await snapshot(client, repo) == before


async def test_an_unreachable_registry_is_one_clear_line() -> None:
    async with Registry("http://127.0.0.1:9", policy=RetryPolicy(0, 0)) as client:
        with pytest.raises(RegistryError, match=r"cannot reach 127\.0\.0\.1:9 for acme/x:v1"):
            await client.digest("acme/x", "v1")


async def test_used_without_async_with_it_leaves_no_connection_open(registry: str) -> None:
    repo = new_repo("client")
    plain = Registry(registry)  # the documented shape: Registry(base_url, user, password)
    pushed = await push_image(plain, repo, "a", layers=[layer(64, repo)])
    assert await plain.retag(repo, "a", "b") == pushed.digest
    assert sorted(await plain.tags(repo)) == ["a", "b"]
    await plain.delete(repo, await plain.digest(repo, "b"))
    del plain
    gc.collect()  # an unclosed socket would raise ResourceWarning here (warnings are errors)
