"""Reading what a server sends, bounded in time and in memory, whatever it sends.

A smoke test meets servers at their worst: a body trickled one byte at a time, an
endless chunked answer, an SSE line that never ends, a 400 MB reply. httpx bounds each
read, not the whole answer, so every body here is read as a stream, chunk by chunk,
with the run's deadline checked between chunks and a byte limit that stops reading as
soon as it is passed. Nothing is read beyond what the check needs. Standard library
and httpx only.
"""

import codecs
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx

# Limits no sane answer reaches, only there for safety: a JSON-RPC reply (a server
# with hundreds of tools easily sends 100 KB), a body an extra check inspects, and
# what a report keeps of a failing answer.
REPLY_LIMIT = 16 * 1024 * 1024
CHECK_BODY_LIMIT = 4 * 1024 * 1024
EXCERPT_BYTES = 64 * 1024
REQUEST_CAP = 10.0
BOM = "\ufeff"


class Cut(Exception):  # noqa: N818 - a cut answer is not an error of ours
    """Reading stopped: the deadline passed, or the answer outgrew its limit."""


class Deadline:
    """The one overall time limit, and the per-request limits carved out of it."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        """Start counting ``seconds`` from now."""
        self._clock = clock
        self.started = clock()
        self.seconds = seconds
        self.ends = self.started + seconds

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return self._clock() - self.started

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.ends - self._clock())

    def expired(self) -> bool:
        """Whether the overall limit has been reached."""
        return self.remaining() <= 0

    def request_timeout(self) -> float:
        """How long the next request may wait on the network: what is left, capped."""
        return max(0.001, min(REQUEST_CAP, self.remaining()))

    def ran_out(self) -> str:
        """The words for a step the deadline cut short."""
        return f"cut short: the overall timeout of {self.seconds:g} s ran out"


def chunks(response: httpx.Response, deadline: Deadline) -> Iterator[bytes]:
    """The decoded body in chunks; raises :class:`Cut` once the deadline has passed."""
    for chunk in response.iter_bytes():
        if deadline.expired():
            raise Cut(deadline.ran_out())
        yield chunk
    if deadline.expired():
        raise Cut(deadline.ran_out())


def read_body(
    response: httpx.Response, deadline: Deadline, limit: int, *, strict: bool = False
) -> bytes:
    """At most ``limit`` bytes of the body, then stop reading.

    With ``strict`` a longer body is an error (a reply that must be parsed whole);
    otherwise its start is returned (enough for an excerpt or a status check).

    Raises:
        Cut: the deadline passed, or (``strict``) the body outgrew ``limit``.
    """
    parts: list[bytes] = []
    size = 0
    for chunk in chunks(response, deadline):
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            if strict:
                msg = f"the answer is larger than {limit // 1024} KiB; reading stopped there"
                raise Cut(msg)
            break
    return b"".join(parts)[:limit]


def text_of(body: bytes, response: httpx.Response) -> str:
    """``body`` decoded as the response says, replacing what does not decode."""
    return body.decode(response.encoding or "utf-8", errors="replace")


def lines(response: httpx.Response, deadline: Deadline, limit: int) -> Iterator[str]:
    """The body's lines as the SSE format defines them: ends CRLF, LF or CR.

    A leading byte-order mark is dropped. A line longer than ``limit`` stops the read,
    so a stream that never sends a line end cannot fill the memory.

    Raises:
        Cut: the deadline passed, or a line outgrew ``limit``.
    """
    pending = ""
    first = True
    carriage = False  # the last chunk ended in CR: a following LF belongs to it
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    for raw in chunks(response, deadline):
        text = decoder.decode(raw)
        if first and text:
            text = text.removeprefix(BOM)
            first = False
        if carriage and text.startswith("\n"):
            text = text[1:]
        carriage = False
        pending += text
        while True:
            cut = _line_end(pending)
            if cut is None:
                break
            end, width = cut
            # A CR that ends the text so far may be the first half of a split CRLF.
            carriage = width == 1 and pending[end] == "\r" and end == len(pending) - 1
            yield pending[:end]
            pending = pending[end + width :]
        if len(pending) > limit:
            msg = f"an event-stream line is longer than {limit // 1024} KiB; reading stopped"
            raise Cut(msg)
    if pending:
        yield pending


def _line_end(text: str) -> tuple[int, int] | None:
    """Where the first line of ``text`` ends and how wide its end is, or None."""
    lf, cr = text.find("\n"), text.find("\r")
    if lf < 0 and cr < 0:
        return None
    if cr < 0 or (0 <= lf < cr):
        return lf, 1
    width = 2 if text[cr + 1 : cr + 2] == "\n" else 1
    return cr, width


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a bounded request brought back: status, headers and the start of the body."""

    status: int
    headers: httpx.Headers
    body: bytes
    text: str
    complete: bool = True  # False: the body went on past the limit, and was cut there


def fetch(  # noqa: PLR0913 - the request and both of its bounds
    client: httpx.Client,
    method: str,
    url: str,
    deadline: Deadline,
    limit: int,
    *,
    timeout: float | None = None,
) -> Fetched:
    """One request whose answer is read within the deadline and ``limit`` bytes.

    Raises:
        Cut: the deadline passed while the answer was read.
        httpx.HTTPError: the request failed (connection, redirect loop, bad encoding).
    """
    wait = deadline.request_timeout() if timeout is None else timeout
    with client.stream(method, url, timeout=wait) as response:
        # One byte more than the limit tells a body of exactly ``limit`` from a longer one.
        body = read_body(response, deadline, limit + 1)
        complete = len(body) <= limit
        body = body[:limit]
        return Fetched(
            response.status_code, response.headers, body, text_of(body, response), complete
        )
