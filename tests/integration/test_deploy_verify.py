"""`deploy` checks the digest's provenance first (verify-on-deploy), in this process, for real.

The function runs as in tests/integration/test_deploy_function.py: the real staging
host (sshd, dockerd, registry) and the real registry holding its test images, where
the core seam attaches signed attestations as deploy-staging does. A refusal is one
line before anything on the host changes; --skip-verify deploys and says so.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagger import dag

from main import workflows
from main._sdk import FunctionError
from main.core.attest.attach import attach, prepare
from main.core.attest.dsse import load_private_key
from main.core.attest.gate import SKIPPED
from main.core.image import parse_image
from main.core.registry.client import Registry
from main.core.report.model import Publication
from main.core.revision import Revision
from main.core.run import Occasion, Run, Target, new_report
from main.core.run.deploying import deploy_stage
from main.core.service import load_service
from main.pipeline import Pipeline
from tests.support.attestations import cyclonedx, provenance_for, pushed_image
from tests.support.deploying import Staged
from tests.support.signing_keys import ecdsa_pair
from tests.support.staging_host import REPOSITORY, StagingHost

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("offline_engine")]
KEY = ecdsa_pair("deploy-signer")
SOURCE = "https://github.com/acme/staging-app"
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
ATTEST = '\n[tool.pipeline.attest]\nverify-on-deploy = true\nverify-key = "keys/signing.pub"\n'


@pytest.fixture
def project(staging_host: StagingHost) -> Iterator[Staged]:
    staged = Staged(staging_host)
    yield staged
    staged.down()


def service_repo(folder: Path, project: Staged, *, attest: str = ATTEST, key: bool = True) -> Path:
    """The service repository: verify-on-deploy, its source URL and its committed public key."""
    project.service_repo(folder, extra=attest)
    pyproject = folder / "pyproject.toml"
    text = pyproject.read_text().replace(
        "[tool.pipeline]\n", f'[tool.pipeline]\nsource-url = "{SOURCE}"\n', 1
    )
    pyproject.write_text(text)
    if key:
        (folder / "keys").mkdir()
        (folder / "keys" / "signing.pub").write_bytes(KEY.public)
    return folder


def pipeline(folder: Path) -> Pipeline:
    return Pipeline.create(source=dag.host().directory(str(folder)))


async def attest(host: StagingHost, variant: str) -> None:
    """Attach a signed provenance and SBOM of ``variant``'s digest, built from SOURCE."""
    reference = host.images[variant]
    image, digest = reference.split("@", 1)
    statement = provenance_for(image, digest, repository=SOURCE)
    attachment = prepare(image, digest, provenance=statement, sbom=cyclonedx())
    async with Registry(f"http://{host.registry}") as client:
        await attach(client, REPOSITORY, attachment, load_private_key(KEY.private))


async def test_only_a_verified_digest_is_deployed_unless_skip_verify_says_otherwise(
    staging_host: StagingHost, project: Staged, tmp_path: Path
) -> None:
    folder = service_repo(tmp_path / "service", project)
    ssh_key = dag.set_secret("staging-ssh-key", staging_host.private_key)
    images = staging_host.images
    api = f"http://{staging_host.registry}"
    await attest(staging_host, "v1")

    first = await pipeline(folder).deploy(ssh_key=ssh_key, image=images["v1"], registry_api=api)
    assert first.passed, first.summary
    assert (
        f"provenance verified (signed, via the fallback tag): built from {SOURCE}" in first.summary
    )
    assert project.serving() == "v1"

    with pytest.raises(FunctionError) as refused:
        await pipeline(folder).deploy(
            ssh_key=ssh_key, image=images["v2"], registry_api=api
        )  # nothing attached
    message = str(refused.value)
    assert message.startswith(f"deploy refused: the attestations of {REPOSITORY}@")
    assert "provenance: none attached" in message
    assert "\n" not in message
    assert project.serving() == "v1"  # nothing on the host changed

    skipped = await pipeline(folder).deploy(
        ssh_key=ssh_key, image=images["v2"], registry_api=api, skip_verify=True
    )
    assert skipped.passed, skipped.summary
    assert SKIPPED in skipped.summary
    assert project.serving() == "v2"


async def test_a_refusal_comes_before_the_host_is_reached(registry: str, tmp_path: Path) -> None:
    """No provenance, and a host that does not answer: the refusal names the provenance."""
    folder = tmp_path / "service"
    folder.mkdir()
    host = registry.removeprefix("http://")
    (folder / "pyproject.toml").write_text(
        "\n".join(
            [
                '[project]\nname = "s"\nversion = "1.0.0"',
                f'[tool.pipeline]\nimage = "{host}/acme/s"\nsource-url = "{SOURCE}"',
                '[tool.pipeline.deploy]\nhost = "127.0.0.1"\nport = 9\nservice = "app"',
                f'host-key = "{HOST_KEY}"\nurl = "http://127.0.0.1:9/"',
                "[tool.pipeline.attest]\nverify-on-deploy = true\n",
            ]
        )
    )
    (folder / "compose.yml").write_text("services:\n  app:\n    image: x\n")
    (folder / "signing.pub").write_bytes(KEY.public)
    async with Registry(registry) as client:
        pushed = await pushed_image(client, "acme/s")
    image = f"{host}/acme/s@{pushed.digest}"
    verify_key = dag.host().directory(str(folder)).file("signing.pub")
    with pytest.raises(FunctionError) as refused:
        await pipeline(folder).deploy(
            ssh_key=dag.set_secret("k", "never read"),
            image=image,
            verify_key=verify_key,
            registry_api=registry,
        )
    assert str(refused.value).startswith("deploy refused: the attestations of acme/s@")
    assert "provenance: none attached" in str(refused.value)


async def test_verify_on_deploy_without_a_key_file_in_the_repository_is_one_line(
    staging_host: StagingHost, project: Staged, tmp_path: Path
) -> None:
    folder = service_repo(tmp_path / "service", project, key=False)
    with pytest.raises(FunctionError) as refused:
        await pipeline(folder).deploy(
            ssh_key=dag.set_secret("k", "x"), image=staging_host.images["v1"]
        )
    assert str(refused.value) == (
        "deploy refused: the public key keys/signing.pub (verify-key in [tool.pipeline.attest]) "
        "is not in the service repository: commit it, or pass --verify-key"
    )
    assert project.containers() == []


async def test_deploy_staging_checks_before_its_deploy_stage_and_reports_a_skip(
    staging_host: StagingHost, project: Staged, tmp_path: Path
) -> None:
    """The run's deploy stage through the real DaggerStages: refused, then skipped and said."""
    folder = service_repo(tmp_path / "service", project, key=False)
    service = load_service((folder / "pyproject.toml").read_text())
    target = Target(
        service,
        "develop",
        Revision("0" * 40, datetime(2026, 12, 3, tzinfo=UTC)),
        parse_image(service.config.image),
    )
    tree = dag.host().directory(str(folder))
    reference = staging_host.images["v1"]

    def published() -> Run:
        run = Run(new_report("deploy-staging", target, Occasion()))
        digest = reference.split("@", 1)[1]
        pushed = (f"{target.repository}:staging-latest@{digest}",)
        run.update(publication=Publication(pushed=pushed), digest=digest)
        return run

    ssh_key = dag.set_secret("staging-ssh-key", staging_host.private_key)
    refused = published()
    stages = workflows.DaggerStages(target, tree, workflows.Delivery(ssh_key=ssh_key))
    await deploy_stage(refused, stages, target, stages.delivery.reach)
    (row,) = refused.report.stages
    assert (row.name, row.status) == ("deploy", "failed")
    assert row.detail.startswith("deploy refused: the public key keys/signing.pub")
    assert row.detail.endswith("; nothing was changed")
    assert project.containers() == []

    skipped = published()
    delivery = workflows.Delivery(ssh_key=ssh_key, skip_verify=True)
    stages = workflows.DaggerStages(target, tree, delivery)
    await deploy_stage(skipped, stages, target, stages.delivery.reach)
    (row,) = skipped.report.stages
    assert row.status == "passed", row.detail
    assert SKIPPED in skipped.report.notes
    assert project.serving() == "v1"
