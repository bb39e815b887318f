"""Registry authentication: the bearer-token handshake and basic auth, as httpx sees it.

A registry answers an unauthenticated request with 401 and a ``WWW-Authenticate``
challenge. ``Basic realm="..."`` asks for the user name and password on the request
itself. ``Bearer realm="...",service="...",scope="..."`` (GHCR, Docker Hub, any
registry behind a token server) asks the client to fetch a token from ``realm`` for
that service and scope, with the credentials as basic auth (or none, for anonymous
pulls), and to repeat the request with ``Authorization: Bearer TOKEN``. Tokens are
kept per scope, so a re-tag pays the handshake once for pull and once for push.
"""

import base64
import json
import re
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass, field

import httpx

from main.core.errors import PipelineError
from main.core.http import origin

_PARAM = re.compile(r'([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@dataclass(frozen=True, slots=True)
class Challenge:
    """A parsed ``WWW-Authenticate`` challenge: its scheme (lower case) and parameters."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def scopes(self) -> list[str]:
        """The scopes asked for; several are separated by spaces."""
        return self.params.get("scope", "").split()


def parse_challenge(header: str) -> Challenge | None:
    """Read ``Bearer realm="...",service="...",scope="..."`` or ``Basic realm="..."``."""
    scheme, _, rest = header.strip().partition(" ")
    if not scheme:
        return None
    params = {
        match[1].lower(): match[2] if match[2] is not None else match[3]
        for match in _PARAM.finditer(rest)
    }
    return Challenge(scheme=scheme.lower(), params=params)


def _basic(username: str, password: str) -> str:
    pair = f"{username}:{password}".encode()
    return f"Basic {base64.b64encode(pair).decode('ascii')}"


class RegistryAuth(httpx.Auth):
    """Answers a registry's 401 challenge: basic credentials, or a token from its realm.

    Without credentials, the token request goes out anonymously (public pulls on GHCR
    work that way). When the token server refuses, its 401 is what the caller sees,
    and the caller words it as bad credentials for the repository at hand.
    """

    requires_response_body = True

    def __init__(
        self, username: str | None = None, password: str | None = None, *, home: str = ""
    ) -> None:
        """Remember the credentials; nothing is sent before a registry asks for it.

        With ``home`` (the registry's URL), a request to any other scheme, host or port
        goes out without credentials, and a challenge from another host (one a
        redirect led to) is never answered: it could name a token realm of its own and
        collect the password.
        """
        self._home = origin(home) if home else None
        self._credentials = (username or "", password) if password is not None else None
        self._tokens: dict[str, str] = {}
        self._current: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send, and on a 401 challenge authenticate as asked and send once more."""
        if not self._at_home(request.url):
            yield request  # another host: it gets nothing of ours
            return
        if self._current is not None:
            request.headers["Authorization"] = self._current
        response = yield request
        challenge = self._challenge(response)
        if challenge is None:
            return
        if challenge.scheme == "basic" and self._credentials is not None:
            self._current = _basic(*self._credentials)
        elif challenge.scheme == "bearer" and "realm" in challenge.params:
            key = " ".join(challenge.scopes)
            cached = self._tokens.get(key)
            if cached is None or cached == request.headers.get("Authorization"):
                token_response = yield self._token_request(challenge)
                token = _token(token_response)
                if token is None:
                    _refused_or_broken(token_response)
                    return  # refused: its 401/403 is what the caller words
                cached = self._tokens[key] = f"Bearer {token}"
            self._current = cached
        else:
            return
        request.headers["Authorization"] = self._current
        yield request

    def _at_home(self, url: httpx.URL) -> bool:
        return self._home is None or origin(str(url)) == self._home

    def _challenge(self, response: httpx.Response) -> Challenge | None:
        """The registry's 401 challenge to answer, or None.

        A 401 from another host (where a redirect led) is not answered: its challenge
        could name a token realm of that host's choosing and collect the password.
        """
        if response.status_code != httpx.codes.UNAUTHORIZED or not self._at_home(response.url):
            return None
        return parse_challenge(response.headers.get("WWW-Authenticate", ""))

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """:meth:`auth_flow`, reading a body only where the flow reads it (a 401, a token).

        The final answer stays unread for a caller that streams it, so a bounded read
        (``Registry.referrers_page``) never holds more than its bound of a hostile body.
        """
        flow = self.auth_flow(request)
        sent = next(flow)
        while True:
            response = yield sent
            if response.status_code == httpx.codes.UNAUTHORIZED or sent is not request:
                await response.aread()
            try:
                sent = flow.send(response)
            except StopIteration:
                break

    def _token_request(self, challenge: Challenge) -> httpx.Request:
        realm = _realm(challenge)
        if self._credentials is not None and self._downgrades(realm):
            msg = (
                f"the registry asked for a token from {realm[:120]}, plain http, while it is "
                "reached over https: refusing to send its password unencrypted; fix the "
                "token server address of the registry"
            )
            raise PipelineError(msg)
        params: list[tuple[str, str | int | float | bool | None]] = []
        if service := challenge.params.get("service"):
            params.append(("service", service))
        params.extend(("scope", scope) for scope in challenge.scopes)
        headers = {}
        if self._credentials is not None:
            if self._credentials[0]:
                params.append(("account", self._credentials[0]))
            headers["Authorization"] = _basic(*self._credentials)
        return httpx.Request("GET", realm, params=params, headers=headers)

    def _downgrades(self, realm: str) -> bool:
        """Whether ``realm`` is plain http while the registry is reached over https."""
        https_home = self._home is not None and self._home[0] == "https"
        return https_home and httpx.URL(realm).scheme == "http"


def _refused_or_broken(response: httpx.Response) -> None:
    """Let a token server's refusal through; anything else without a token is broken.

    A refusal (401, 403) reads as bad credentials for the repository at hand. A 200
    without a token (or a 5xx) must not be taken for the registry's own answer: its
    body would be read as a manifest or a tag list.

    Raises:
        PipelineError: for any answer but a refusal.
    """
    if response.status_code in {httpx.codes.UNAUTHORIZED, httpx.codes.FORBIDDEN}:
        return
    host = response.request.url.netloc.decode("ascii", "replace")
    msg = (
        f"the token server {host} answered {response.status_code} without a token; "
        "check the registry's token service"
    )
    raise PipelineError(msg)


def _realm(challenge: Challenge) -> str:
    """The token server's address, which must be an absolute http(s) URL.

    Raises:
        PipelineError: for anything else (relative, empty, ``file:``), naming it: the
            registry's answer is at fault, not its address.
    """
    realm = challenge.params["realm"]
    try:
        url = httpx.URL(realm)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in {"http", "https"} or not url.host:
        msg = (
            f"the registry asked for a token from the realm {realm[:120]!r}, which is not "
            "an http(s) address; fix the token server setting of the registry"
        )
        raise PipelineError(msg)
    return realm


def _token(response: httpx.Response) -> str | None:
    """The token of a token-server reply (``token``, or OAuth's ``access_token``)."""
    if response.status_code != httpx.codes.OK:
        return None
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return None
    token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
    return token if isinstance(token, str) and token else None
