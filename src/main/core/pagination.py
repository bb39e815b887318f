"""Follow paged list answers the way the OCI distribution API and GitHub's REST API page.

Both answer a long list in pages and name the next one in an RFC 8288 ``Link`` header
(``<...>; rel="next"``), absent on the last page. The URL may be relative (registries
often send ``/v2/...``), so it is resolved against the URL of the answer that named it.
"""

import httpx


def next_page(response: httpx.Response) -> str | None:
    """The absolute URL of the page after ``response``, or ``None`` on the last page."""
    following = response.links.get("next", {}).get("url")
    return str(response.url.join(following)) if following else None
