"""The ``deploy`` function of the Dagger shell, run in this process against the real host.

It makes no container: the module's own process connects over SSH and runs the smoke
checker, so without an engine it runs for real. Only the engine round trips it awaits
are answered locally: the service's files from disk, and the SSH key's plaintext from
the ``setSecret`` call that made it.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.core.registry.client import Registry
from main.core.tags import STAGING_LATEST
from main.pipeline import Pipeline
from tests.support.deploying import Staged
from tests.support.lazy import calls as selections
from tests.support.offline import answer_reads_from_disk
from tests.support.staging_app import MCP_PATH
from tests.support.staging_host import StagingHost

pytestmark = pytest.mark.anyio
REPOSITORY = "staging/app"


@pytest.fixture(autouse=True)
def offline_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_reads_from_disk(monkeypatch)

    async def plaintext(self: dagger.Secret) -> str:
        (made,) = [call for call in selections(self) if call.name == "setSecret"]
        return str(made.args["plaintext"])

    monkeypatch.setattr(dagger.Secret, "plaintext", plaintext)


def service_repo(folder: Path, host: StagingHost, project: Staged, *, compose: bool = True) -> Path:
    """A service repository whose settings name the test host, as a user writes them."""
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        f"""[project]
name = "staging-app"
version = "1.0.0"

[tool.pipeline]
image = "{host.registry}/{REPOSITORY}"
mcp-path = "{MCP_PATH}"
startup-timeout = 5
smoke-timeout = 20

[tool.pipeline.deploy]
host = "{host.ssh_host}"
port = {host.ssh_port}
user = "{host.user}"
host-key = "{host.host_key}"
url = "{project.url}"
service = "app"
project = "{project.project}"
compose-file = "deploy/compose.yml"
timeout = 30
""",
        encoding="utf-8",
    )
    if compose:
        (folder / "deploy").mkdir()
        (folder / "deploy" / "compose.yml").write_text(project.compose, encoding="utf-8")
    return folder


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


async def test_deploy_resolves_staging_latest_then_rolls_back_and_moves_it_back(
    staging_host: StagingHost, project: Staged, tmp_path: Path
) -> None:
    folder = service_repo(tmp_path / "service", staging_host, project)
    key = dag.set_secret("staging-ssh-key", staging_host.private_key)
    api = f"http://{staging_host.registry}"

    await point_staging_latest(staging_host, "v1")
    first = await pipeline(folder).deploy(ssh_key=key, registry_api=api)
    assert first.passed, first.summary
    assert first.image == staging_host.images["v1"]  # the tag, resolved to its digest
    assert project.serving() == "v1"
    assert [step.name for step in first.steps][-1] == "smoke"
    assert first.smoke is not None
    assert first.smoke.passed

    await point_staging_latest(staging_host, "broken")
    second = await pipeline(folder).deploy(ssh_key=key, registry_api=api)
    assert not second.passed
    assert second.rolled_back
    assert second.running == staging_host.images["v1"]
    assert project.serving() == "v1"
    v1_digest = staging_host.images["v1"].split("@", 1)[1]
    assert second.staging_latest == f"staging-latest moved to {v1_digest}"
    assert await staging_latest(staging_host) == v1_digest
    markdown = second.markdown()
    assert "rolled back" in markdown
    assert staging_host.images["broken"] in markdown
    for text in (second.report, second.summary, markdown, second.logs):
        assert staging_host.private_key.strip().splitlines()[1] not in text


async def test_deploy_by_digest_and_by_hand_rollback(
    staging_host: StagingHost, project: Staged, tmp_path: Path
) -> None:
    folder = service_repo(tmp_path / "service", staging_host, project)
    key = dag.set_secret("staging-ssh-key", staging_host.private_key)
    for variant in ("v1", "v2"):
        result = await pipeline(folder).deploy(ssh_key=key, image=staging_host.images[variant])
        assert result.passed, result.summary
    back = await pipeline(folder).deploy(ssh_key=key, rollback=True)
    assert back.passed, back.summary
    assert back.running == staging_host.images["v1"]
    assert project.serving() == "v1"
    # staging-latest does not name v2 (the image left), so it is not touched.
    assert back.staging_latest.endswith(": left as it is") or back.staging_latest.startswith(
        "staging-latest was not moved"
    )
    report = json.loads(back.report)
    assert report["rollback"] is True


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
    folder = service_repo(tmp_path / "service", staging_host, project)
    key = dag.set_secret("staging-ssh-key", staging_host.private_key)
    with pytest.raises(FunctionError, match=message):
        await pipeline(folder).deploy(ssh_key=key, image=image)


async def test_without_a_compose_file_nothing_is_touched(
    staging_host: StagingHost, project: Staged, tmp_path: Path
) -> None:
    folder = service_repo(tmp_path / "service", staging_host, project, compose=False)
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
