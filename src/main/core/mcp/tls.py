"""An httpx transport that loads the CA bundle only when an HTTPS request needs it.

Creating an ``httpx.Client`` loads certifi's CA bundle: 25-50 ms here, which is as
much as a whole smoke run against a ready local server. Most smoke targets are plain
``http://`` (a service bound inside the engine, a local server), so the verifying
transport is built on the first ``https://`` request instead. Certificates are still
verified for every HTTPS request; plain HTTP never uses TLS at all. httpx only.
"""

import httpx


class LazyTlsTransport(httpx.BaseTransport):
    """Plain HTTP at once; HTTPS through a verifying transport made on first use."""

    def __init__(self) -> None:
        """Only the plain transport now: its TLS context is never used for http://."""
        # verify=False is moot here: this transport only ever carries http:// requests.
        self._plain = httpx.HTTPTransport(verify=False)
        self._tls: httpx.HTTPTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the transport its scheme needs."""
        if request.url.scheme != "https":
            return self._plain.handle_request(request)
        if self._tls is None:
            self._tls = httpx.HTTPTransport()
        return self._tls.handle_request(request)

    def close(self) -> None:
        """Close whichever transports were made."""
        self._plain.close()
        if self._tls is not None:
            self._tls.close()
