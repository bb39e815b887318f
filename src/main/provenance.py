"""Provenance checks, wired: deploy's key and digest, and promote's release-branch question.

``[tool.pipeline.attest] verify-on-deploy`` (or ``--verify-key``) makes ``deploy`` check
the digest's signed provenance before anything on the staging host changes; the
decisions and the lines live in ``main.core.attest.on_deploy``. This file only reads
the key (the ``--verify-key`` file, or the repository's ``verify-key`` file, which
``registry promote`` reads too), resolves
a tag to the digest once, and opens the registry. The verified digest is what the
deploy then runs, so a tag moved after the check cannot slip another image in.

For ``registry promote`` it asks git, in a small pinned git container over the
source's ``.git`` folder, whether the provenance's commit is on the release branch
(``main.core.attest.release`` writes the question and reads the answer).
"""

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dagger
from dagger import dag

from main.core.errors import PipelineError
from main.core.lazy import lazy_import
from main.source import GIT_DIR, GIT_IMAGE

if TYPE_CHECKING:
    from main import deploy as deploying
    from main import registry as registry_family
    from main.core import labels
    from main.core.attest import gate, on_deploy, release
    from main.core.config import PipelineConfig
    from main.core.deploy import result as deploy_results
    from main.deploy import DeployResult, RegistryAccess
else:
    deploying = lazy_import("main.deploy")
    registry_family = lazy_import("main.registry")
    labels = lazy_import("main.core.labels")
    gate = lazy_import("main.core.attest.gate")
    on_deploy = lazy_import("main.core.attest.on_deploy")
    release = lazy_import("main.core.attest.release")
    deploy_results = lazy_import("main.core.deploy.result")


@dataclass(frozen=True)
class Checked:
    """The image a deploy runs (by digest once checked) and the line its result carries."""

    image: str
    line: str = ""

    def noted(self, result: "DeployResult") -> "DeployResult":
        """``result`` with the check's line in its summary and its report's notes."""
        if not self.line:
            return result
        core = deploy_results.DeployReport.from_json(result.report)
        core = dataclasses.replace(core, notes=(*core.notes, self.line))
        noted = type(result).of(core, result.staging_latest)
        noted.summary = f"{noted.summary}; {self.line}"  # a fresh object: nobody else holds it
        return noted


async def public_key(
    config: "PipelineConfig", tree: dagger.Directory, given: dagger.File | None, *, skip: bool
) -> bytes | None:
    """``--verify-key``'s contents, else the repository's verify-key file when needed."""
    if given is not None:
        return (await given.contents()).encode()
    path = on_deploy.key_path(config.attest, key_given=False, skip=skip)
    return await _key_file(tree, path, on_deploy.missing_key_file(path))


async def promote_key(
    tree: dagger.Directory, given: dagger.File | None, setting: str, *, skip: bool
) -> bytes | None:
    """Promote's public key: ``--verify-key``, else the repository's ``verify-key`` file."""
    if given is not None:
        return (await given.contents()).encode()
    path = gate.key_file(setting, key_given=False, skip=skip)
    return await _key_file(tree, path, gate.missing_key_file(path))


async def _key_file(tree: dagger.Directory, path: str, missing: str) -> bytes | None:
    """The committed key file ``path`` (``None`` for no path); ``missing`` when absent."""
    if not path:
        return None
    if not await tree.exists(path, expected_type=dagger.ExistsType.REGULAR_TYPE):
        raise PipelineError(missing)
    return (await tree.file(path).contents()).encode()


async def before_deploy(  # noqa: PLR0913 - what the check needs, keyword-only
    config: "PipelineConfig",
    tree: dagger.Directory,
    image: str,
    access: "RegistryAccess",
    *,
    verify_key: dagger.File | None,
    skip: bool,
) -> Checked:
    """The image to deploy and the check's line; unchanged when no check is asked for.

    Raises:
        PipelineError: ``deploy refused: ...`` before the host is reached.
    """
    gate = on_deploy.deploy_gate(
        config.attest,
        key=await public_key(config, tree, verify_key, skip=skip),
        key_given=verify_key is not None,
        skip=skip,
        source_repository=labels.source_url(config.image, config.source_url) or "",
    )
    if gate is None:
        return Checked(image)
    if gate.skip:  # nothing is read: the tag stays the deploy's to resolve
        return Checked(image, on_deploy.SKIPPED)
    reference, _ = await deploying.resolve(config, image, access)
    repository, digest = reference.rsplit("@", 1)
    async with registry_family.connected(repository, access.api, access.username, access.token) as (
        client,
        parsed,
        _,
    ):
        line = await on_deploy.verify_before_deploy(client, parsed.repository, digest, gate)
    return Checked(reference, line)


# git refuses a repository owned by another user unless told to trust it; as
# environment, so the question's own command line stays exactly what core wrote.
TRUST_ANY_OWNER = {
    "GIT_CONFIG_COUNT": "1",
    "GIT_CONFIG_KEY_0": "safe.directory",
    "GIT_CONFIG_VALUE_0": "*",
}


def ancestry(git_dir: dagger.Directory, commit: str, branch: str) -> dagger.Container:
    """A git container that prints whether ``commit`` is on ``branch`` (lazy)."""
    container = dag.container().from_(GIT_IMAGE)
    for name, value in TRUST_ANY_OWNER.items():
        container = container.with_env_variable(name, value)
    return (
        container.with_directory(f"/repo/{GIT_DIR}", git_dir)
        .with_workdir("/repo")
        .with_exec(release.ancestry_argv(commit, branch))
    )


async def git_history(source: dagger.Directory | None) -> dagger.Directory | None:
    """The source's ``.git`` folder, or ``None`` when it has none (or ``source`` is None)."""
    if source is None:
        return None
    if not await source.exists(GIT_DIR, expected_type=dagger.ExistsType.DIRECTORY_TYPE):
        return None
    return source.directory(GIT_DIR)


def on_branch(git_dir: dagger.Directory, branch: str) -> Callable[[str], Awaitable[str]]:
    """The release check promote's gate calls with the provenance's commit."""

    async def check(commit: str) -> str:
        return release.read_ancestry(
            await ancestry(git_dir, commit, branch).stdout(), commit, branch
        )

    return check
