"""HTTP habits every hosted-service client here shares: retries, paging, cheap TLS.

Registries and the GitHub API answer 429 when rate-limited and 5xx when briefly
unwell; a pipeline that gives up on the first such answer fails for no reason of its
own. Every other answer is returned at once: deciding what it means is the caller's job.

Both APIs answer a long list in pages and name the next one in an RFC 8288 ``Link``
header (``<...>; rel="next"``), absent on the last page. The URL may be relative
(registries often send ``/v2/...``), so it is resolved against the answer that named it.

A new ``httpx.AsyncClient`` reads the CA bundle into a new SSL context: ~20 ms, more
than a whole request to a local registry, and paid even for ``http://``. Clients here
use :class:`LazyTlsTransport`: no TLS at all for plain HTTP, and one verifying SSL
context for the whole process, made on the first ``https://`` request.
"""

import math
import ssl
from dataclasses import dataclass
from functools import cache

import anyio
import httpx

RETRIED = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 30.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """At most ``retries`` repeats, waiting ``backoff * 2**n`` s (or ``Retry-After``)."""

    retries: int = 4
    backoff: float = 0.5

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before repeat number ``attempt`` (from 0)."""
        if retry_after is not None:
            try:
                seconds = float(retry_after)
            except ValueError:
                seconds = math.nan  # an HTTP date, or garbage: fall back to the backoff
            if not math.isnan(seconds):  # "nan" parses, and anyio.sleep refuses it
                return min(max(seconds, 0.0), MAX_RETRY_AFTER)
        return float(self.backoff * 2**attempt)


async def send_with_retries(
    client: httpx.AsyncClient,
    request: httpx.Request,
    policy: RetryPolicy,
    *,
    stream: bool = False,
) -> tuple[httpx.Response, int]:
    """Send ``request``; repeat on 429, 5xx or a transport error, within ``policy``.

    Returns the last response and how many attempts were made. Raises the last
    ``httpx.TransportError`` when even the final attempt could not connect. With
    ``stream`` the body is left unread for the caller (who closes the response).
    """
    attempt = 0
    while True:
        try:
            response = await client.send(request, stream=stream)
        except httpx.TransportError:
            if attempt >= policy.retries:
                raise
            await anyio.sleep(policy.delay(attempt))
        else:
            if response.status_code not in RETRIED or attempt >= policy.retries:
                return response, attempt + 1
            await response.aclose()
            await anyio.sleep(policy.delay(attempt, response.headers.get("Retry-After")))
        attempt += 1


def next_page(response: httpx.Response) -> str | None:
    """The absolute URL of the page after ``response``, or ``None`` on the last page."""
    following = response.links.get("next", {}).get("url")
    return str(response.url.join(following)) if following else None


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: what must match before a request may carry credentials."""
    parsed = httpx.URL(url)
    return parsed.scheme, parsed.host, parsed.port


@cache
def tls_context() -> ssl.SSLContext:
    """The verifying SSL context (system or certifi CA bundle), read once per process."""
    return httpx.create_ssl_context()


class LazyTlsTransport(httpx.AsyncBaseTransport):
    """Plain HTTP at once; HTTPS through a verifying transport made on first use.

    Certificates are verified for every HTTPS request (against :func:`tls_context`);
    plain HTTP never builds an SSL context. One instance belongs to one client.
    """

    def __init__(self) -> None:
        """Only the plain transport now."""
        # verify=False is moot here: this transport only ever carries http:// requests,
        # and it builds a bare context instead of reading the CA bundle.
        self._plain = httpx.AsyncHTTPTransport(verify=False)
        self._tls: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the transport its scheme needs."""
        if request.url.scheme != "https":
            return await self._plain.handle_async_request(request)
        if self._tls is None:
            self._tls = httpx.AsyncHTTPTransport(verify=tls_context())
        return await self._tls.handle_async_request(request)

    async def aclose(self) -> None:
        """Close whichever transports were made."""
        await self._plain.aclose()
        if self._tls is not None:
            await self._tls.aclose()
