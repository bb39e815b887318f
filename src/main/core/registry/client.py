"""A registry client over the OCI distribution API: read, re-tag and delete manifests.

Everything the pipeline does to images after publishing is a manifest operation:
promoting or rolling back moves a tag by putting the exact manifest bytes under another
name (no layer moves, cost independent of image size, digest preserved), and pruning
deletes manifests by digest. Each call names the repository and tag it is about, so an
error reads as what went wrong with which image, not as an HTTP status.

Transient trouble (429, 5xx, a dropped connection) is retried a bounded number of
times with exponential backoff, honouring ``Retry-After``.

One operation, one HTTP client: ``async with registry:`` keeps a client (connections,
tokens) until the outermost block ends, and blocks nest, so an operation that calls
others (prune, promote, rollback) opens it once. A client costs no CA bundle read for a
plain-HTTP registry (``main.core.http.LazyTlsTransport``).
"""

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Self, TypeVar

import anyio
import httpx

from main.core.errors import PipelineError
from main.core.http import LazyTlsTransport, RetryPolicy, next_page, origin, send_with_retries
from main.core.image import is_repository
from main.core.registry.auth import RegistryAuth
from main.core.registry.bounded import BoundedTransport, UnreadableAnswer
from main.core.registry.manifests import (
    ACCEPT,
    OCI_INDEX,
    Manifest,
    config_labels,
    is_digest,
    sha256_digest,
)
from main.core.tags import is_oci_tag
from main.core.text import clip

TAG_PAGE = 1000
DETAIL_LIMIT = 300  # characters of a registry's own error message shown
MAX_REFERRERS_PAGE = 16 * 1024 * 1024  # 1,000 descriptors are ~0.5 MB
MAX_TAG_PAGES = 1000  # a million tags: past that a registry is looping, not paging
CONCURRENT_READS = 8
T = TypeVar("T")


class RegistryError(PipelineError):
    """A registry refused or failed a request; the message names repository and tag."""

    def __init__(self, message: str, status: int | None = None) -> None:
        """Keep the HTTP status, so callers can tell "not found" from "not allowed"."""
        super().__init__(message)
        self.status = status


def _error_detail(response: httpx.Response) -> str:
    """The registry's own error code and message (``{"errors": [{code, message}]}``).

    Empty for any other body: an error answer of a shape the API does not describe
    (an object for ``errors``, JSON nested a hundred thousand deep) is still one line.
    """
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return ""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return ""
    first = errors[0]
    parts = (first.get(key) for key in ("code", "message"))
    return ": ".join(clip(str(part), DETAIL_LIMIT) for part in parts if part)


class Registry:
    """One registry, e.g. ``Registry("https://ghcr.io", "me", token)``.

    ``base_url`` carries the scheme: ``https://`` for real registries, ``http://`` for a
    plain-HTTP local one such as ``http://127.0.0.1:5000``. Inside ``async with`` (which
    nests) one client's connections are kept and reused; outside, each call opens and
    closes one of its own for all its requests, so a plain ``await
    Registry(url).tags(repo)`` leaks nothing. Tokens are cached for the life of the
    object either way.
    """

    def __init__(
        self,
        base_url: str,
        username: str | None = None,
        password: str | None = None,
        *,
        policy: RetryPolicy | None = None,
        timeout: float = 120.0,
    ) -> None:
        """Prepare a client; no request is made until a method is awaited."""
        self.base_url = base_url.rstrip("/")
        self.host = httpx.URL(self.base_url).netloc.decode("ascii")
        self._credentials = password is not None
        self._policy = policy or RetryPolicy()
        self._auth = RegistryAuth(username, password, home=self.base_url)
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._depth = 0

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url,
            auth=self._auth,
            timeout=self._timeout,
            follow_redirects=True,
            transport=BoundedTransport(LazyTlsTransport()),
        )

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[httpx.AsyncClient]:
        """The client of the operation under way (opened for this request if none)."""
        async with self:
            assert self._client is not None  # noqa: S101 - set by __aenter__
            yield self._client

    async def __aenter__(self) -> Self:
        """Keep one client's connections open until the outermost block ends."""
        if self._client is None:
            self._client = self._new_client()
        self._depth += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the connections when the outermost block ends."""
        self._depth = max(self._depth - 1, 0)
        if self._depth == 0:
            await self.aclose()

    async def aclose(self) -> None:
        """Close the kept connections, if any."""
        self._depth = 0
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    # --- reading --------------------------------------------------------------------

    async def tags(self, repo: str) -> list[str]:
        """Every tag of ``repo``, following the ``Link`` header across pages.

        A next page on another scheme, host or port is refused (the credentials are
        for this registry only), and so is a page seen before or a list longer than
        ``MAX_TAG_PAGES`` pages: a broken registry ends in one line, not a loop.
        """
        what = f"repository {_checked(repo)}"
        url: str | None = f"/v2/{repo}/tags/list?n={TAG_PAGE}"
        found: list[str] = []
        seen: set[str] = set()
        async with self:  # every page through one client
            while url is not None:
                if url in seen or len(seen) >= MAX_TAG_PAGES:
                    why = "returned to a page it had sent" if url in seen else "never ended"
                    pages = len(seen)
                    msg = f"{self.host}'s tag list for {what} {why}; stopped after {pages} pages"
                    raise RegistryError(msg)
                seen.add(url)
                response = await self._send("GET", url, what=what)
                found.extend(_tag_names(response, self.host, what))
                url = self._next_page(response, f"{what}'s tags")
        return found

    def _next_page(self, response: httpx.Response, what: str) -> str | None:
        """The next page's URL, which must be a URL on this registry, or None.

        Raises:
            RegistryError: for a ``Link`` that is no URL, or one on another scheme, host
                or port (the credentials are for this registry only).
        """
        try:
            url = next_page(response)
            elsewhere = url is not None and not self.sameorigin(url)
        except httpx.InvalidURL as exc:
            msg = f"{self.host} sent a next page of {what} that is no URL ({exc})"
            raise RegistryError(msg) from None
        if url is not None and elsewhere:
            scheme, host, port = origin(url)
            there = f"{scheme}://{host}" + (f":{port}" if port else "")
            msg = (
                f"{self.host} sent the next page of {what} to {clip(there, 120)}; "
                "refusing to follow it there with this registry's credentials"
            )
            raise RegistryError(msg)
        return url

    def sameorigin(self, url: str) -> bool:
        """Whether ``url`` is on this registry: same scheme, host and port."""
        return origin(url) == origin(self.base_url)

    async def digest(self, repo: str, tag: str) -> str:
        """The digest ``repo:tag`` points to, read with a HEAD (no manifest download)."""
        what = _what(repo, tag)
        response = await self._send(
            "HEAD", f"/v2/{repo}/manifests/{tag}", what=what, headers={"Accept": ACCEPT}
        )
        header: str | None = response.headers.get("Docker-Content-Digest")
        if header is not None and is_digest(header):
            return header
        return (await self.manifest(repo, tag)).digest  # hashes the bytes itself

    async def digests(self, repo: str, tags: Iterable[str]) -> dict[str, str]:
        """The digest of each tag, read concurrently with a bounded number of HEADs."""
        async with self:
            return await _gather(tags, lambda tag: self.digest(repo, tag))

    async def manifests(self, repo: str, references: Iterable[str]) -> dict[str, Manifest]:
        """The manifests of several tags or digests, read concurrently."""
        async with self:
            return await _gather(references, lambda ref: self.manifest(repo, ref))

    async def manifest(self, repo: str, reference: str) -> Manifest:
        """The manifest of ``repo:tag`` or ``repo@digest``: exact bytes and media type."""
        what = _what(repo, reference)
        response = await self._send(
            "GET", f"/v2/{repo}/manifests/{reference}", what=what, headers={"Accept": ACCEPT}
        )
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip() or None
        manifest = Manifest.of(response.content, media_type)
        claimed = response.headers.get("Docker-Content-Digest")
        expected = reference if reference.startswith("sha256:") else claimed
        if expected and expected != manifest.digest:
            msg = f"{what}: the registry sent a manifest whose digest is {manifest.digest}"
            raise RegistryError(msg)
        return manifest

    async def blob(self, repo: str, digest: str) -> bytes:
        """A blob's bytes, checked against its digest."""
        response = await self._send("GET", f"/v2/{repo}/blobs/{digest}", what=_what(repo, digest))
        if sha256_digest(response.content) != digest:
            msg = f"{repo}@{digest}: the registry sent a blob with a different digest"
            raise RegistryError(msg)
        return response.content

    async def referrers_page(
        self, repo: str, digest: str, url: str | None = None
    ) -> tuple[bytes, str | None] | None:
        """One page of the referrers API (OCI distribution 1.1) for ``repo@digest``.

        The page (an image index, unparsed) and the next page's URL; ``None`` where the
        registry has no referrers API and answers 404, as distribution 2.8 does. A page
        past ``MAX_REFERRERS_PAGE`` bytes is refused before it is held in memory.
        """
        response = await self._send(
            "GET",
            url or f"/v2/{repo}/referrers/{digest}",
            what=f"the referrers of {_what(repo, digest)}",
            ok=(200, 404),
            headers={"Accept": OCI_INDEX},
            max_bytes=MAX_REFERRERS_PAGE,
        )
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        following = self._next_page(response, f"{repo}@{digest}'s referrers")
        return response.content, following

    async def labels(self, repo: str, reference: str) -> dict[str, str]:
        """The image's config labels; for an index, those of its first runnable image."""
        async with self:
            return await self._labels(repo, reference)

    async def _labels(self, repo: str, reference: str) -> dict[str, str]:
        manifest = await self.manifest(repo, reference)
        if manifest.is_index:
            children = manifest.image_children()
            if not children:
                return {}
            manifest = await self.manifest(repo, children[0])
        return config_labels(await self.blob(repo, manifest.config_digest()))

    # --- writing --------------------------------------------------------------------

    async def put_manifest(self, repo: str, tag: str, manifest: Manifest) -> str:
        """Store ``manifest`` under ``tag`` and check the registry kept its digest."""
        async with self:
            return await self._put_manifest(repo, tag, manifest)

    async def _put_manifest(self, repo: str, tag: str, manifest: Manifest) -> str:
        response = await self._send(
            "PUT",
            f"/v2/{repo}/manifests/{tag}",
            what=_what(repo, tag),
            headers={"Content-Type": manifest.media_type},
            content=manifest.content,
            ok=(201,),
        )
        header = response.headers.get("Docker-Content-Digest")
        stored = header if header and is_digest(header) else await self.digest(repo, tag)
        if stored != manifest.digest:
            msg = f"{repo}:{tag}: the registry stored {stored}, not {manifest.digest}"
            raise RegistryError(msg)
        return stored

    async def retag(self, repo: str, source_tag: str, target_tag: str) -> str:
        """Point ``target_tag`` at the manifest of ``source_tag``; returns the digest.

        The manifest is fetched and put back byte for byte, so the digest is identical
        and no layer is read or written.
        """
        _what(repo, target_tag)  # both names checked before the first request
        async with self:
            manifest = await self.manifest(repo, source_tag)
            return await self.put_manifest(repo, target_tag, manifest)

    async def delete(self, repo: str, digest: str) -> None:
        """Delete the manifest ``repo@digest``; every tag pointing to it goes with it."""
        await self._send(
            "DELETE", f"/v2/{repo}/manifests/{digest}", what=_what(repo, digest), ok=(202, 200)
        )

    async def push_blob(self, repo: str, data: bytes) -> str:
        """Upload a blob in one piece (POST, then PUT with its digest); returns the digest."""
        async with self:
            return await self._push_blob(repo, data)

    async def _push_blob(self, repo: str, data: bytes) -> str:
        digest = sha256_digest(data)
        what = f"{repo}@{digest}"
        started = await self._send(
            "POST", f"/v2/{repo}/blobs/uploads/", what=f"repository {_checked(repo)}", ok=(202,)
        )
        if "Location" not in started.headers:
            msg = (
                f"{self.host} started an upload to {repo} without a Location header to "
                "send it to; the registry (or a proxy before it) is not speaking the OCI API"
            )
            raise RegistryError(msg)
        location = started.url.join(started.headers["Location"])
        await self._send(
            "PUT",
            str(location.copy_merge_params({"digest": digest})),
            what=what,
            headers={"Content-Type": "application/octet-stream"},
            content=data,
            ok=(201,),
        )
        return digest

    # --- transport ------------------------------------------------------------------

    async def _send(  # noqa: PLR0913 - an HTTP request's parts, all but two keyword-only
        self,
        method: str,
        url: str,
        *,
        what: str,
        ok: Iterable[int] = (200,),
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        max_bytes: int | None = None,
    ) -> httpx.Response:
        """One request with bounded retries; any other failure becomes a clear error.

        With ``max_bytes`` the body is read only up to that size (else one line).
        """
        try:
            async with self._session() as client:
                request = client.build_request(method, url, headers=headers, content=content)
                response, attempts = await send_with_retries(
                    client, request, self._policy, stream=max_bytes is not None
                )
                if max_bytes is not None:
                    response = await _bounded(response, max_bytes, f"{self.host} answered {what}")
        except httpx.TransportError as exc:
            msg = f"cannot reach {self.host} for {what}: {exc}; check the registry address"
            raise RegistryError(msg) from None
        except (UnreadableAnswer, httpx.DecodingError) as exc:
            msg = f"{self.host} answered {method} for {what} with what no registry sends: {exc}"
            raise RegistryError(msg) from None
        if response.status_code not in set(ok):
            raise self._failure(method, response, what, attempts=attempts)
        return response

    def _failure(
        self, method: str, response: httpx.Response, what: str, *, attempts: int
    ) -> RegistryError:
        status = response.status_code
        detail = _error_detail(response)
        suffix = f" ({detail})" if detail else ""
        if status == httpx.codes.UNAUTHORIZED:
            advice = (
                "check the registry user name and password or token"
                if self._credentials
                else "it needs credentials: give the registry user name and a password or token"
            )
            msg = f"{self.host} refused access to {what} (401 unauthorized){suffix}: {advice}"
        elif status == httpx.codes.FORBIDDEN:
            msg = (
                f"{self.host} forbids {method} on {what} (403){suffix}: the credentials lack "
                "permission (a GHCR token needs write:packages to tag, delete:packages to delete)"
            )
        elif status == httpx.codes.NOT_FOUND:
            msg = f"{what} does not exist on {self.host}{suffix}: check the repository and tag"
        elif status == httpx.codes.METHOD_NOT_ALLOWED and method == "DELETE":
            msg = f"{self.host} does not allow deleting {what}{suffix}: enable deletes there"
        else:
            tries = f" after {attempts} attempts" if attempts > 1 else ""
            msg = f"{self.host} answered {status} to {method} for {what}{tries}{suffix}"
        return RegistryError(msg, status)


async def _gather(keys: Iterable[str], read: Callable[[str], Awaitable[T]]) -> dict[str, T]:
    """``{key: await read(key)}`` with at most ``CONCURRENT_READS`` in flight.

    When reads fail, the first failure is raised alone (naming how many others failed),
    never an exception group: a user gets one line, however many reads broke at once.
    """
    found: dict[str, T] = {}
    failures: list[PipelineError] = []
    limiter = anyio.CapacityLimiter(CONCURRENT_READS)

    async def one(key: str) -> None:
        async with limiter:
            try:
                found[key] = await read(key)
            except PipelineError as exc:
                failures.append(exc)

    async with anyio.create_task_group() as group:
        for key in dict.fromkeys(keys):
            group.start_soon(one, key)
    if failures:
        first = failures[0]
        more = f" (and {len(failures) - 1} more reads failed)" if len(failures) > 1 else ""
        status = first.status if isinstance(first, RegistryError) else None
        msg = f"{first}{more}"
        raise RegistryError(msg, status)
    return found


async def _bounded(response: httpx.Response, max_bytes: int, what: str) -> httpx.Response:
    """``response`` read in full when at most ``max_bytes`` long; closed either way."""
    too_big = f"{what} with more than {max_bytes} bytes, more than any such answer holds"
    try:
        if int(response.headers.get("Content-Length") or 0) > max_bytes:
            raise RegistryError(too_big)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise RegistryError(too_big)
            chunks.append(chunk)
    finally:
        await response.aclose()
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        content=b"".join(chunks),
        request=response.request,
    )


def _tag_names(response: httpx.Response, host: str, what: str) -> list[str]:
    """The ``tags`` of a tag-list answer, which must be what the distribution API sends."""
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        body = None
    tags = body.get("tags", ()) if isinstance(body, dict) else None
    tags = [] if tags is None or tags == () else tags
    if not isinstance(body, dict) or not isinstance(tags, list):
        kind = response.headers.get("content-type", "no content type")
        msg = f"{host} answered the tag list of {what} with something else than JSON tags ({kind})"
        raise RegistryError(msg)
    if not all(isinstance(tag, str) and tag for tag in tags):
        msg = f"{host} listed tags of {what} that are not names (e.g. {tags[:3]!r})"
        raise RegistryError(msg)
    return list(tags)


def _what(repo: str, reference: str) -> str:
    """``repo:tag`` or ``repo@digest``, both checked: they become a URL path.

    Raises:
        RegistryError: for a repository that is no repository path, or a reference that
            is neither an OCI tag nor a digest ('..', '?' or '#' in either would send the
            request, with this registry's credentials, to another repository's URL).
    """
    if is_digest(reference):
        return f"{_checked(repo)}@{reference}"
    if not is_oci_tag(reference):
        msg = f"{reference[:80]!r} is neither an image tag nor a sha256 digest (in {repo[:80]!r})"
        raise RegistryError(msg)
    return f"{_checked(repo)}:{reference}"


def _checked(repo: str) -> str:
    """``repo``, when it is a repository path (lower case, no '..', '?' or '#')."""
    if not is_repository(repo):
        msg = f"{repo[:80]!r} is not a repository path such as acme/my-service"
        raise RegistryError(msg)
    return repo
