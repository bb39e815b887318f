"""The few Kubernetes API calls the deploy makes, over httpx, with one-line errors.

Every answer that is not a success becomes an exception carrying the API's own
``Status`` reason and message (which never quote credentials). Refused credentials
and an unreachable server are :class:`DeployError` before anything changed; the same
faults once the rollout began are :class:`HostLost`, the orchestration's word for "what
runs there now is unknown".
"""

from types import TracebackType
from typing import Any, Self

import httpx

from main.core.deploy.errors import DeployError, HostLost
from main.core.deploy.kubernetes.kubeconfig import ClusterAccess
from main.core.text import clip, one_line

JSON_PATCH = "application/json-patch+json"
REQUEST_TIMEOUT = 30.0


class ApiError(DeployError):
    """The API server answered with an error ``Status``."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        """Keep the HTTP code and the Status reason for callers that handle one case."""
        super().__init__(message)
        self.code, self.reason = code, reason


class Conflict(ApiError):  # noqa: N818 - the API's own name for a stale resourceVersion
    """409: someone changed the object since it was read, or it already exists."""


class NotFound(ApiError):  # noqa: N818 - the API's own name
    """404: no such object."""


class Forbidden(ApiError):  # noqa: N818 - the API's own name
    """403: the user may not do this (RBAC); callers that can do without it catch it."""


class KubeApi:
    """An open connection to one API server as one user."""

    def __init__(self, access: ClusterAccess, *, timeout: float = REQUEST_TIMEOUT) -> None:
        """Nothing connects until the first request."""
        self.access = access
        self._client = httpx.AsyncClient(
            base_url=access.server,
            verify=access.verify,
            headers={"Accept": "application/json", **access.headers()},
            timeout=timeout,
            trust_env=False,
        )
        self.started = False  # set once the deploy changed something: faults are then HostLost

    async def __aenter__(self) -> Self:
        """The client, open."""
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Close every connection."""
        await self._client.aclose()

    async def get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """GET one object, or a list (``params``: its query, e.g. a ``labelSelector``)."""
        return await self._call("GET", path, params=params)

    async def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a new object to its collection."""
        return await self._call("POST", path, json=body)

    async def replace(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """PUT a whole object; its ``metadata.resourceVersion`` makes it conditional."""
        return await self._call("PUT", path, json=body)

    async def patch(self, path: str, operations: list[dict[str, Any]]) -> dict[str, Any]:
        """A JSON patch (RFC 6902); a failed ``test`` operation leaves the object as it was."""
        return await self._call(
            "PATCH", path, json=operations, headers={"Content-Type": JSON_PATCH}
        )

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = await self._client.request(
                method, path, json=json, headers=headers, params=params
            )
        except httpx.HTTPError as exc:
            what = one_line(str(exc)) or type(exc).__name__
            msg = f"the Kubernetes API at {self.access.server} cannot be reached: {clip(what, 200)}"
            raise (HostLost if self.started else DeployError)(msg) from None
        if response.is_success:
            return _body(response)
        raise self._error(method, path, response)

    def _error(self, method: str, path: str, response: httpx.Response) -> Exception:
        status = _body(response)
        reason = str(status.get("reason") or response.reason_phrase)
        said = clip(one_line(str(status.get("message") or response.reason_phrase)), 300)
        code = response.status_code
        if code == 401:  # noqa: PLR2004 - the HTTP status
            msg = (
                f"the Kubernetes API at {self.access.server} refused the credentials "
                "(401 Unauthorized): check the kubeconfig's token or client certificate"
            )
            return DeployError(msg)
        if code == 403:  # noqa: PLR2004
            msg = f"the kubeconfig's user may not {method} {path} (403 Forbidden: {said})"
            return Forbidden(code, reason, msg)
        kind = {404: NotFound, 409: Conflict}.get(code, ApiError)
        return kind(code, reason, f"{method} {path}: {code} {reason}: {said}")


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
