"""Deleting images on GHCR, which goes through GitHub's REST API for package versions.

GHCR does not implement the OCI ``DELETE`` of a manifest. Each manifest (an image, an
index, and each child manifest of an index) is a *version* of the container package,
whose ``name`` is the manifest digest. Deleting one means: learn whether the owner is
an organization or a user, list the package's versions, find the version ids whose
name is the digest, and delete those ids. The token needs ``read:packages`` and
``delete:packages`` (``GITHUB_TOKEN`` with ``packages: write`` for the repository's
own packages).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

import httpx

from main.core.errors import PipelineError
from main.core.github import API_URL, HEADERS
from main.core.http import RetryPolicy, next_page, send_with_retries

PAGE = 100


class GithubApiError(PipelineError):
    """GitHub's REST API refused or failed a request about a package."""


@dataclass(frozen=True, slots=True)
class Package:
    """A container package: ``ghcr.io/OWNER/NAME`` (NAME may contain slashes)."""

    owner: str
    name: str

    @classmethod
    def of_repository(cls, repo: str) -> "Package":
        """``acme/service`` (the image path on ghcr.io) as owner ``acme``, name ``service``."""
        owner, _, name = repo.partition("/")
        if not owner or not name:
            msg = f"{repo!r} is not a GHCR repository of the form OWNER/NAME"
            raise PipelineError(msg)
        return cls(owner=owner, name=name)


class GithubPackages:
    """The package-version endpoints of GitHub's REST API, with one token."""

    def __init__(
        self,
        token: str,
        api_url: str = API_URL,
        *,
        policy: RetryPolicy | None = None,
    ) -> None:
        """Prepare a client; nothing is sent until a method is awaited."""
        self._policy = policy or RetryPolicy()
        self._paths: dict[Package, str] = {}
        self._client = httpx.AsyncClient(
            base_url=api_url.rstrip("/"),
            headers={**HEADERS, "Authorization": f"Bearer {token}"},
            timeout=60.0,
        )

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def versions(self, package: Package) -> dict[str, int]:
        """Every version of the package as digest to version id, across all pages."""
        base = await self._package_path(package)
        url: str | None = f"{base}/versions?per_page={PAGE}&page=1"
        found: dict[str, int] = {}
        while url is not None:
            response = await self._request("GET", url, package)
            for version in response.json():
                found[str(version["name"])] = int(version["id"])
            url = next_page(response)
        return found

    async def delete_digests(self, package: Package, digests: Sequence[str]) -> list[int]:
        """Delete the versions named by ``digests``, in order; returns their ids.

        Every digest is looked up before the first deletion, so an unknown one stops
        the run with nothing deleted.
        """
        versions = await self.versions(package)
        missing = [digest for digest in digests if digest not in versions]
        if missing:
            msg = (
                f"package {package.owner}/{package.name} has no version named "
                f"{', '.join(missing)}: nothing was deleted"
            )
            raise GithubApiError(msg)
        base = await self._package_path(package)
        ids = [versions[digest] for digest in digests]
        for version_id in ids:
            await self._request("DELETE", f"{base}/versions/{version_id}", package, ok=(204,))
        return ids

    async def _package_path(self, package: Package) -> str:
        """``/orgs/OWNER/...`` or ``/users/OWNER/...``: the API has one of each."""
        if package not in self._paths:
            response = await self._request("GET", f"/users/{quote(package.owner)}", package)
            kind = "orgs" if response.json().get("type") == "Organization" else "users"
            name = quote(package.name, safe="")
            self._paths[package] = f"/{kind}/{quote(package.owner)}/packages/container/{name}"
        return self._paths[package]

    async def _request(
        self, method: str, url: str, package: Package, ok: Sequence[int] = (200,)
    ) -> httpx.Response:
        request = self._client.build_request(method, url)
        what = f"package {package.owner}/{package.name}"
        try:
            response, _ = await send_with_retries(self._client, request, self._policy)
        except httpx.TransportError as exc:
            msg = f"cannot reach the GitHub API for {what}: {exc}"
            raise GithubApiError(msg) from None
        if response.status_code in ok:
            return response
        status = response.status_code
        if status == httpx.codes.UNAUTHORIZED:
            msg = f"GitHub refused the token for {what} (401): check the token"
        elif status == httpx.codes.FORBIDDEN:
            msg = (
                f"GitHub forbids {method} on {what} (403): the token needs read:packages and "
                "delete:packages (GITHUB_TOKEN: permissions packages: write)"
            )
        elif status == httpx.codes.NOT_FOUND:
            msg = f"GitHub has no {what} (404, {url}): check the image name and the token's access"
        else:
            msg = f"GitHub answered {status} to {method} {url} for {what}"
        raise GithubApiError(msg)


@dataclass(frozen=True, slots=True)
class GhcrDeleter:
    """Deletes GHCR manifests as package versions (see :class:`GithubPackages`)."""

    packages: GithubPackages

    async def delete(self, repo: str, digests: Sequence[str]) -> None:
        """Delete the versions named by ``digests``; none if any is unknown."""
        await self.packages.delete_digests(Package.of_repository(repo), digests)
