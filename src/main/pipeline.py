"""The Dagger object users call: thin wiring from arguments to stages and the core."""

from typing import TYPE_CHECKING, Annotated, Self

import dagger
from dagger import DefaultPath, Doc, Ignore, field, object_type

from main import smoke
from main.core.errors import PipelineError
from main.decorators import function, uncached_function, up
from main.errors import user_errors
from main.smoke_result import SmokeResult, smoke_result
from main.source import IGNORED, read_service, service_tree

if TYPE_CHECKING:
    from main.core.service import Service

RefArg = Annotated[
    str,
    Doc("Git ref to work on (branch, tag or commit); empty for the working tree as it is"),
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

    @uncached_function
    async def smoke_test(
        self,
        image: Annotated[
            dagger.Container | None,
            Doc("The built image to test; on the command line an image address works too"),
        ] = None,
        url: Annotated[
            str,
            Doc("Check this deployed URL instead of running an image, e.g. https://stg.example"),
        ] = "",
        ref: RefArg = "",
    ) -> SmokeResult:
        """Start the image as a service and check it: health 200, MCP handshake, tools.

        Never cached: every call runs the service again. A failing check does not raise;
        the result says which check failed and carries the service's logs.
        """
        with user_errors():
            settings = (await self.service(ref)).config
            if (image is None) == (not url):
                msg = "smoke-test needs exactly one of --image (a built image) or --url"
                raise PipelineError(msg)
            if image is None:
                return smoke_result(await smoke.check_target(url, settings))
            return smoke_result(await smoke.check_image(image, settings))

    @up
    async def serve(
        self,
        image: Annotated[dagger.Container, Doc("The built image (or an image address) to serve")],
        ref: RefArg = "",
    ) -> dagger.Service:
        """The image as a service on its configured port and smoke-test environment.

        For debugging by hand: `dagger call serve --image IMAGE up` forwards the port.
        """
        with user_errors():
            settings = (await self.service(ref)).config
        return smoke.app_service(image, settings.port, settings.smoke_env)

    # --- deploy-staging and ci ----------------------------------------------------------

    # --- promote, rollback, prune -------------------------------------------------------
