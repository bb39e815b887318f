"""prune_staging on a real registry, and on GHCR's package API served locally.

The repository is left as the pipeline leaves it after a week of deployments: six
timestamped staging tags (one an index), ``staging-latest`` on the newest, an older
deployment promoted to ``latest``/version/sha, and an old staging tag that shares a
digest with a kept one. Deleting by digest removes every tag on it, so the test checks
each digest a protected tag points to survives, not just the tags.
"""

import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from main.core.errors import PipelineError
from main.core.http import RetryPolicy
from main.core.registry.client import Registry
from main.core.registry.ghcr import GhcrDeleter, GithubPackages
from main.core.registry.promotion import promote
from main.core.registry.pruning import OciDeleter, prune_staging
from main.core.tags import STAGING_LATEST
from tests.support.auth_proxy import ProxyState, auth_front
from tests.support.github_api import GithubApi, GithubState
from tests.support.http_servers import Log, serving
from tests.support.images import exists, layer, push_image, push_index, snapshot
from tests.support.staging import START, Deployment, deploy, new_repo

pytestmark = pytest.mark.anyio
FAST = RetryPolicy(retries=1, backoff=0.01)
NOW = START + timedelta(days=10)


@dataclass
class Week:
    """A repository after a week of deployments."""

    repo: str
    deployments: list[Deployment]
    alias: str  # an old staging tag on the same digest as deployments[4]

    def by_day(self, *days: int) -> set[str]:
        """Digests of the deployments of those days."""
        return {self.deployments[day].digest for day in days}


async def a_week(client: Registry, repo: str) -> Week:
    deployments = [await deploy(client, repo, day=day, index=day == 2) for day in range(6)]
    await promote(client, repo, deployments[1].tag)
    alias = "staging-v0.1.0-20261031-120000-0000000"
    await client.retag(repo, deployments[4].tag, alias)
    return Week(repo, deployments, alias)


async def test_a_dry_run_lists_and_deletes_nothing(registry: str) -> None:
    async with Registry(registry) as client:
        week = await a_week(client, new_repo("prune-dry"))
        before = await snapshot(client, week.repo)
        pruning = await prune_staging(
            client, week.repo, OciDeleter(client), keep=2, newer_than=None, now=NOW, dry_run=True
        )
        assert await snapshot(client, week.repo) == before
    assert set(pruning.plan.delete) == week.by_day(0, 2, 3)
    assert "would delete 5 manifest(s)" in pruning.summary()  # 3 images + 2 children


async def test_prune_keeps_every_digest_a_protected_tag_points_to(registry: str) -> None:
    async with Registry(registry) as client:
        week = await a_week(client, new_repo("prune"))
        before = await snapshot(client, week.repo)
        index = await client.manifest(week.repo, week.deployments[2].tag)
        pruning = await prune_staging(
            client, week.repo, OciDeleter(client), keep=2, newer_than=None, now=NOW
        )
        after = await snapshot(client, week.repo)
        for child in index.children():
            assert not await exists(client, week.repo, child)
    gone = week.by_day(0, 2, 3)
    assert set(pruning.plan.delete) == gone
    assert after == {tag: digest for tag, digest in before.items() if digest not in gone}
    protected = {"latest", "0.1.0", week.deployments[1].sha, STAGING_LATEST}
    assert {tag: after[tag] for tag in protected} == {tag: before[tag] for tag in protected}
    assert week.alias in after  # expired, but its digest is also a kept staging tag's
    assert set(pruning.plan.spared) == {week.deployments[1].tag, week.alias}


async def test_an_age_keeps_younger_staging_tags_too(registry: str) -> None:
    async with Registry(registry) as client:
        week = await a_week(client, new_repo("prune-age"))
        now = START + timedelta(days=5, hours=1)
        pruning = await prune_staging(
            client, week.repo, OciDeleter(client), keep=1, newer_than=timedelta(days=3), now=now
        )
        tags = await client.tags(week.repo)
    assert set(pruning.plan.delete) == week.by_day(0, 2)
    assert {d.tag for d in week.deployments[3:]} <= set(tags)


async def test_a_child_shared_with_a_kept_index_survives(registry: str) -> None:
    repo = new_repo("prune-shared")
    async with Registry(registry) as client:
        shared = await push_image(
            client, repo, None, layers=[layer(64, repo + "arm")], architecture="arm64"
        )
        old_amd = await push_image(client, repo, None, layers=[layer(64, repo + "old")])
        new_amd = await push_image(client, repo, None, layers=[layer(64, repo + "new")])
        old_tag = "staging-v0.1.0-20261101-120000-aaaaaaa"
        new_tag = "staging-v0.1.0-20261102-120000-bbbbbbb"
        old = await push_index(client, repo, old_tag, {"amd64": old_amd, "arm64": shared})
        await push_index(client, repo, new_tag, {"amd64": new_amd, "arm64": shared})
        await client.retag(repo, new_tag, STAGING_LATEST)
        pruning = await prune_staging(
            client, repo, OciDeleter(client), keep=1, newer_than=None, now=NOW
        )
        assert pruning.digests == [old.digest, old_amd.digest]
        assert await exists(client, repo, shared.digest)
        assert await exists(client, repo, new_amd.digest)
        assert not await exists(client, repo, old_amd.digest)


async def test_an_old_tag_on_a_child_of_a_protected_index_is_spared(registry: str) -> None:
    # An old single-arch staging image, byte-identical to the amd64 child of the index
    # behind latest and staging-latest: deleting its digest would break that index.
    repo = new_repo("prune-child")
    async with Registry(registry) as client:
        amd = await push_image(client, repo, None, layers=[layer(64, repo + "amd")])
        arm = await push_image(
            client, repo, None, layers=[layer(64, repo + "arm")], architecture="arm64"
        )
        old_tag = "staging-v0.1.0-20261101-120000-aaaaaaa"
        new_tag = "staging-v0.1.0-20261102-120000-bbbbbbb"
        await client.retag(repo, amd.digest, old_tag)
        release = await push_index(client, repo, new_tag, {"amd64": amd, "arm64": arm})
        for tag in (STAGING_LATEST, "latest", "0.1.0"):
            await client.retag(repo, new_tag, tag)
        before = await snapshot(client, repo)
        pruning = await prune_staging(
            client, repo, OciDeleter(client), keep=1, newer_than=None, now=NOW
        )
        assert pruning.digests == []
        assert old_tag in pruning.plan.spared
        assert "child of" in pruning.plan.spared[old_tag]
        assert await snapshot(client, repo) == before
        for child in release.children():
            assert await exists(client, repo, child)


async def test_a_bad_policy_is_refused_before_anything_is_deleted(registry: str) -> None:
    async with Registry(registry) as client:
        week = await a_week(client, new_repo("prune-bad"))
        before = await snapshot(client, week.repo)
        with pytest.raises(PipelineError, match="--keep must be 0 or more"):
            await prune_staging(
                client, week.repo, OciDeleter(client), keep=-1, newer_than=None, now=NOW
            )
        assert await snapshot(client, week.repo) == before


async def test_a_refused_deletion_says_what_was_already_deleted(registry: str) -> None:
    state = ProxyState(upstream=registry, mode="basic", deletes_allowed=1)
    with auth_front(state) as front:
        async with Registry(front, "ci-bot", "s3cret", policy=FAST) as client:
            week = await a_week(client, new_repo("prune-refused"))
            with pytest.raises(PipelineError, match=r"forbids DELETE") as caught:
                await prune_staging(
                    client, week.repo, OciDeleter(client), keep=2, newer_than=None, now=NOW
                )
            remaining = set((await snapshot(client, week.repo)).values())
    (deleted,) = week.by_day(0, 2, 3) - remaining
    assert str(caught.value).endswith(f"; deleted before the failure: {deleted}")


# --- GHCR: deletion through GitHub's package-version API --------------------------------


@dataclass
class Github:
    """The local GitHub API: its URL, its packages and its request log."""

    url: str
    state: GithubState
    log: Log


@pytest.fixture(params=["Organization", "User"])
def github(request: pytest.FixtureRequest) -> Iterator[Github]:
    state, log = GithubState(owner="acme", kind=request.param, token="ghp_test"), Log()  # noqa: S106
    with serving(GithubApi, log=log, state=state) as url:
        yield Github(url, state, log)


async def _publish_versions(client: Registry, repo: str, github: Github) -> dict[str, int]:
    """What GHCR would hold: one package version per manifest, children included."""
    digests = set((await snapshot(client, repo)).values())
    for manifest in (await client.manifests(repo, sorted(digests))).values():
        digests.update(manifest.children())
    versions = {digest: 1000 + n for n, digest in enumerate(sorted(digests))}
    package = repo.partition("/")[2]
    github.state.packages[package] = {number: digest for digest, number in versions.items()}
    return versions


async def test_on_ghcr_prune_deletes_package_versions_children_included(
    registry: str, github: Github
) -> None:
    async with Registry(registry) as client:
        week = await a_week(client, new_repo("ghcr") + "/api")  # package name with a slash
        versions = await _publish_versions(client, week.repo, github)
        before = await snapshot(client, week.repo)
        index = await client.manifest(week.repo, week.deployments[2].tag)
        packages = GithubPackages("ghp_test", github.url, policy=FAST)
        try:
            pruning = await prune_staging(
                client, week.repo, GhcrDeleter(packages), keep=2, newer_than=None, now=NOW
            )
        finally:
            await packages.aclose()
        assert await snapshot(client, week.repo) == before  # nothing went through OCI
    expected = [*pruning.plan.delete, *index.children()]
    assert set(expected) == week.by_day(0, 2, 3) | set(index.children())
    assert github.state.deleted == [versions[digest] for digest in pruning.digests]
    assert sorted(pruning.digests) == sorted(expected)
    assert github.state.violations == []
    kind = "orgs" if github.state.kind == "Organization" else "users"
    package = week.repo.partition("/")[2].replace("/", "%2F")
    deletes = [r.target for r in github.log.requests if r.method == "DELETE"]
    assert deletes == [
        f"/{kind}/acme/packages/container/{package}/versions/{versions[d]}" for d in pruning.digests
    ]
    listing = [r for r in github.log.requests if r.path.endswith("/versions")]
    assert len(listing) > 1  # followed the Link header across pages


async def test_on_ghcr_an_unknown_version_or_bad_token_deletes_nothing(
    registry: str, github: Github
) -> None:
    async with Registry(registry) as client:
        week = await a_week(client, new_repo("ghcr-bad"))
        versions = await _publish_versions(client, week.repo, github)
        package = week.repo.partition("/")[2]
        del github.state.packages[package][versions[week.deployments[0].digest]]
        for token, expected in [
            ("ghp_test", "has no version named sha256:"),
            ("wrong", r"GitHub refused the token for package acme/ghcr-bad-\w+ \(401\)"),
        ]:
            packages = GithubPackages(token, github.url, policy=FAST)
            try:
                with pytest.raises(PipelineError, match=expected):
                    await prune_staging(
                        client, week.repo, GhcrDeleter(packages), keep=2, newer_than=None, now=NOW
                    )
            finally:
                await packages.aclose()
    assert github.state.deleted == []
    assert not [r for r in github.log.requests if r.method == "DELETE"]


def test_the_fake_api_refuses_undocumented_requests(github: Github) -> None:
    github.state.packages["svc"] = {1: "sha256:" + "a" * 64}
    reply = httpx.get(
        f"{github.url}/users/acme/packages/container/svc/versions",
        headers={"Authorization": "Bearer ghp_test"},
    )
    assert reply.status_code == 400
    assert github.state.violations


async def test_a_dry_run_prune_reads_each_tag_once_through_one_plain_http_client(
    registry: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 20 row 18: a new httpx client (and SSL context, even for http://) for almost
    # every request, and about 14 requests per tag. Now: one client for the operation,
    # no CA bundle for a plain-HTTP registry, the tag list and one GET per tag.
    async with Registry(registry) as client:
        week = await a_week(client, new_repo("prune-requests"))
        tags = await client.tags(week.repo)
    log = Log()
    with auth_front(ProxyState(upstream=registry, mode="basic"), log) as url:
        # Counted from here: the front's own forwarding client is made before.
        clients, ca_loads = Counter(httpx.AsyncClient), Counter(ssl.SSLContext)
        monkeypatch.setattr(httpx.AsyncClient, "__init__", clients.wrap("__init__"))
        verify = ca_loads.wrap("load_verify_locations")
        monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", verify)
        registry_client = Registry(url, "ci-bot", "s3cret", policy=FAST)  # no `async with`
        pruning = await prune_staging(
            registry_client, week.repo, OciDeleter(registry_client), keep=2, newer_than=None,
            now=NOW, dry_run=True,
        )  # fmt: skip
    assert set(pruning.plan.delete) == week.by_day(0, 2, 3)
    assert clients.calls == 1
    assert ca_loads.calls == 0
    reads = [(r.method, r.path) for r in log.requests]
    manifest_reads = [path for method, path in reads if "/manifests/" in path]
    assert len(manifest_reads) == len(tags), reads  # each tag's manifest once, nothing more
    assert len(reads) <= len(tags) + 2, reads  # + the tag list and the first 401 challenge


class Counter:
    """Counts calls of one method of ``cls`` while still calling it."""

    def __init__(self, cls: type) -> None:
        """Count nothing yet."""
        self.cls = cls
        self.calls = 0

    def wrap(self, name: str) -> Callable[..., object]:
        """``cls.name``, counting each call."""
        original = getattr(self.cls, name)

        def counted(*args: object, **kwargs: object) -> object:
            self.calls += 1
            return original(*args, **kwargs)

        return counted
