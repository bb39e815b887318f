"""The functions every stage family starts from: the service's files, version and settings.

``Pipeline`` is one Dagger object, but its functions live with their stage family
(``run_functions.py`` for deploy-staging and ci, ``pipeline.py`` for the single
stages). This base holds what they all read: the tree at a ref, the service described
by its ``pyproject.toml`` with the caller's overrides, and the git history.
"""

from typing import TYPE_CHECKING, Annotated

import dagger
from dagger import Doc

from main._sdk import uncached_function
from main.source import check_ref, find_history, read_service, service_tree

if TYPE_CHECKING:
    from main.core.service import Service

RefArg = Annotated[
    str,
    Doc("Git ref to work on (branch, tag or commit); empty for the working tree as it is"),
]


class ServiceFunctions:
    """What every function of the pipeline reads first (``Pipeline`` holds the fields)."""

    source: dagger.Directory
    repo: dagger.GitRepository | None
    subpath: str
    image: str | None
    registry_username: str | None
    port: int | None
    health_path: str | None
    mcp_path: str | None
    containerfile: str | None

    def _overrides(self) -> dict[str, object]:
        return {
            "image": self.image,
            "registry_username": self.registry_username,
            "port": self.port,
            "health_path": self.health_path,
            "mcp_path": self.mcp_path,
            "containerfile": self.containerfile,
        }

    # Uncached, like every function taking --ref: a branch name in a remote --repo
    # would otherwise keep its week-old answer (the cache key holds the name, not the commit).
    @uncached_function
    def tree(self, ref: RefArg = "") -> dagger.Directory:
        """The service's files: what every stage builds, checks and scans."""
        return service_tree(self.source, self.repo, self.subpath, ref)

    async def service(self, ref: str = "") -> "Service":
        """Name, version and settings of the service at ``ref``, validated (read once a run)."""
        await check_ref(self.source, self.repo, ref)
        return await read_service(self.tree(ref), self.subpath, self._overrides())

    async def _history(self) -> dagger.GitRepository | None:
        """The git history, derived when first needed: none for a folder without .git."""
        return await find_history(self.source, self.repo)

    @uncached_function
    async def version(self, ref: RefArg = "") -> str:
        """The service's version from pyproject.toml: the start of every image tag."""
        return (await self.service(ref)).version

    @uncached_function
    async def config(self, ref: RefArg = "") -> str:
        """The effective settings as JSON: [tool.pipeline] defaults, file values, overrides.

        Run it first when a stage behaves unexpectedly: it shows what the stage sees.
        """
        settings = (await self.service(ref)).config
        return settings.model_dump_json(by_alias=True, indent=2)
