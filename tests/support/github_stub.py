"""A real HTTP server on 127.0.0.1 standing in for GitHub's code-scanning upload endpoint.

It checks every request against GitHub's documented contract for
``POST /repos/{owner}/{repo}/code-scanning/sarifs`` (bearer token, JSON media types,
API version header, ``commit_sha``/``ref``/``sarif`` with the SARIF gzip-compressed then
Base64-encoded) and answers 202 with an upload ID, as GitHub does, or 400 naming the
broken rule. Tests can make it answer like a rejecting GitHub instead.
"""

import base64
import binascii
import gzip
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.github_headers import header_problems
from tests.support.http_servers import Log, Recorded, RecordingHandler, serving

PATH = re.compile(r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/code-scanning/sarifs")


@dataclass
class Received:
    """One request as the server saw it, with the SARIF decoded when it could be."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    sarif: bytes | None
    problems: list[str]


@dataclass
class GitHubStub:
    """The running server: its URL, what it received, and how it should answer."""

    url: str
    token: str
    received: list[Received] = field(default_factory=list)
    reject_with: tuple[int, str] | None = None


def _problems(stub: GitHubStub, path: str, headers: dict[str, str], body: Any) -> list[str]:  # noqa: ANN401
    problems = []
    if not PATH.fullmatch(path):
        problems.append(f"path {path}")
    problems += header_problems(headers, stub.token)
    if not headers.get("content-type", "").startswith("application/json"):
        problems.append("Content-Type is not application/json")
    if not isinstance(body, dict):
        return [*problems, "body is not a JSON object"]
    if not re.fullmatch(r"[0-9a-f]{40}", str(body.get("commit_sha"))):
        problems.append("commit_sha is not a 40-hex SHA")
    if not str(body.get("ref", "")).startswith("refs/"):
        problems.append("ref is not a full ref")
    return problems


def _decode_sarif(body: Any) -> bytes | None:  # noqa: ANN401
    try:
        return gzip.decompress(base64.b64decode(body["sarif"], validate=True))
    except (KeyError, TypeError, binascii.Error, gzip.BadGzipFile, OSError):
        return None


class SarifEndpoint(RecordingHandler):
    """Checks each request against the documented contract and answers like GitHub."""

    stub: GitHubStub

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        """202 with an upload ID, 400 naming every broken rule, or the rejection asked for."""
        stub = self.stub
        try:
            body: Any = json.loads(request.body)
        except json.JSONDecodeError:
            body = None
        problems = _problems(stub, request.target, request.headers, body)
        sarif = _decode_sarif(body) if isinstance(body, dict) else None
        if sarif is None:
            problems.append("sarif is not gzip + Base64")
        stub.received.append(Received(request.target, request.headers, body or {}, sarif, problems))
        if problems:
            return _json(400, {"message": "; ".join(problems)})
        if stub.reject_with is not None:
            status, message = stub.reject_with
            return _json(status, {"message": message})
        upload_id = f"upload-{len(stub.received)}"
        return _json(202, {"id": upload_id, "url": f"{stub.url}/sarifs/{upload_id}"})


def _json(status: int, payload: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()


@contextmanager
def github_stub(token: str) -> Iterator[GitHubStub]:
    """Serve the stub on a free loopback port for the duration of the block."""
    stub = GitHubStub(url="", token=token)
    with serving(SarifEndpoint, log=Log(), stub=stub) as url:
        stub.url = url
        yield stub
