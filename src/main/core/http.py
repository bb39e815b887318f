"""HTTP habits every hosted-service client here shares: bounded retries and paging.

Registries and the GitHub API answer 429 when rate-limited and 5xx when briefly
unwell; a pipeline that gives up on the first such answer fails for no reason of its
own. Every other answer is returned at once: deciding what it means is the caller's job.

Both APIs answer a long list in pages and name the next one in an RFC 8288 ``Link``
header (``<...>; rel="next"``), absent on the last page. The URL may be relative
(registries often send ``/v2/...``), so it is resolved against the answer that named it.
"""

from dataclasses import dataclass

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
                return min(max(float(retry_after), 0.0), MAX_RETRY_AFTER)
            except ValueError:
                pass
        return float(self.backoff * 2**attempt)


async def send_with_retries(
    client: httpx.AsyncClient,
    request: httpx.Request,
    policy: RetryPolicy,
) -> tuple[httpx.Response, int]:
    """Send ``request``; repeat on 429, 5xx or a transport error, within ``policy``.

    Returns the last response and how many attempts were made. Raises the last
    ``httpx.TransportError`` when even the final attempt could not connect.
    """
    attempt = 0
    while True:
        try:
            response = await client.send(request)
        except httpx.TransportError:
            if attempt >= policy.retries:
                raise
            await anyio.sleep(policy.delay(attempt))
        else:
            if response.status_code not in RETRIED or attempt >= policy.retries:
                return response, attempt + 1
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
