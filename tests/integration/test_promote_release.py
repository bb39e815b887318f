"""`registry promote` asks the service's git history whether the provenance's commit is released.

A real git repository with `main` and an unmerged `feature` branch is the service's
source (its `.git` folder, as `--source .` passes it). The family plans its git
container as on the engine; only the engine's part is done by this process: the
planned command runs here with real `git` in that repository (`run_git_plans`), after
the plan is checked to be the pinned git image with the `.git` folder mounted.
"""

import asyncio
import subprocess
from pathlib import Path

import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.core.attest.attach import attach, prepare
from main.core.attest.dsse import load_private_key
from main.core.attest.release import NO_SOURCE_HISTORY
from main.core.registry.client import Registry
from main.pipeline import Pipeline
from main.source import GIT_IMAGE
from tests.support.attestations import cyclonedx, provenance_for
from tests.support.git_repo import GIT_ENV, git
from tests.support.images import snapshot
from tests.support.lazy import calls
from tests.support.offline import _resolve
from tests.support.signing_keys import ecdsa_pair
from tests.support.staging import deploy, new_repo

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("offline_engine")]
KEY = ecdsa_pair("release-branch-signer")


@pytest.fixture
def run_git_plans(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Answer ``Container.stdout`` of the planned git container by running it here."""
    ran: list[list[str]] = []

    async def stdout(self: dagger.Container) -> str:
        chain = calls(self)
        assert [c.args.get("address") for c in chain if c.name == "from"] == [GIT_IMAGE]
        env = {c.args["name"]: c.args["value"] for c in chain if c.name == "withEnvVariable"}
        (mount,) = [c for c in chain if c.name == "withDirectory"]
        assert mount.args["path"] == "/repo/.git"
        git_dir = _resolve(mount.args["source"]).visible()
        assert git_dir is not None
        assert git_dir.name == ".git"
        (command,) = [c.args["args"] for c in chain if c.name == "withExec"]
        ran.append(command)
        done = await asyncio.to_thread(
            subprocess.run,
            command,
            cwd=git_dir.parent,
            env={**GIT_ENV, **env},
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return done.stdout

    monkeypatch.setattr(dagger.Container, "stdout", stdout)
    return ran


def service(folder: Path, repo: str, *, history: bool = True) -> tuple[Path, dict[str, str]]:
    """A service repository (main: a, b; feature: f) whose image is ghcr.io/``repo``."""
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "svc"\nversion = "7.0.0"\n[tool.pipeline]\nimage = "ghcr.io/{repo}"\n'
    )
    keys = folder / "keys"
    keys.mkdir()
    (keys / "signing.pub").write_bytes(KEY.public)
    if not history:
        return folder, {}
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "a")
    shas = {"a": git(folder, "rev-parse", "HEAD")}
    git(folder, "checkout", "-q", "-b", "feature")
    git(folder, "commit", "-q", "--allow-empty", "-m", "f")
    shas["f"] = git(folder, "rev-parse", "HEAD")
    git(folder, "checkout", "-q", "main")
    git(folder, "commit", "-q", "--allow-empty", "-m", "b")
    shas["b"] = git(folder, "rev-parse", "HEAD")
    return folder, shas


async def staged_from(client: Registry, repo: str, commit: str) -> str:
    """A staging image whose signed provenance names ``commit``; its digest."""
    staged = await deploy(client, repo, day=0, version="7.0.0")
    image = f"ghcr.io/{repo}"
    statement = provenance_for(
        image, staged.digest, commit=commit, repository=f"https://github.com/{repo}"
    )
    attachment = prepare(image, staged.digest, provenance=statement, sbom=cyclonedx())
    await attach(client, repo, attachment, load_private_key(KEY.private))
    return staged.digest


async def promote(folder: Path, registry: str) -> str:
    pipeline = Pipeline.create(source=dag.host().directory(str(folder)))
    family = await pipeline.registry(api=registry)
    key = dag.host().directory(str(folder)).file("keys/signing.pub")
    return await family.promote(verify_key=key, skip_scan=True)


async def test_a_commit_of_the_production_branch_is_promoted(
    registry: str, tmp_path: Path, run_git_plans: list[list[str]]
) -> None:
    repo = new_repo("release-on")
    folder, shas = service(tmp_path / "svc", repo)
    async with Registry(registry) as direct:
        digest = await staged_from(direct, repo, shas["a"])
        summary = await promote(folder, registry)
        after = await snapshot(direct, repo)
    assert after["latest"] == after["7.0.0"] == digest
    assert f"at {shas['a']} (on main)" in summary
    assert run_git_plans[0][-3:] == [shas["a"], "refs/remotes/origin/main", "refs/heads/main"]


async def test_a_commit_only_on_a_feature_branch_is_refused_in_one_line(
    registry: str, tmp_path: Path, run_git_plans: list[list[str]]
) -> None:
    repo = new_repo("release-off")
    folder, shas = service(tmp_path / "svc", repo)
    async with Registry(registry) as direct:
        await staged_from(direct, repo, shas["f"])
        before = await snapshot(direct, repo)
        with pytest.raises(FunctionError) as caught:
            await promote(folder, registry)
        assert await snapshot(direct, repo) == before
    message = str(caught.value)
    assert message.startswith(f"promote refused: the attestations of {repo}@sha256:")
    assert message.endswith(
        f"fail commit: {shas['f']} is not on the release branch main (refs/heads/main)"
    )
    assert len(run_git_plans) == 1


async def test_the_configured_production_branch_is_the_one_asked(
    registry: str, tmp_path: Path, run_git_plans: list[list[str]]
) -> None:
    repo = new_repo("release-trunk")
    folder, shas = service(tmp_path / "svc", repo)
    pyproject = folder / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '[tool.pipeline.branches]\nproduction = "feature"\n'
    )
    async with Registry(registry) as direct:
        await staged_from(direct, repo, shas["f"])
        summary = await promote(folder, registry)
    assert f"at {shas['f']} (on feature)" in summary
    assert run_git_plans[0][-2:] == ["refs/remotes/origin/feature", "refs/heads/feature"]


async def test_no_history_says_so_and_what_to_pass(
    registry: str, tmp_path: Path, run_git_plans: list[list[str]]
) -> None:
    repo = new_repo("release-nohistory")
    folder, _ = service(tmp_path / "svc", repo, history=False)
    async with Registry(registry) as direct:
        await staged_from(direct, repo, "0" * 40)
        before = await snapshot(direct, repo)
        with pytest.raises(FunctionError) as caught:
            await promote(folder, registry)
        assert await snapshot(direct, repo) == before
    assert str(caught.value) == f"promote refused: {NO_SOURCE_HISTORY}"
    assert run_git_plans == []
