"""A registry with the OCI 1.1 referrers API: a front before the real docker-registry.

No registry that implements ``GET /v2/<name>/referrers/<digest>`` installs here
(Debian's distribution 2.8 predates it), so this front serves that one endpoint as
the OCI distribution spec 1.1 documents it and forwards everything else to the real
registry, which stores every blob and manifest. A manifest PUT that names a
``subject`` is recorded on its way through (descriptor with ``artifactType``, from the
manifest or else its config's media type, and the manifest's annotations) and
answered with the ``OCI-Subject`` header, as the spec asks. The answer is an image
index, ``Content-Type: application/vnd.oci.image.index.v1+json``; ``?artifactType=``
filters and says so in ``OCI-Filters-Applied``. Modes make it hostile: ``garbage``
answers the endpoint with a non-index body, ``missing`` with 404 like 2.8 does,
``error`` with 500, ``html`` with a login page, ``huge`` with a valid index padded
past ``HUGE`` bytes, and ``endless`` announces a body of 16 GiB and sends a little.
"""

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from tests.support.http_servers import Log, Recorded, RecordingHandler, serving

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
_REFERRERS = re.compile(r"^/v2/(?P<name>.+)/referrers/(?P<digest>sha256:[0-9a-f]{64})$")
_MANIFEST_PUT = re.compile(r"^/v2/(?P<name>.+)/manifests/(?P<reference>[^/]+)$")
HUGE = 64 * 1024 * 1024  # past any referrers page a client should hold in memory
_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class ReferrersState:
    """The real registry behind, what the front has indexed, and how it misbehaves."""

    upstream: str
    mode: Literal["api", "garbage", "missing", "error", "html", "huge", "endless"] = "api"
    index: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class ReferrersFront(RecordingHandler):
    """Serves the referrers API from what passed through; forwards the rest."""

    state: ReferrersState
    client: httpx.Client

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        """The referrers endpoint, or the upstream's answer (recording subjects)."""
        match = _REFERRERS.match(request.path)
        if match is not None and request.method == "GET":
            return self._referrers(match["name"], match["digest"], request)
        status, headers, body = self._forward(request)
        put = _MANIFEST_PUT.match(request.path)
        if request.method == "PUT" and put is not None and status == 201:
            subject = self._record(put["name"], request)
            if subject is not None:
                headers["OCI-Subject"] = subject
        return status, headers, body

    def _record(self, name: str, request: Recorded) -> str | None:
        document = json.loads(request.body)
        subject = document.get("subject")
        if not isinstance(subject, dict):
            return None
        entry: dict[str, Any] = {
            "mediaType": document.get("mediaType", request.headers.get("content-type")),
            "digest": f"sha256:{hashlib.sha256(request.body).hexdigest()}",
            "size": len(request.body),
            "artifactType": document.get("artifactType")
            or document.get("config", {}).get("mediaType"),
        }
        if document.get("annotations"):
            entry["annotations"] = document["annotations"]
        with self.state.lock:
            listed = self.state.index.setdefault((name, subject["digest"]), [])
            if all(e["digest"] != entry["digest"] for e in listed):
                listed.append(entry)
        return str(subject["digest"])

    def _referrers(
        self, name: str, digest: str, request: Recorded
    ) -> tuple[int, dict[str, str], bytes]:
        hostile = _hostile(self.state.mode)
        if hostile is not None:
            return hostile
        with self.state.lock:
            entries = list(self.state.index.get((name, digest), []))
        headers = {"Content-Type": OCI_INDEX}
        wanted = request.query.get("artifactType")
        if wanted:
            entries = [e for e in entries if e.get("artifactType") in wanted]
            headers["OCI-Filters-Applied"] = "artifactType"
        body = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
        return 200, headers, json.dumps(body).encode()

    def _forward(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        headers = {k: v for k, v in request.headers.items() if k not in _HOP_HEADERS}
        headers["Host"] = request.headers["host"]  # upload Locations then point here
        reply = self.client.request(
            request.method,
            f"{self.state.upstream}{request.target}",
            headers=headers,
            content=request.body,
        )
        kept = {k: v for k, v in reply.headers.items() if k.lower() not in _HOP_HEADERS}
        if request.method == "HEAD":
            kept["Content-Length"] = reply.headers.get("content-length", "0")
        return reply.status_code, kept, reply.content


_HOSTILE: dict[str, tuple[int, dict[str, str], bytes]] = {
    "missing": (404, {"Content-Type": "text/plain"}, b"404 page not found\n"),
    "garbage": (200, {"Content-Type": OCI_INDEX}, b"<html>we are migrating</html>"),
    "error": (500, {"Content-Type": "text/plain"}, b"internal error\n"),
    "html": (200, {"Content-Type": "text/html"}, b"<!doctype html><title>Sign in</title>"),
    "endless": (
        200,
        {"Content-Type": OCI_INDEX, "Content-Length": str(16 * 1024**3)},
        b'{"manifests": [' + b" " * 65536,
    ),
}


def _hostile(mode: str) -> tuple[int, dict[str, str], bytes] | None:
    """What a misbehaving registry answers the referrers endpoint with, by mode."""
    if mode == "huge":  # made when asked: 64 MiB
        padded = b" " * HUGE + json.dumps({"schemaVersion": 2, "manifests": []}).encode()
        return 200, {"Content-Type": OCI_INDEX}, padded
    return _HOSTILE.get(mode)


@contextmanager
def referrers_front(state: ReferrersState, log: Log | None = None) -> Iterator[str]:
    """Serve the front before ``state.upstream`` on a free port; yields its URL."""
    with (
        httpx.Client() as forwarder,
        serving(ReferrersFront, log=log or Log(), state=state, client=forwarder) as url,
    ):
        yield url
