"""GitHub's package-version endpoints, as documented, served locally for GHCR deletion.

Implemented (REST API version 2022-11-28):
- ``GET /users/{username}``: ``type`` is ``User`` or ``Organization``;
- ``GET /{orgs|users}/{owner}/packages/container/{package_name}/versions``
  (``per_page``, ``page``; a ``Link`` header with ``rel="next"`` while more remain);
- ``DELETE /{orgs|users}/{owner}/packages/container/{package_name}/versions/{id}`` (204).

Every request must carry ``Authorization: Bearer TOKEN``, ``Accept:
application/vnd.github+json`` and ``X-GitHub-Api-Version: 2022-11-28``; the package
name is one path segment (``a/b`` encoded as ``a%2Fb``), and ``/orgs/`` answers 404
for a user as GitHub does. Anything else answers 400/401/404 and is kept in
``violations``, so a test also sees requests the code should not have made.
"""

import json
import threading
from dataclasses import dataclass, field
from urllib.parse import unquote

from tests.support.github_headers import BAD_AUTHORIZATION, header_problems
from tests.support.http_servers import Recorded, RecordingHandler

Reply = tuple[int, dict[str, str], bytes]


@dataclass
class GithubState:
    """One owner's container packages: package name to ``{version id: digest}``."""

    owner: str
    kind: str  # "User" or "Organization"
    token: str
    packages: dict[str, dict[int, str]] = field(default_factory=dict)
    page_size: int = 2  # GitHub caps per_page at 100; small here so paging is exercised
    deleted: list[int] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class GithubApi(RecordingHandler):
    """The package-version endpoints over :class:`GithubState`."""

    state: GithubState

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        """Check the documented headers, then route."""
        problems = header_problems(request.headers, self.state.token)
        if problems:
            problem = problems[0]
            with self.state.lock:
                self.state.violations.append(f"{request.method} {request.target}: {problem}")
            status = 401 if problem == BAD_AUTHORIZATION else 400
            return status, {}, json.dumps({"message": problem}).encode()
        return self._route(request)

    def _route(self, request: Recorded) -> Reply:
        raw = request.target.split("?", 1)[0].strip("/").split("/")
        if request.method == "GET" and len(raw) == 2 and raw[0] == "users":
            return self._user(request, raw[1])
        expected_kind = "orgs" if self.state.kind == "Organization" else "users"
        shape_ok = len(raw) in {6, 7} and raw[2:4] == ["packages", "container"]
        if not shape_ok or raw[0] != expected_kind or raw[1] != self.state.owner:
            return self._not_found(request)
        versions = self.state.packages.get(unquote(raw[4]))
        if versions is None or raw[5] != "versions":
            return self._not_found(request)
        if len(raw) == 6 and request.method == "GET":
            return self._page(request, versions)
        if len(raw) == 7 and request.method == "DELETE" and int(raw[6]) in versions:
            return self._delete(versions, int(raw[6]))
        return self._not_found(request)

    def _user(self, request: Recorded, login: str) -> tuple[int, dict[str, str], bytes]:
        if login != self.state.owner:
            return self._not_found(request)
        body = {"login": self.state.owner, "type": self.state.kind}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def _delete(self, versions: dict[int, str], version_id: int) -> Reply:
        with self.state.lock:
            del versions[version_id]
            self.state.deleted.append(version_id)
        return 204, {}, b""

    def _not_found(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        with self.state.lock:
            self.state.violations.append(f"{request.method} {request.target}: not found")
        return 404, {"Content-Type": "application/json"}, b'{"message": "Not Found"}'

    def _page(
        self, request: Recorded, versions: dict[int, str]
    ) -> tuple[int, dict[str, str], bytes]:
        per_page = min(int(request.query.get("per_page", ["30"])[0]), self.state.page_size)
        page = int(request.query.get("page", ["1"])[0])
        ordered = sorted(versions.items(), reverse=True)
        chunk = ordered[(page - 1) * per_page : page * per_page]
        body = [
            {
                "id": version_id,
                "name": digest,
                "metadata": {"package_type": "container", "container": {"tags": []}},
            }
            for version_id, digest in chunk
        ]
        headers = {"Content-Type": "application/json"}
        if page * per_page < len(ordered):
            url = f"http://{request.headers['host']}{request.target.split('?', 1)[0]}"
            headers["Link"] = f'<{url}?per_page={per_page}&page={page + 1}>; rel="next"'
        return 200, headers, json.dumps(body).encode()
