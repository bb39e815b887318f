"""A registry front that demands authentication, the way GHCR and Docker Hub do.

It sits before the real docker-registry and forwards every request it lets through.
In ``token`` mode it is also the token server: a request without a sufficient bearer
token gets ``401`` with ``WWW-Authenticate: Bearer realm=".../token",service="...",
scope="repository:NAME:ACTIONS"``; ``GET /token?service=...&scope=...`` answers
``{"token": ...}`` after checking basic credentials (anonymous: pull only), as the
Docker token-authentication specification describes. In ``basic`` mode it asks for
``Basic`` credentials on every request. Queued failures (``fail_next``) answer the
next requests with 429/5xx before forwarding, to exercise retries. With ``tag_page``
it pages tag lists as the OCI distribution spec describes (``n``, ``last``, a
``Link: <...>; rel="next"`` header), which docker-registry 2.8 itself does not do.
"""

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Literal

import httpx

from tests.support.http_servers import Log, Recorded, RecordingHandler, serving

SERVICE = "test-registry"
_REPO_PATH = re.compile(r"^/v2/(?P<name>.+?)/(?:manifests|blobs|tags)/")
_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class ProxyState:
    """What the front accepts, what it granted, and the failures it is told to fake."""

    upstream: str
    mode: Literal["token", "basic"] = "token"
    username: str = "ci-bot"
    password: str = "s3cret"  # noqa: S105 - a test credential
    fail_next: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    tokens: dict[str, set[str]] = field(default_factory=dict)
    tag_page: int | None = None
    deletes_allowed: int | None = None  # refuse (403) every DELETE after this many
    refused_tags: set[str] = field(default_factory=set)  # refuse (403) manifest PUTs
    # Forward the manifest PUT (the registry commits it), then answer 500 anyway.
    committed_then_failed: set[str] = field(default_factory=set)
    tag_list: bytes | None = None  # answer every tag list with this body instead
    next_link: str | None = None  # send every tag list with this Link rel="next"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def basic_ok(self, header: str | None) -> bool | None:
        """True for the right credentials, False for wrong ones, None for none given."""
        if not header or not header.startswith("Basic "):
            return None
        pair = base64.b64decode(header.removeprefix("Basic ")).decode()
        return pair == f"{self.username}:{self.password}"


def _needed_scope(request: Recorded) -> str | None:
    match = _REPO_PATH.match(request.path)
    if match is None:
        return None
    actions = {"GET": "pull", "HEAD": "pull", "DELETE": "delete"}.get(request.method, "pull,push")
    return f"repository:{match['name']}:{actions}"


def _covered(scope: str, granted: set[str]) -> bool:
    kind, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    return all(f"{kind}:{name}:{action}" in granted for action in actions.split(","))


class AuthProxy(RecordingHandler):
    """Token server plus authenticating reverse proxy in front of a real registry."""

    state: ProxyState
    client: httpx.Client

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        """Issue tokens, refuse the unauthenticated, fake failures, else forward."""
        if request.path == "/token":
            return self._token(request)
        with self.state.lock:
            failure = self.state.fail_next.pop(0) if self.state.fail_next else None
        if failure is not None:
            return failure[0], failure[1], b'{"errors":[{"code":"UNAVAILABLE"}]}'
        refusal = self._refusal(request) or self._denial(request)
        if refusal is not None:
            return refusal
        if self.state.tag_page is not None and request.path.endswith("/tags/list"):
            return self._tag_page(request, self.state.tag_page)
        return self._forward_with_faults(request)

    def _forward_with_faults(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        """Forward, then bend the answer as the state says (tag lists, committed PUTs)."""
        if request.path.endswith("/tags/list") and self.state.tag_list is not None:
            return 200, self._link({"Content-Type": "text/html"}), self.state.tag_list
        status, headers, body = self._forward(request)
        if request.path.endswith("/tags/list"):
            headers = self._link(headers)
        tag = request.path.rpartition("/")[2]
        if request.method == "PUT" and tag in self.state.committed_then_failed:
            return 500, {"Content-Type": "application/json"}, b'{"errors":[{"code":"UNKNOWN"}]}'
        return status, headers, body

    def _link(self, headers: dict[str, str]) -> dict[str, str]:
        if self.state.next_link is None:
            return headers
        return {**headers, "Link": f'<{self.state.next_link}>; rel="next"'}

    def _denial(self, request: Recorded) -> tuple[int, dict[str, str], bytes] | None:
        """403 for a refused tag's manifest PUT, or a DELETE beyond the allowance."""
        denied = request.method == "PUT" and request.path.rpartition("/")[2] in (
            self.state.refused_tags
        )
        if request.method == "DELETE" and self.state.deletes_allowed is not None:
            with self.state.lock:
                self.state.deletes_allowed -= 1
                denied = self.state.deletes_allowed < 0
        if not denied:
            return None
        return 403, {"Content-Type": "application/json"}, b'{"errors":[{"code":"DENIED"}]}'

    def _tag_page(self, request: Recorded, page: int) -> tuple[int, dict[str, str], bytes]:
        """One page of the upstream's full tag list: at most min(n, page) after ``last``."""
        upstream = self.client.get(f"{self.state.upstream}{request.path}")
        if upstream.status_code != HTTPStatus.OK:
            return upstream.status_code, {"Content-Type": "application/json"}, upstream.content
        every = sorted(upstream.json().get("tags") or [])
        last = request.query.get("last", [""])[0]
        size = min(int(request.query.get("n", [str(page)])[0]), page)
        rest = [tag for tag in every if tag > last]
        body = {"name": upstream.json()["name"], "tags": rest[:size]}
        headers = {"Content-Type": "application/json"}
        if len(rest) > size:
            headers["Link"] = f'<{request.path}?n={size}&last={rest[size - 1]}>; rel="next"'
        return 200, headers, json.dumps(body).encode()

    def _refusal(self, request: Recorded) -> tuple[int, dict[str, str], bytes] | None:
        body = b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'
        header = request.headers.get("authorization")
        if self.state.mode == "basic":
            if self.state.basic_ok(header):
                return None
            return 401, {"WWW-Authenticate": 'Basic realm="test-registry"'}, body
        scope = _needed_scope(request)
        granted = self.state.tokens.get((header or "").removeprefix("Bearer "), set())
        if header and header.startswith("Bearer ") and (scope is None or _covered(scope, granted)):
            return None
        host = request.headers["host"]
        challenge = f'Bearer realm="http://{host}/token",service="{SERVICE}"'
        if scope is not None:
            challenge += f',scope="{scope}"'
        return 401, {"WWW-Authenticate": challenge, "Content-Type": "application/json"}, body

    def _token(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if request.query.get("service") != [SERVICE]:
            return 400, {}, b'{"errors":[{"code":"UNSUPPORTED","message":"unknown service"}]}'
        credentials = self.state.basic_ok(request.headers.get("authorization"))
        if credentials is False:
            return 401, {}, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}'
        granted: set[str] = set()
        for scope in request.query.get("scope", []):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            for action in actions.split(","):
                if credentials or action == "pull":
                    granted.add(f"{kind}:{name}:{action}")
        with self.state.lock:
            token = f"token-{len(self.state.tokens) + 1}"
            self.state.tokens[token] = granted
        return 200, {"Content-Type": "application/json"}, json.dumps({"token": token}).encode()

    def _forward(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        url = f"{self.state.upstream}{request.target}"
        headers = {
            name: value
            for name, value in request.headers.items()
            if name not in _HOP_HEADERS and name != "authorization"
        }
        headers["Host"] = request.headers["host"]  # upload Locations then point here
        reply = self.client.request(request.method, url, headers=headers, content=request.body)
        kept = {k: v for k, v in reply.headers.items() if k.lower() not in _HOP_HEADERS}
        if request.method == "HEAD":
            kept["Content-Length"] = reply.headers.get("content-length", "0")
        return reply.status_code, kept, reply.content


@contextmanager
def auth_front(state: ProxyState, log: Log | None = None) -> Iterator[str]:
    """Serve the front before ``state.upstream`` on a free port; yields its URL.

    The front forwards with its own HTTP client, closed when the block ends.
    """
    with (
        httpx.Client() as forwarder,
        serving(AuthProxy, log=log or Log(), state=state, client=forwarder) as url,
    ):
        yield url
