"""`registry promote` checks the digest's provenance before any tag moves, in this process.

The registry family runs for real against Debian's docker-registry (no engine: the key
file's contents are read from disk, tests/support/offline.py). Attestations are attached
by the core seam, as deploy-staging attaches them; the production scan is skipped
explicitly (--skip-scan) so only the provenance check decides.
"""

from pathlib import Path

import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.core.attest.attach import attach, prepare
from main.core.attest.dsse import load_private_key
from main.core.attest.gate import KEY_HINT, NO_VERIFY_KEY, SKIPPED
from main.core.config import PipelineConfig
from main.core.registry.client import Registry
from main.keyless import KEY_HINT as KEY_OR_IDENTITY
from main.registry import Registry as RegistryFamily
from tests.support.attestations import COMMIT, cyclonedx, provenance_for
from tests.support.images import snapshot
from tests.support.signing_keys import ecdsa_pair
from tests.support.staging import Deployment, deploy, new_repo

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("offline_engine")]
KEY = ecdsa_pair("promote-signer")
OTHER = ecdsa_pair("promote-stranger")


def family(registry: str, repo: str) -> RegistryFamily:
    """The family of a ghcr.io image (its source repository: github.com/<repo>)."""
    settings = PipelineConfig(image=f"ghcr.io/{repo}")
    return RegistryFamily.of(settings, token=None, api=registry, tree=dag.directory())


async def staged_and_attested(client: Registry, repo: str, key: bytes) -> Deployment:
    staged = await deploy(client, repo, day=0, version="5.0.0")
    image = f"ghcr.io/{repo}"
    statement = provenance_for(image, staged.digest, repository=f"https://github.com/{repo}")
    attachment = prepare(image, staged.digest, provenance=statement, sbom=cyclonedx())
    await attach(client, repo, attachment, load_private_key(key))
    return staged


def public_key_file(tmp_path: Path, pem: bytes) -> dagger.File:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "signing.pub").write_bytes(pem)
    return dag.host().directory(str(tmp_path)).file("signing.pub")


async def test_a_digest_signed_by_the_key_is_promoted_and_the_check_is_said(
    registry: str, tmp_path: Path
) -> None:
    repo = new_repo("verify-ok")
    async with Registry(registry) as direct:
        staged = await staged_and_attested(direct, repo, KEY.private)
        summary = await family(registry, repo).promote(
            verify_key=public_key_file(tmp_path, KEY.public),
            release_commits=[COMMIT],  # no git history here: test_promote_release.py has it
            skip_scan=True,
        )
        after = await snapshot(direct, repo)
    assert after["latest"] == after["5.0.0"] == staged.digest
    assert (
        f"provenance verified (signed, via the fallback tag): built from https://github.com/{repo}"
        in summary
    )


async def test_a_wrong_key_promotes_nothing_and_names_the_signature_check(
    registry: str, tmp_path: Path
) -> None:
    repo = new_repo("verify-bad")
    async with Registry(registry) as direct:
        await staged_and_attested(direct, repo, OTHER.private)
        before = await snapshot(direct, repo)
        with pytest.raises(
            FunctionError, match=r"^promote refused: .* fail provenance .*signature: "
        ) as caught:
            await family(registry, repo).promote(
                verify_key=public_key_file(tmp_path, KEY.public),
                release_commits=[COMMIT],
                skip_scan=True,
            )
        assert await snapshot(direct, repo) == before
    assert "\n" not in str(caught.value)


async def test_no_key_promotes_nothing_and_says_what_to_pass(registry: str) -> None:
    repo = new_repo("verify-nokey")
    async with Registry(registry) as direct:
        await staged_and_attested(direct, repo, KEY.private)
        before = await snapshot(direct, repo)
        with pytest.raises(FunctionError) as caught:
            await family(registry, repo).promote(skip_scan=True)
        assert await snapshot(direct, repo) == before
    # promote names both ways to verify: a key, or keyless with --certificate-identity.
    assert str(caught.value) == NO_VERIFY_KEY.replace(KEY_HINT, KEY_OR_IDENTITY)
    assert "--certificate-identity" in str(caught.value)


async def test_skip_verify_is_explicit_and_said_in_the_output(registry: str) -> None:
    repo = new_repo("verify-skip")
    async with Registry(registry) as direct:
        staged = await deploy(direct, repo, day=0, version="6.0.0")  # nothing attached
        summary = await family(registry, repo).promote(skip_verify=True, skip_scan=True)
        after = await snapshot(direct, repo)
    assert after["latest"] == staged.digest
    assert SKIPPED in summary.splitlines()


def family_with_key_setting(
    registry: str, repo: str, tmp_path: Path, pem: bytes | None
) -> RegistryFamily:
    """A family whose service sets ``[tool.pipeline.attest] verify-key`` (the file: ``pem``)."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    if pem is not None:
        (tmp_path / "keys" / "signing.pub").write_bytes(pem)
    settings = PipelineConfig.model_validate(
        {"image": f"ghcr.io/{repo}", "attest": {"verify-key": "keys/signing.pub"}}
    )
    tree = dag.host().directory(str(tmp_path))
    return RegistryFamily.of(settings, token=None, api=registry, tree=tree)


async def test_without_verify_key_the_repositorys_verify_key_setting_is_the_key(
    registry: str, tmp_path: Path
) -> None:
    repo = new_repo("verify-setting")
    async with Registry(registry) as direct:
        staged = await staged_and_attested(direct, repo, KEY.private)
        summary = await family_with_key_setting(registry, repo, tmp_path, KEY.public).promote(
            release_commits=[COMMIT], skip_scan=True
        )
        after = await snapshot(direct, repo)
    assert after["latest"] == staged.digest
    assert "provenance verified (signed, via the fallback tag)" in summary


async def test_the_setting_s_key_refuses_what_another_key_signed(
    registry: str, tmp_path: Path
) -> None:
    repo = new_repo("verify-setting-bad")
    async with Registry(registry) as direct:
        await staged_and_attested(direct, repo, OTHER.private)
        before = await snapshot(direct, repo)
        with pytest.raises(FunctionError, match=r"^promote refused: .*signature: ") as caught:
            await family_with_key_setting(registry, repo, tmp_path, KEY.public).promote(
                release_commits=[COMMIT], skip_scan=True
            )
        assert await snapshot(direct, repo) == before
    assert "\n" not in str(caught.value)


async def test_verify_key_given_wins_over_the_setting(registry: str, tmp_path: Path) -> None:
    repo = new_repo("verify-setting-given")
    async with Registry(registry) as direct:
        staged = await staged_and_attested(direct, repo, KEY.private)
        given = public_key_file(tmp_path / "given", KEY.public)
        summary = await family_with_key_setting(registry, repo, tmp_path, OTHER.public).promote(
            verify_key=given, release_commits=[COMMIT], skip_scan=True
        )
        after = await snapshot(direct, repo)
    assert after["latest"] == staged.digest
    assert "provenance verified" in summary


async def test_a_verify_key_setting_naming_no_file_is_one_line(
    registry: str, tmp_path: Path
) -> None:
    repo = new_repo("verify-setting-missing")
    async with Registry(registry) as direct:
        await staged_and_attested(direct, repo, KEY.private)
        before = await snapshot(direct, repo)
        with pytest.raises(FunctionError) as caught:
            await family_with_key_setting(registry, repo, tmp_path, None).promote(
                release_commits=[COMMIT], skip_scan=True
            )
        assert await snapshot(direct, repo) == before
    message = str(caught.value)
    assert message.startswith("promote refused: the public key keys/signing.pub")
    assert "verify-key in [tool.pipeline.attest]" in message
    assert "\n" not in message
