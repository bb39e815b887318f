"""The registry family: promote, rollback and prune, as one sub-object.

``dagger call registry --token env://GITHUB_TOKEN promote`` states the credentials
once for the whole family. These functions move tags and delete manifests; no
container is involved, so they run as plain HTTP from the module's own process
(``main.core.registry`` does the work). The token arrives as a ``dagger.Secret`` and is
read here only to authenticate.
"""

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Self

import dagger
from dagger import Doc, dag, field, object_type

from main import keyless, provenance, scan
from main._sdk import uncached_function
from main.core.errors import PipelineError
from main.core.lazy import lazy_import

if TYPE_CHECKING:
    from main.core import image as images
    from main.core import labels, tags
    from main.core import publish as publish_rules
    from main.core import registry as oci
    from main.core.attest import gate as attest_gate
    from main.core.config import PipelineConfig
    from main.core.registry import ghcr
else:
    # httpx and the registry client load when a registry function runs, not with the module.
    images = lazy_import("main.core.image")
    labels = lazy_import("main.core.labels")
    publish_rules = lazy_import("main.core.publish")
    oci = lazy_import("main.core.registry")
    tags = lazy_import("main.core.tags")
    ghcr = lazy_import("main.core.registry.ghcr")
    attest_gate = lazy_import("main.core.attest.gate")

GHCR_TOKEN_NEEDED = (
    "deleting on ghcr.io needs a GitHub token: pass registry --token env://GITHUB_TOKEN"  # noqa: S105 - how to pass one
)


@asynccontextmanager
async def connected(
    image: str, api: str, username: str | None, token: dagger.Secret | None
) -> AsyncIterator[tuple["oci.Registry", "images.ImageRef", str | None]]:
    """A registry client for ``image``'s repository, the token read from its secret.

    Returns the client, the parsed repository and the token (for GitHub's API beside).
    """
    repository = images.parse_image(image, api)
    secret = await token.plaintext() if token is not None else None
    async with oci.Registry(repository.base_url, username, secret) as client:
        yield client, repository, secret


@object_type
class Registry:
    """The service's image repository, with the credentials to change its tags."""

    image: Annotated[str, Doc("The image repository, e.g. ghcr.io/acme/service")] = field()
    tree: Annotated[
        dagger.Directory, Doc("The service's files (its .trivyignore, for the scan)")
    ] = field()
    username: Annotated[str, Doc("User name for the registry (empty: none)")] = field(default="")
    api: Annotated[str, Doc("Registry API address (empty: https:// + the image's host)")] = field(
        default=""
    )
    github_api_url: Annotated[str, Doc("GitHub REST API root, for deletions on ghcr.io")] = field(
        default=""
    )
    staging_keep: Annotated[int, Doc("Default of prune --keep")] = field(default=10)
    staging_keep_newer_than: Annotated[str, Doc("Default of prune --keep-newer-than")] = field(
        default=""
    )
    token: Annotated[dagger.Secret | None, Doc("Registry token or password")] = field(default=None)
    scan_severities: Annotated[list[str], Doc("Severities the production scan counts")] = field(
        default=list
    )
    ignore_unfixed: Annotated[bool, Doc("Whether the scan leaves out unfixed findings")] = field(
        default=True
    )
    trivyignore: Annotated[str, Doc("The service's Trivy ignore file")] = field(
        default=".trivyignore"
    )
    trivy_db_repositories: Annotated[
        list[str], Doc("Where the scan's vulnerability DB comes from, mirrors first")
    ] = field(default=list)
    scan_scanners: Annotated[list[str], Doc("Trivy scanners the production scan runs")] = field(
        default=list
    )
    source_repository: Annotated[
        str, Doc("The service's source repository URL a promoted image's provenance must name")
    ] = field(default="")
    tag_aliases: Annotated[
        bool, Doc("Whether promote also moves major.minor and major of a final release")
    ] = field(default=False)
    release_branch: Annotated[
        str, Doc("The production branch a promoted image's commit must be on")
    ] = field(default="main")
    source: Annotated[
        dagger.Directory | None,
        Doc("The repository with its .git folder: the release branch's history"),
    ] = field(default=None)
    verify_key_file: Annotated[
        str,
        Doc("The public key file in the service repository promote verifies with (verify-key)"),
    ] = field(default="")

    @classmethod
    def of(
        cls,
        settings: "PipelineConfig",
        *,
        token: dagger.Secret | None,
        api: str,
        tree: dagger.Directory,
        source: dagger.Directory | None = None,
    ) -> Self:
        """The family for a service's settings; the image name is checked at once.

        ``source`` is the repository whose ``.git`` folder holds the release branch.
        """
        images.parse_image(settings.image or "", api)
        return cls(  # type: ignore[call-arg]
            image=settings.image or "",
            tree=tree,
            username=settings.registry_username or "",
            api=api,
            github_api_url=settings.github_api_url,
            staging_keep=settings.retention.keep,
            staging_keep_newer_than=settings.retention.keep_newer_than,
            token=token,
            scan_severities=list(settings.scan.severities),
            ignore_unfixed=settings.scan.ignore_unfixed,
            trivyignore=settings.scan.trivyignore,
            trivy_db_repositories=list(settings.scan.db_repositories),
            scan_scanners=list(settings.scan.scanners),
            source_repository=labels.source_url(settings.image, settings.source_url) or "",
            tag_aliases=settings.tag_aliases,
            release_branch=settings.branches.production,
            source=source,
            verify_key_file=settings.attest.verify_key,
        )

    def _connected(
        self,
    ) -> AbstractAsyncContextManager[tuple["oci.Registry", "images.ImageRef", str | None]]:
        return connected(self.image, self.api, self.username or None, self.token)

    @uncached_function
    async def promote(  # noqa: PLR0913 - each check said once, each skip explicit
        self,
        *,
        tag: Annotated[
            str, Doc("Staging tag to promote: staging-latest or a timestamped staging tag")
        ] = "staging-latest",
        force: Annotated[
            bool, Doc("Replace a version or commit tag that points to a different image")
        ] = False,
        skip_scan: Annotated[
            bool,
            Doc("Promote without the production scan (never the default; said in the output)"),
        ] = False,
        verify_key: Annotated[
            dagger.File | None,
            Doc(
                "Public key (SubjectPublicKeyInfo PEM) whose private half signs the pipeline's "
                "attestations (--signing-key): the digest's provenance must be signed by it "
                "(default: verify-key in [tool.pipeline.attest])"
            ),
        ] = None,
        release_commits: Annotated[
            list[str] | None,
            Doc(
                "Full commit shas of the release branch; the provenance must name one of them "
                "(default: asked of the source's git history, the production branch)"
            ),
        ] = None,
        skip_verify: Annotated[
            bool,
            Doc("Promote without checking the provenance (never the default; said in the output)"),
        ] = False,
        certificate_identity: keyless.CertificateIdentityArg = "",
        certificate_oidc_issuer: keyless.CertificateIssuerArg = keyless.GITHUB_ISSUER,
    ) -> str:
        """Give a staging image the production tags of its version: latest, version, sha.

        With tag-aliases = true a final release also moves major.minor and major (1.4.2
        moves 1.4 and 1), as the ci run's own production tags do. None moves backwards:
        latest, 1 and 1.3 move only to the highest release they cover (a hotfix 1.3.6
        after 1.4.2 moves 1.3 alone; the output names each tag left where it was).

        The digest's provenance is checked first: attached, signed by --verify-key (or the
        repository's verify-key file, the key deploy checks with; or keyless, through
        Sigstore, by --certificate-identity), built
        from this service's source repository, from a commit on the production branch
        ([tool.pipeline.branches] production, asked of the source's .git history; or one
        of --release-commits); a failed check is one line naming it. Production allows no fixable
        vulnerability, so the exact digest behind the tag is then scanned with the
        production policy (block mode, the service's severities and ignore file); a
        finding stops the promotion before anything moves. Then the
        manifest is re-tagged, same repository, identical digest: no layer is pushed.
        The version and commit come from the image's OCI labels, or from the timestamped
        staging tag's name. Nothing is written unless every check passes.
        """
        async with self._connected() as (client, image, _):
            digest = await client.digest(image.repository, tag)
            # A keyless check reads no repository key: the identity is the signer.
            setting = "" if certificate_identity else self.verify_key_file
            key = await provenance.promote_key(self.tree, verify_key, setting, skip=skip_verify)
            history = None
            if not (release_commits or skip_verify):
                history = await provenance.git_history(self.source)
            gate = attest_gate.Gate(
                public_key=key,
                source_repository=self.source_repository,
                commits=frozenset(release_commits or ()),
                skip=skip_verify,
                release_branch=self.release_branch,
                release=None
                if history is None
                else provenance.on_branch(history, self.release_branch),
                keyless=keyless.certificate_identity(certificate_identity, certificate_oidc_issuer),
                key_hint=keyless.KEY_HINT,
            )
            verified = await attest_gate.verify_before_promote(
                client, image.repository, digest, gate
            )
            if skip_scan:
                scanned = "production scan skipped on request (--skip-scan)"
            else:
                scanned = await self._production_scan(image, digest)
            promotion = await oci.promote(
                client,
                image.repository,
                tag,
                force=force,
                expect_digest=digest,
                aliases=self.tag_aliases,
            )
            return f"{promotion.summary()}\n{verified}\n{scanned}"

    async def _production_scan(self, image: "images.ImageRef", digest: str) -> str:
        """Scan ``image@digest`` in block mode; raise with the verdict when it blocks."""
        address = f"{image}@{digest}"
        container = dag.container()
        if self.token is not None:
            username = publish_rules.registry_username(self.username or None, image.host)
            container = container.with_registry_auth(image.host, username, self.token)
        scanned_at = datetime.now(UTC)
        ignore = await scan.read_ignore_file(self.tree, self.trivyignore, scanned_at.date())
        result = await scan.run_scan(
            container.from_(address),
            mode="block",
            severities=self.scan_severities,
            ignore_unfixed=self.ignore_unfixed,
            ignore=ignore,
            scanned_at=scanned_at,
            db_repositories=self.trivy_db_repositories,
            scanners=self.scan_scanners,
        )
        if result.blocked:
            msg = f"promote refused: the production scan of {address} blocks: {result.reason}"
            raise PipelineError(msg)
        return f"production scan of {digest}: {result.reason}"

    @uncached_function
    async def rollback(
        self,
        *,
        to: Annotated[
            str,
            Doc("Timestamped staging tag to go back to (default: the deployment before)"),
        ] = "",
    ) -> str:
        """Point staging-latest at an earlier staging image, by default the previous one.

        "Previous" is by the timestamps in the staging tags: the newest one older than
        the deployment staging-latest points to now, holding a different image.
        """
        async with self._connected() as (client, image, _):
            return (await oci.rollback(client, image.repository, to or None)).summary()

    @uncached_function
    async def prune(
        self,
        *,
        keep: Annotated[
            int | None,
            Doc("Keep this many newest staging tags (default: [tool.pipeline.retention] keep)"),
        ] = None,
        keep_newer_than: Annotated[
            str | None,
            Doc("Also keep staging tags younger than this, e.g. 7d; empty: no age rule"),
        ] = None,
        dry_run: Annotated[bool, Doc("Only list what would be deleted")] = False,
    ) -> str:
        """Delete old staging images; never one that staging-latest or a release uses.

        On ghcr.io deletion goes through GitHub's package API (child manifests of an
        index included); elsewhere through the OCI API.
        """
        return await self._prune(
            keep=self.staging_keep if keep is None else keep,
            age=self.staging_keep_newer_than if keep_newer_than is None else keep_newer_than,
            dry_run=dry_run,
        )

    async def _prune(self, *, keep: int, age: str, dry_run: bool) -> str:
        newer_than = oci.parse_age(age) if age else None
        async with self._connected() as (client, image, secret):
            deleter: oci.Deleter = oci.OciDeleter(client)
            packages = None
            if image.is_ghcr and not dry_run:
                if secret is None:
                    raise PipelineError(GHCR_TOKEN_NEEDED)
                packages = ghcr.GithubPackages(secret, self.github_api_url)
                deleter = ghcr.GhcrDeleter(packages)
            try:
                pruning = await oci.prune_staging(
                    client,
                    image.repository,
                    deleter,
                    keep=keep,
                    newer_than=newer_than,
                    now=datetime.now(UTC),
                    dry_run=dry_run,
                )
            finally:
                if packages is not None:
                    await packages.aclose()
            return pruning.summary()
