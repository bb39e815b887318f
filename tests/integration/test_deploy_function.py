"""The ``deploy`` function of the Dagger shell, run in this process against the real host.

It makes no container: the module's own process connects over SSH and runs the smoke
checker, so without an engine it runs for real. Only the engine round trips it awaits
are answered locally: the service's files from disk, and the SSH key's plaintext from
the ``setSecret`` call that made it.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagger import dag

from main._sdk import FunctionError
from main.core.registry.client import Registry
from main.core.tags import STAGING_LATEST
from main.pipeline import Pipeline
from tests.support.deploying import Staged
from tests.support.staging_host import REPOSITORY, StagingHost

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("offline_engine")]


def service_repo(folder: Path, project: Staged, *, compose: bool = True) -> Path:
    return project.service_repo(folder, compose_file="deploy/compose.yml", compose=compose)


@pytest.fixture
def project(staging_host: StagingHost) -> Iterator[Staged]:
    staged = Staged(staging_host)
    yield staged
    staged.down()


def pipeline(folder: Path) -> Pipeline:
    return Pipeline.create(source=dag.host().directory(str(folder)))


async def point_staging_latest(host: StagingHost, variant: str) -> None:
    async with Registry(f"http://{host.registry}") as registry:
        await registry.retag(REPOSITORY, variant, STAGING_LATEST)


async def staging_latest(host: StagingHost) -> str:
    async with Registry(f"http://{host.registry}") as registry:
        return await registry.digest(REPOSITORY, STAGING_LATEST)


async def test_deploy_by_tag_and_digest_roll_back_by_itself_and_by_hand(
    staging_host: StagingHost, project: Staged, tmp_path: Path
) -> None:
    folder = service_repo(tmp_path / "service", project)
    key = dag.set_secret("staging-ssh-key", staging_host.private_key)
    api = f"http://{staging_host.registry}"
    images = staging_host.images
    digest = {variant: ref.split("@", 1)[1] for variant, ref in images.items()}

    first = await pipeline(folder).deploy(ssh_key=key, image=images["v1"])  # by digest
    assert first.passed, first.summary
    assert first.staging_latest == ""

    await point_staging_latest(staging_host, "v2")
    second = await pipeline(folder).deploy(ssh_key=key, registry_api=api)  # staging-latest
    assert second.passed, second.summary
    assert second.image == images["v2"]  # the tag, resolved to its digest
    assert project.serving() == "v2"
    assert [step.name for step in second.steps][-2:] == ["smoke", "stable"]  # the window ran
    assert second.smoke is not None
    assert second.smoke.passed

    await point_staging_latest(staging_host, "broken")
    with pytest.raises(FunctionError) as failed:
        await pipeline(folder).deploy(ssh_key=key, registry_api=api)
    assert str(failed.value).startswith("deploy FAILED and rolled back: live smoke test FAILED")
    assert str(failed.value).endswith(f"{images['v2']} is running again")
    assert project.serving() == "v2"
    await point_staging_latest(staging_host, "broken")  # moved back by the failed call
    third = await pipeline(folder).deploy(ssh_key=key, registry_api=api, fail=False)
    assert not third.passed
    assert third.rolled_back
    assert third.running == images["v2"]
    assert project.serving() == "v2"
    assert third.staging_latest == f"staging-latest moved to {digest['v2']}"
    assert await staging_latest(staging_host) == digest["v2"]
    markdown = third.markdown()
    assert "rolled back" in markdown
    assert images["broken"] in markdown
    secret_line = staging_host.private_key.strip().splitlines()[1]
    for text in (third.report, third.summary, markdown, third.logs):
        assert secret_line not in text

    back = await pipeline(folder).deploy(ssh_key=key, rollback=True, registry_api=api)
    assert back.passed, back.summary
    assert back.running == images["v1"]
    assert project.serving() == "v1"
    assert back.staging_latest == f"staging-latest moved to {digest['v1']}"  # it named v2
    assert json.loads(back.report)["rollback"] is True


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("127.0.0.1:5000/other:tag", "--image '127.0.0.1:5000/other:tag': give a tag of"),
        ("sha-abc/../x", "--image 'sha-abc/../x': give a tag of"),
    ],
)
async def test_a_wrong_image_argument_is_one_line(
    staging_host: StagingHost, project: Staged, tmp_path: Path, image: str, message: str
) -> None:
    folder = service_repo(tmp_path / "service", project)
    key = dag.set_secret("staging-ssh-key", staging_host.private_key)
    with pytest.raises(FunctionError, match=message):
        await pipeline(folder).deploy(ssh_key=key, image=image)


async def test_without_a_compose_file_nothing_is_touched(
    staging_host: StagingHost, project: Staged, tmp_path: Path
) -> None:
    folder = service_repo(tmp_path / "service", project, compose=False)
    key = dag.set_secret("staging-ssh-key", staging_host.private_key)
    with pytest.raises(FunctionError) as caught:
        await pipeline(folder).deploy(ssh_key=key, image=staging_host.images["v1"])
    assert str(caught.value) == (
        "the Compose file deploy/compose.yml is not in the service repository "
        "(compose-file in [tool.pipeline.deploy])"
    )
    assert project.containers() == []


async def test_without_a_deploy_table(tmp_path: Path) -> None:
    folder = tmp_path / "service"
    folder.mkdir()
    (folder / "pyproject.toml").write_text('[project]\nname = "s"\nversion = "1.0.0"\n')
    with pytest.raises(
        FunctionError, match=r"^deploy needs a staging host: add a \[tool\.pipeline\.deploy\] table"
    ):
        await pipeline(folder).deploy(
            ssh_key=dag.set_secret("k", "x"), image="x@sha256:" + "a" * 64
        )
