"""The provenance check `registry promote` runs before any tag moves, on a real registry.

Attestations are attached by the core seam to a real image in Debian's docker-registry
(fallback tag index); the gate then verifies them as promote does. A refusal is one
line naming the failed check, and the registry's tags are exactly what they were.
"""

import pytest

from main.core.attest.gate import NO_SOURCE, NO_VERIFY_KEY, SKIPPED, Gate, verify_before_promote
from main.core.attest.release import NO_SOURCE_HISTORY
from main.core.errors import PipelineError
from main.core.registry.client import Registry
from tests.support.attestations import COMMIT, SOURCE
from tests.support.attestations import attested as attested_image
from tests.support.signing_keys import ecdsa_pair
from tests.support.staging import new_repo

pytestmark = pytest.mark.anyio
KEY = ecdsa_pair("release-signer")
OTHER = ecdsa_pair("not-the-release-signer")


async def attested(client: Registry, *, key: bytes | None = KEY.private) -> tuple[str, str]:
    """A pushed image with its provenance and SBOM attached (signed by ``key``)."""
    repo = new_repo("gate")
    return repo, await attested_image(client, repo, key)


def gate(**changes: object) -> Gate:
    fields: dict[str, object] = {"public_key": KEY.public, "source_repository": SOURCE}
    fields.update(changes)
    return Gate(**fields)  # type: ignore[arg-type]


async def refusal(client: Registry, repo: str, digest: str, checks: Gate) -> str:
    before = await client.tags(repo)
    with pytest.raises(PipelineError) as caught:
        await verify_before_promote(client, repo, digest, checks)
    assert await client.tags(repo) == before  # nothing written, nothing promoted
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("promote refused: ")
    return message


async def test_a_signed_provenance_from_this_repository_passes(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client)
        line = await verify_before_promote(client, repo, digest, gate(commits=frozenset({COMMIT})))
    assert line.startswith("provenance verified")
    assert SOURCE in line
    assert COMMIT in line


async def test_a_wrong_key_is_refused_naming_the_signature(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client, key=OTHER.private)
        message = await refusal(client, repo, digest, gate())
    assert "signature:" in message


async def test_an_image_without_provenance_is_refused(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client, key=None)
        message = await refusal(client, repo, digest, gate())
    assert "provenance: none attached" in message


async def test_another_repositorys_build_is_refused(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client)
        message = await refusal(
            client, repo, digest, gate(source_repository="https://github.com/evil/fork")
        )
    assert "repository:" in message


async def test_a_commit_not_on_the_release_branch_is_refused(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client)
        message = await refusal(client, repo, digest, gate(commits=frozenset({"f" * 40})))
    assert "commit:" in message


async def test_no_public_key_is_refused_with_what_to_pass(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client)
        message = await refusal(client, repo, digest, gate(public_key=None))
    assert message == NO_VERIFY_KEY


async def test_no_source_repository_is_refused_with_what_to_set(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client)
        message = await refusal(client, repo, digest, gate(source_repository=""))
    assert message == NO_SOURCE


async def test_a_public_key_that_is_no_key_is_one_line(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client)
        message = await refusal(client, repo, digest, gate(public_key=b"not a key"))
    assert "verification key" in message


async def test_skip_verify_is_said_and_reads_nothing() -> None:
    unreachable = Registry("http://127.0.0.1:9")  # never contacted: nothing to verify
    line = await verify_before_promote(unreachable, "acme/x", "sha256:" + "0" * 64, gate(skip=True))
    assert line == SKIPPED


async def test_a_commit_on_the_release_branch_passes_and_is_said(registry: str) -> None:
    asked: list[str] = []

    async def on_main(commit: str) -> str:
        asked.append(commit)
        return ""

    async with Registry(registry) as client:
        repo, digest = await attested(client)
        line = await verify_before_promote(
            client, repo, digest, gate(release_branch="main", release=on_main)
        )
    assert asked == [COMMIT]
    assert f"at {COMMIT} (on main)" in line


async def test_a_commit_off_the_release_branch_is_refused_in_one_line(registry: str) -> None:
    async def off_main(commit: str) -> str:
        return f"{commit} is not on the release branch main (refs/heads/main)"

    async with Registry(registry) as client:
        repo, digest = await attested(client)
        message = await refusal(client, repo, digest, gate(release_branch="main", release=off_main))
    assert message.endswith(
        f"fail commit: {COMMIT} is not on the release branch main (refs/heads/main)"
    )


async def test_no_history_and_no_release_commits_is_refused_before_the_registry() -> None:
    unreachable = Registry("http://127.0.0.1:9")  # never contacted
    with pytest.raises(PipelineError) as caught:
        await verify_before_promote(
            unreachable, "acme/x", "sha256:" + "0" * 64, gate(release_branch="main")
        )
    assert str(caught.value) == f"promote refused: {NO_SOURCE_HISTORY}"
    assert "--release-commits" in str(caught.value)


async def test_release_commits_stand_in_for_the_history(registry: str) -> None:
    async with Registry(registry) as client:
        repo, digest = await attested(client)
        line = await verify_before_promote(
            client, repo, digest, gate(release_branch="main", commits=frozenset({COMMIT}))
        )
    assert line.startswith("provenance verified")
