"""Where a service answers and how long to wait for it: checks smoke and load share.

The smoke checker and the load generator take the same kind of address (an absolute
http(s) URL), the same default paths and the same kind of time limits, and refuse bad
ones with the same line, checked before a single request goes out. Standard library
and httpx only (both run in bare containers).
"""

import math
from urllib.parse import urlsplit

import httpx

from main.core.errors import PipelineError
from main.core.redact import MASK, scrub

DEFAULT_HEALTH_PATH = "/health"
DEFAULT_MCP_PATH = "/mcp"
MAX_LABEL = 63  # DNS: a host label is at most 63 characters


def check_url(url: str) -> None:
    """Refuse anything but an absolute http(s) base URL with a host that httpx can request.

    Parsed the way the request will parse it (httpx), so that a malformed address
    (``http://[::1``, ``http://x:abc``, a host label over 63 characters) is a usage
    error now, never a crash mid-run.
    """
    example = "(e.g. http://app:8000)"
    shown = shown_url(url)
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):  # noqa: PLR2004 - space, DEL
        msg = f"URL must hold no spaces or control characters, got {shown!r} {example}"
        raise PipelineError(msg)
    try:
        parts = urlsplit(url)
        port = parts.port
        parsed = httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        msg = f"URL {shown!r} is malformed: {scrub(str(exc))} {example}"
        raise PipelineError(msg) from None
    if parts.scheme not in {"http", "https"} or not parsed.host:
        msg = f"URL must be absolute http:// or https://, got {shown!r} {example}"
        raise PipelineError(msg)
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        # Paths are joined to the URL: its query would end up before them.
        msg = f"URL must be a base address with no query or fragment, got {shown!r} {example}"
        raise PipelineError(msg)
    labels = parsed.host.strip("[]").split(".")
    if any(len(label) > MAX_LABEL for label in labels) or port == 0:
        msg = f"URL {shown!r} has an invalid host or port {example}"
        raise PipelineError(msg)


def shown_url(url: str) -> str:
    """``url`` as a message may quote it: any user and password before the host masked.

    Done by hand, not by a URL parser: the URL being refused may be one no parser
    takes (``ftp://``, no scheme, a bad port), and its password must not reach the
    bad-usage line, which goes to the job's log and the JSON document.
    """
    scheme, separator, rest = url.partition("://")
    prefix = f"{scheme}{separator}" if separator else ""
    if not separator:
        rest = url
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = f"{MASK}@{authority.rpartition('@')[2]}"
    return scrub(f"{prefix}{authority}{slash}{path}")


def check_path(option: str, path: str) -> None:
    """Paths are joined to the URL: they start with '/' and hold nothing that ends a line."""
    if not path.startswith("/"):
        msg = f"{option} must start with '/', got {path!r}"
        raise PipelineError(msg)
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in path):  # noqa: PLR2004 - space, DEL
        # A CR/LF would end the request line early (header injection); httpx refuses
        # such a URL only when the request goes out, so the whole run failed instead.
        msg = f"{option} must be a URL path without spaces or control characters, got {path!r}"
        raise PipelineError(msg)


def check_seconds(option: str, seconds: float) -> None:
    """A time limit must be a positive, finite number of seconds."""
    if not (seconds > 0 and math.isfinite(seconds)):
        msg = f"{option} must be a positive number of seconds, got {seconds!r}"
        raise PipelineError(msg)
