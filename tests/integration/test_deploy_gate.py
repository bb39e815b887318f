"""The provenance check `deploy` runs first (verify-on-deploy), on a real registry.

Attestations are attached by the core seam to a real image in Debian's docker-registry,
as deploy-staging attaches them; the gate then verifies them as deploy does, before
anything on the staging host changes. A refusal is one line starting `deploy refused:`
and naming the failed check.
"""

import pytest

from main.core.attest.dsse import load_private_key, sign
from main.core.attest.gate import SKIPPED
from main.core.attest.on_deploy import deploy_gate, key_path, verify_before_deploy
from main.core.attest.settings import AttestSettings
from main.core.attest.statement import PAYLOAD_TYPE
from main.core.errors import PipelineError
from main.core.registry.client import Registry
from tests.integration.test_attest_registry import _push_provenance_artifact
from tests.support.attestations import SOURCE, pushed_image
from tests.support.attestations import attested as attested_image
from tests.support.signing_keys import ecdsa_pair
from tests.support.staging import new_repo

pytestmark = pytest.mark.anyio
KEY = ecdsa_pair("staging-signer")
OTHER = ecdsa_pair("someone-else")
ON = AttestSettings(verify_on_deploy=True)


async def attested(client: Registry, *, key: bytes | None = KEY.private) -> tuple[str, str]:
    """A pushed image with its provenance and SBOM attached (signed by ``key``)."""
    repo = new_repo("deploy-gate")
    return repo, await attested_image(client, repo, key)


def gate(**changes: object) -> object:
    fields: dict[str, object] = {
        "key": KEY.public,
        "key_given": True,
        "skip": False,
        "source_repository": SOURCE,
    }
    fields.update(changes)
    return deploy_gate(ON, **fields)  # type: ignore[arg-type]


async def refusal(client: Registry, repo: str, digest: str, **changes: object) -> str:
    before = await client.tags(repo)
    with pytest.raises(PipelineError) as caught:
        await verify_before_deploy(client, repo, digest, gate(**changes))  # type: ignore[arg-type]
    assert await client.tags(repo) == before
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("deploy refused: ")
    return message


async def test_a_signed_provenance_from_this_repository_deploys(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client)
        line = await verify_before_deploy(client, repo, digest, gate())  # type: ignore[arg-type]
    assert line.startswith("provenance verified (signed")
    assert SOURCE in line


async def test_a_digest_without_provenance_is_refused(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client, key=None)
        message = await refusal(client, repo, digest)
    assert "provenance: none attached" in message


async def test_a_provenance_signed_by_another_key_is_refused(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client, key=OTHER.private)
        message = await refusal(client, repo, digest)
    assert "signature:" in message


async def test_a_provenance_about_another_digest_is_refused(registry: str) -> None:
    repo = new_repo("deploy-gate")
    async with Registry(registry) as client:
        other = await pushed_image(client, repo, seed="other")
        signed = sign(other.provenance, PAYLOAD_TYPE, load_private_key(KEY.private)).to_json()
        ours = await pushed_image(client, repo, seed="ours")
        await _push_provenance_artifact(client, repo, ours.digest, signed)
        message = await refusal(client, repo, ours.digest)
    assert "subject digest: the statement is about " in message


async def test_a_provenance_naming_another_repository_is_refused(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client)
        message = await refusal(
            client, repo, digest, source_repository="https://github.com/evil/fork"
        )
    assert "repository: built from" in message


async def test_no_key_anywhere_says_both_places_to_give_one(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client)
        message = await refusal(client, repo, digest, key=None, key_given=False)
    assert "--verify-key ./signing.pub, or verify-key in [tool.pipeline.attest]" in message
    assert "--skip-verify" in message


async def test_skip_verify_is_said_and_reads_nothing() -> None:
    unreachable = Registry("http://127.0.0.1:9")  # never contacted
    checks = deploy_gate(
        AttestSettings(), key=None, key_given=False, skip=True, source_repository=""
    )
    line = await verify_before_deploy(unreachable, "acme/x", "sha256:" + "0" * 64, checks)
    assert line == SKIPPED


async def test_without_the_setting_or_a_key_deploy_checks_nothing() -> None:
    unreachable = Registry("http://127.0.0.1:9")
    checks = deploy_gate(
        AttestSettings(), key=None, key_given=False, skip=False, source_repository=SOURCE
    )
    assert checks is None
    assert await verify_before_deploy(unreachable, "acme/x", "sha256:" + "0" * 64, checks) == ""


def test_the_repository_key_file_is_read_only_when_the_check_needs_it() -> None:
    settings = AttestSettings(verify_on_deploy=True, verify_key="keys/signing.pub")
    assert key_path(settings, key_given=False, skip=False) == "keys/signing.pub"
    assert key_path(settings, key_given=True, skip=False) == ""  # --verify-key wins
    assert key_path(settings, key_given=False, skip=True) == ""
    off = AttestSettings(verify_key="keys/signing.pub")
    assert key_path(off, key_given=False, skip=False) == ""
