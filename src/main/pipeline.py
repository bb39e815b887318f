"""The Dagger object users call: thin wiring from arguments to stages and the core."""

from typing import TYPE_CHECKING, Annotated, Self

import dagger
from dagger import DefaultPath, Doc, Ignore, field, object_type

from main.core.tags import STAGING_LATEST
from main.decorators import function, uncached_function
from main.errors import user_errors
from main.registry_ops import promote_image, prune_staging_images, rollback_staging
from main.source import IGNORED, read_service, service_tree

if TYPE_CHECKING:
    from main.core.service import Service

RefArg = Annotated[
    str,
    Doc("Git ref to work on (branch, tag or commit); empty for the working tree as it is"),
]

PasswordArg = Annotated[
    dagger.Secret | None,
    Doc("Registry password or token, e.g. env://GITHUB_TOKEN (ghcr.io: packages write/delete)"),
]
RegistryArg = Annotated[
    str,
    Doc("Registry API address, e.g. http://127.0.0.1:5000 (default: https:// + image host)"),
]


@object_type
class Pipeline:
    """The pipeline of one service: its files, where they are, and overrides of its settings."""

    source: Annotated[dagger.Directory, Doc("The repository's working tree")] = field()
    repo: Annotated[dagger.GitRepository | None, Doc("The repository's git history, for --ref")] = (
        field(default=None)
    )
    subpath: Annotated[str, Doc("Folder of the service inside the repository")] = field(default=".")
    image: str | None = None
    registry_username: str | None = None
    port: int | None = None
    health_path: str | None = None
    mcp_path: str | None = None
    containerfile: str | None = None

    @classmethod
    def create(  # noqa: PLR0913 - one argument per overridable setting is the CLI's shape
        cls,
        *,
        source: Annotated[
            dagger.Directory,
            DefaultPath("/"),
            Ignore(IGNORED),
            Doc("The repository holding the service (default: the current checkout)"),
        ],
        repo: Annotated[
            dagger.GitRepository | None,
            DefaultPath("/"),
            Doc("The same repository as git, so that --ref can pick a branch, tag or commit"),
        ] = None,
        subpath: Annotated[
            str, Doc("Folder of the service inside the repository, e.g. services/api")
        ] = ".",
        image: Annotated[
            str | None, Doc("Image repository to publish to, e.g. ghcr.io/OWNER/SERVICE")
        ] = None,
        registry_username: Annotated[str | None, Doc("User name for the registry")] = None,
        port: Annotated[int | None, Doc("Port the service listens on")] = None,
        health_path: Annotated[str | None, Doc("Path that answers 200 when healthy")] = None,
        mcp_path: Annotated[str | None, Doc("Path of the MCP streamable HTTP endpoint")] = None,
        containerfile: Annotated[
            str | None, Doc("Containerfile path relative to the service folder")
        ] = None,
    ) -> Self:
        """Point the pipeline at a service; arguments override its [tool.pipeline] table."""
        # mypy does not see through @object_type's dataclass transform in 0.21's stubs.
        return cls(  # type: ignore[call-arg]
            source=source,
            repo=repo,
            subpath=subpath,
            image=image,
            registry_username=registry_username,
            port=port,
            health_path=health_path,
            mcp_path=mcp_path,
            containerfile=containerfile,
        )

    def _overrides(self) -> dict[str, object]:
        return {
            "image": self.image,
            "registry_username": self.registry_username,
            "port": self.port,
            "health_path": self.health_path,
            "mcp_path": self.mcp_path,
            "containerfile": self.containerfile,
        }

    @function
    def tree(self, ref: RefArg = "") -> dagger.Directory:
        """The service's files: what every stage builds, checks and scans."""
        with user_errors():
            return service_tree(self.source, self.repo, self.subpath, ref)

    async def service(self, ref: str = "") -> "Service":
        """Name, version and settings of the service at ``ref``, validated."""
        with user_errors():
            return await read_service(self.tree(ref), self.subpath, self._overrides())

    @function
    async def version(self, ref: RefArg = "") -> str:
        """The service's version from pyproject.toml: the start of every image tag."""
        return (await self.service(ref)).version

    @function
    async def config(self, ref: RefArg = "") -> str:
        """The effective settings as JSON: [tool.pipeline] defaults, file values, overrides.

        Run it first when a stage behaves unexpectedly: it shows what the stage sees.
        """
        settings = (await self.service(ref)).config
        return settings.model_dump_json(by_alias=True, indent=2)

    # --- validate, build, tags, publish -------------------------------------------------

    # --- scan ---------------------------------------------------------------------------

    # --- smoke test ---------------------------------------------------------------------

    # --- deploy-staging and ci ----------------------------------------------------------

    # --- promote, rollback, prune -------------------------------------------------------

    @uncached_function
    async def promote(
        self,
        *,
        tag: Annotated[
            str, Doc("Staging tag to promote: staging-latest or a timestamped staging tag")
        ] = STAGING_LATEST,
        password: PasswordArg = None,
        registry: RegistryArg = "",
        force: Annotated[
            bool, Doc("Replace a version or commit tag that points to a different image")
        ] = False,
    ) -> str:
        """Give a staging image the production tags of its version: latest, version, sha.

        Same repository, identical digest: the manifest is re-tagged, no layer is pulled
        or pushed. The version and commit come from the image's OCI labels, or from the
        timestamped staging tag's name. Nothing is written unless every check passes.
        """
        with user_errors():
            settings = (await self.service()).config
            return await promote_image(
                settings, tag=tag, registry=registry, password=password, force=force
            )

    @uncached_function
    async def rollback(
        self,
        *,
        to: Annotated[
            str,
            Doc("Timestamped staging tag to go back to (default: the deployment before)"),
        ] = "",
        password: PasswordArg = None,
        registry: RegistryArg = "",
    ) -> str:
        """Point staging-latest at an earlier staging image, by default the previous one.

        "Previous" is by the timestamps in the staging tags: the newest one older than
        the deployment staging-latest points to now, holding a different image.
        """
        with user_errors():
            settings = (await self.service()).config
            return await rollback_staging(settings, to=to, registry=registry, password=password)

    @uncached_function
    async def prune_staging(
        self,
        *,
        keep: Annotated[
            int | None, Doc("Keep this many newest staging tags (default: staging-keep)")
        ] = None,
        keep_newer_than: Annotated[
            str | None,
            Doc("Also keep staging tags younger than this, e.g. 7d; empty: no age rule"),
        ] = None,
        dry_run: Annotated[bool, Doc("Only list what would be deleted")] = False,
        password: PasswordArg = None,
        registry: RegistryArg = "",
    ) -> str:
        """Delete old staging images; never one that staging-latest or a release uses.

        On ghcr.io deletion goes through GitHub's package API (child manifests of an
        index included); elsewhere through the OCI API.
        """
        with user_errors():
            settings = (await self.service()).config
            return await prune_staging_images(
                settings,
                keep=keep,
                keep_newer_than=keep_newer_than,
                dry_run=dry_run,
                registry=registry,
                password=password,
            )
