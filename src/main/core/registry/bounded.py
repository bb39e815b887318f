"""A bound on what one registry answer may weigh, decoded: no flood fills the memory.

Everything this client reads is small: a manifest (distribution refuses one over
4 MiB), a tag list page, a config blob, an attestation. A broken or hostile registry (or
a proxy before it) can still answer with a body that never ends, or with a few
kilobytes of gzip that inflate to gigabytes. httpx reads every answer whole (the auth
flow needs bodies), so the bound sits in the transport, under it: the body is decoded
here, counted as it arrives, and cut off at ``MAX_BODY`` with :class:`UnreadableAnswer`.
"""

import zlib
from collections.abc import AsyncIterator

import httpx

MIB = 1024 * 1024
MAX_BODY = 64 * MIB  # far above any manifest or SBOM, far below a flood
# What this client asks for and decodes itself; anything else is refused.
ACCEPT_ENCODING = "gzip, deflate"
_DECODED = {"gzip", "x-gzip", "deflate"}


class UnreadableAnswer(Exception):  # noqa: N818 - reads as what happened
    """An answer longer (decoded) than the bound, or in an encoding not asked for."""


class _BoundedStream(httpx.AsyncByteStream):
    """A response body, decoded if encoded, that stops past ``limit`` bytes."""

    def __init__(self, stream: httpx.AsyncByteStream, limit: int, *, encoded: bool) -> None:
        self._stream = stream
        self._limit = limit
        # wbits 32 + 15: zlib or gzip framing, read from the header (both occur as deflate).
        self._decoder = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoded else None
        self._seen = 0

    def _count(self, data: bytes) -> bytes:
        self._seen += len(data)
        if self._seen > self._limit:
            msg = f"the answer is longer than {self._limit // MIB} MiB"
            raise UnreadableAnswer(msg)
        return data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            if self._decoder is None:
                yield self._count(chunk)
                continue
            data = chunk
            while data:  # at most limit + 1 bytes out of each step: no bomb unpacks whole
                yield self._count(self._inflate(data))
                data = self._decoder.unconsumed_tail
        if self._decoder is not None:
            yield self._count(self._decoder.flush())

    def _inflate(self, data: bytes) -> bytes:
        assert self._decoder is not None  # noqa: S101 - only called when decoding
        try:
            return self._decoder.decompress(data, self._limit - self._seen + 1)
        except zlib.error as exc:
            msg = f"the answer's compressed body is broken ({exc})"
            raise httpx.DecodingError(msg) from None

    async def aclose(self) -> None:
        await self._stream.aclose()


class BoundedTransport(httpx.AsyncBaseTransport):
    """Wraps a transport: every answer's body decoded here and bounded to ``limit``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int = MAX_BODY) -> None:
        """Bound ``inner``'s answers."""
        self._inner = inner
        self._limit = limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Ask for encodings decoded here only, and bound the answer's body."""
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        response = await self._inner.handle_async_request(request)
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        decoded = encoding in _DECODED
        if encoding not in {"identity", "", *_DECODED}:
            await response.aclose()
            msg = f"the answer is encoded as {encoding[:40]!r}, which was not asked for"
            raise UnreadableAnswer(msg)
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)  # noqa: S101 - an async transport's
        headers = [
            (name, value)
            for name, value in response.headers.raw
            if not decoded or name.lower() not in {b"content-encoding", b"content-length"}
        ]
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=_BoundedStream(stream, self._limit, encoded=decoded),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()
