"""The registry family (registry promote, rollback, prune), run in this process.

They are plain HTTP from the module's process, so without an engine they run for real
against the registry: only the two engine round trips they await are answered
locally (the service's pyproject.toml from disk, and a secret's plaintext from the
``setSecret`` call that made it). Errors must reach the user as one traceback-free line.
"""

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import dagger
import httpx
import pytest
from dagger import dag

from main import scan as scan_recipes
from main._sdk import FunctionError
from main.core.config import PipelineConfig
from main.core.registry.client import Registry
from main.core.tags import STAGING_LATEST
from main.pipeline import Pipeline
from main.registry import Registry as RegistryFamily
from main.scan import Scan
from tests.support.auth_proxy import ProxyState, auth_front
from tests.support.constants import REPO_ROOT
from tests.support.github_api import GithubApi, GithubState
from tests.support.http_servers import Log, serving
from tests.support.images import snapshot
from tests.support.lazy import calls as selections
from tests.support.scans import scan_result
from tests.support.staging import deploy, new_repo

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("offline_engine")]
SAMPLE = "tests/fixtures/sample-service"


@dataclass
class ScanRecorder:
    """The engine's scan, answered here: which image address it pulled, and a verdict."""

    findings: int = 0
    pulled: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)


@pytest.fixture(autouse=True)
def scans(monkeypatch: pytest.MonkeyPatch) -> ScanRecorder:
    """Promote scans the exact digest in block mode; only the engine's scan run is recorded."""
    recorder = ScanRecorder()

    async def run_scan(image: dagger.Container, *, mode: str, **_: object) -> Scan:
        (pull,) = [call for call in selections(image) if call.name == "from"]
        recorder.pulled.append(str(pull.args["address"]))
        recorder.modes.append(mode)
        blocked = recorder.findings > 0
        reason = f"{recorder.findings} fixable finding(s) left" if blocked else "no findings"
        return scan_result(mode=mode, blocked=blocked, reason=reason)

    monkeypatch.setattr(scan_recipes, "run_scan", run_scan)
    return recorder


@pytest.fixture
def front(registry: str) -> Iterator[str]:
    with auth_front(ProxyState(upstream=registry)) as url:
        yield url


def pipeline_for(base: str, repo: str) -> Pipeline:
    host = httpx.URL(base).netloc.decode()
    return Pipeline.create(
        source=dag.host().directory(str(REPO_ROOT)),
        subpath=SAMPLE,
        image=f"{host}/{repo}",
        registry_username="ci-bot",
    )


async def test_promote_through_the_token_handshake_with_a_secret(front: str, registry: str) -> None:
    repo = new_repo("fn")
    async with Registry(registry) as direct:
        staged = await deploy(direct, repo, day=0, version="2.0.0")
        family = await pipeline_for(front, repo).registry(
            token=dag.set_secret("registry-password", "s3cret"), api=front
        )
        summary = await family.promote(skip_verify=True)  # provenance: test_promote_verify.py
        after = await snapshot(direct, repo)
    assert summary.startswith(f"promoted {repo}:{STAGING_LATEST} ({staged.digest})")
    assert after["latest"] == after["2.0.0"] == staged.digest


async def test_promote_scans_the_exact_digest_and_a_finding_blocks_it(
    registry: str, scans: ScanRecorder
) -> None:
    repo = new_repo("fn-scan")
    scans.findings = 2
    async with Registry(registry) as direct:
        staged = await deploy(direct, repo, day=0, version="3.0.0")
        before = await snapshot(direct, repo)
        family = await pipeline_for(registry, repo).registry(api=registry)
        with pytest.raises(FunctionError, match="2 fixable finding") as caught:
            await family.promote(skip_verify=True)
        assert await snapshot(direct, repo) == before  # nothing moved
    host = httpx.URL(registry).netloc.decode()
    assert scans.pulled == [f"{host}/{repo}@{staged.digest}"]
    assert scans.modes == ["block"]
    assert "promote" in str(caught.value)


async def test_skip_scan_is_explicit_and_said_in_the_summary(
    registry: str, scans: ScanRecorder
) -> None:
    repo = new_repo("fn-skip")
    scans.findings = 5
    async with Registry(registry) as direct:
        staged = await deploy(direct, repo, day=0, version="4.0.0")
        family = await pipeline_for(registry, repo).registry(api=registry)
        summary = await family.promote(skip_scan=True, skip_verify=True)
        after = await snapshot(direct, repo)
    assert scans.pulled == []
    assert after["latest"] == staged.digest
    assert "production scan skipped on request (--skip-scan)" in summary


async def test_a_wrong_secret_is_one_line_and_changes_nothing(front: str, registry: str) -> None:
    repo = new_repo("fn-bad")
    async with Registry(registry) as direct:
        await deploy(direct, repo, day=0)
        before = await snapshot(direct, repo)
        family = await pipeline_for(front, repo).registry(
            token=dag.set_secret("registry-password", "wrong"), api=front
        )
        with pytest.raises(FunctionError, match=r"401 unauthorized.*check the registry user name"):
            await family.promote()
        assert await snapshot(direct, repo) == before


async def test_rollback_and_prune_from_the_functions(registry: str) -> None:
    repo = new_repo("fn-ops")
    family = await pipeline_for(registry, repo).registry(api=registry)
    async with Registry(registry) as direct:
        first = await deploy(direct, repo, day=0)
        second = await deploy(direct, repo, day=1)
        rolled = await family.rollback()
        assert (await direct.digest(repo, STAGING_LATEST)) == first.digest
        assert f"to {first.tag}" in rolled
        listed = await family.prune(keep=1, keep_newer_than="", dry_run=True)
        # staging-latest now protects the older image: nothing may go
        assert listed.startswith(f"{repo}: would delete 0 manifest(s)")
        assert f"spared {first.tag}: {first.digest} is also {STAGING_LATEST}" in listed
        await family.rollback(to=second.tag)
        pruned = await family.prune(keep=1, keep_newer_than="")
        assert pruned.startswith(f"{repo}: deleted 1 manifest(s)")
        assert sorted(await direct.tags(repo)) == sorted([STAGING_LATEST, second.tag])


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("rollback", r"no staging deployment before"),
        ("prune", r"'soon' is not an age"),
        ("promote", r"staging-v9 does not exist"),
    ],
)
async def test_function_errors_are_one_line(registry: str, call: str, expected: str) -> None:
    repo = new_repo("fn-err")
    family = await pipeline_for(registry, repo).registry(api=registry)
    async with Registry(registry) as direct:
        await deploy(direct, repo, day=0)
        before = await snapshot(direct, repo)
        calls: dict[str, Callable[[], Awaitable[str]]] = {
            "rollback": lambda: family.rollback(),  # noqa: PLW0108 - one shape per row
            "prune": lambda: family.prune(keep_newer_than="soon"),
            "promote": lambda: family.promote(tag="staging-v9"),
        }
        with pytest.raises(FunctionError, match=expected) as caught:
            await calls[call]()
        assert await snapshot(direct, repo) == before
    assert "\n" not in str(caught.value)
    assert caught.value.__cause__ is None


async def test_prune_of_a_ghcr_image_deletes_through_the_github_api(registry: str) -> None:
    repo = new_repo("fn-ghcr")
    async with Registry(registry) as direct:
        old = await deploy(direct, repo, day=0)
        await deploy(direct, repo, day=1)
        before = await snapshot(direct, repo)
        state = GithubState(owner="acme", kind="User", token="ghp_fn")  # noqa: S106
        state.packages[repo.partition("/")[2]] = {7: old.digest}
        with serving(GithubApi, log=Log(), state=state) as api:
            settings = PipelineConfig(image=f"ghcr.io/{repo}", github_api_url=api)
            for token in (None, dag.set_secret("token", "ghp_fn")):
                family = RegistryFamily.of(
                    settings, token=token, api=registry, tree=dag.directory()
                )
                pruning = family.prune(keep=1, keep_newer_than="")
                if token is None:
                    with pytest.raises(FunctionError, match=r"ghcr\.io needs a GitHub token"):
                        await pruning
                else:
                    summary = await pruning
        assert await snapshot(direct, repo) == before  # reads over OCI, deletes via GitHub
    assert state.deleted == [7]
    assert state.violations == []
    assert summary.startswith(f"{repo}: deleted 1 manifest(s)")
