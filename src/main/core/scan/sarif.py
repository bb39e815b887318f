"""Upload a SARIF file to GitHub code scanning, from the module, without a workflow step.

GitHub's REST endpoint ``POST /repos/{owner}/{repo}/code-scanning/sarifs`` takes a JSON
body with ``commit_sha``, ``ref`` and ``sarif``: the SARIF gzip-compressed, then Base64
encoded. GitHub documents a 10 MB limit on the gzip-compressed file and rejects runs
with more than 25,000 results; both are checked here before anything is sent, so an
oversize upload fails with a clear line instead of a bare ``413``. The request is built
and checked in plain code (tested directly); :func:`upload_sarif` sends it with httpx.
"""

import base64
import gzip
import json
import re
from dataclasses import dataclass
from typing import Any, Final

import httpx

from main.core.errors import PipelineError
from main.core.github import API_URL, HEADERS

MAX_GZIP_BYTES: Final = 10 * 1000 * 1000
"""GitHub's limit on the gzip-compressed SARIF: 10 MB."""
MAX_RESULTS_PER_RUN: Final = 25_000
"""GitHub rejects a SARIF run with more results than this."""

_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_SHA = re.compile(r"[0-9a-f]{40}")
_REF = re.compile(r"refs/(heads|tags)/\S+|refs/pull/\d+/(merge|head)")


@dataclass(frozen=True, slots=True)
class SarifUpload:
    """A checked upload request, everything but the token."""

    url: str
    body: dict[str, str]
    headers: dict[str, str]

    def content(self) -> bytes:
        """The JSON body exactly as sent."""
        return json.dumps(self.body).encode()


@dataclass(frozen=True, slots=True)
class UploadReceipt:
    """GitHub's answer: the upload's ID and the URL that reports its processing."""

    id: str
    url: str


def _check_sarif(sarif: bytes) -> None:
    try:
        document: Any = json.loads(sarif)
    except (json.JSONDecodeError, UnicodeDecodeError):
        msg = "the SARIF to upload is not JSON: produce it with 'trivy convert --format sarif'"
        raise PipelineError(msg) from None
    runs = document.get("runs") if isinstance(document, dict) else None
    if not isinstance(runs, list):
        msg = "the SARIF to upload has no 'runs' list: it is not a SARIF 2.1.0 log"
        raise PipelineError(msg)
    for index, run in enumerate(runs):
        results = run.get("results") if isinstance(run, dict) else None
        count = len(results) if isinstance(results, list) else 0
        if count > MAX_RESULTS_PER_RUN:
            msg = (
                f"SARIF run {index} has {count} results; GitHub rejects more than "
                f"{MAX_RESULTS_PER_RUN}: narrow the scan's severities"
            )
            raise PipelineError(msg)


def build_upload(
    sarif: bytes,
    *,
    repository: str,
    commit_sha: str,
    ref: str,
    api_url: str = API_URL,
) -> SarifUpload:
    """Check the arguments and the SARIF, compress and encode it, and build the request.

    Raises:
        PipelineError: for a malformed repository, commit SHA or ref, a SARIF that is
            not JSON, has too many results, or is over 10 MB once gzip-compressed.
    """
    if not _REPOSITORY.fullmatch(repository):
        msg = f"repository {repository!r} must be OWNER/NAME, e.g. acme/my-service"
        raise PipelineError(msg)
    if not _SHA.fullmatch(commit_sha):
        msg = f"commit SHA {commit_sha!r} must be the full 40-character lower-case hex SHA"
        raise PipelineError(msg)
    if not _REF.fullmatch(ref):
        msg = (
            f"ref {ref!r} must be a full git ref: refs/heads/BRANCH, refs/tags/TAG, "
            "refs/pull/N/merge or refs/pull/N/head"
        )
        raise PipelineError(msg)
    if not api_url.startswith(("https://", "http://")):
        msg = f"api_url {api_url!r} must be an http(s) URL, e.g. {API_URL}"
        raise PipelineError(msg)
    _check_sarif(sarif)
    compressed = gzip.compress(sarif, mtime=0)
    if len(compressed) > MAX_GZIP_BYTES:
        msg = (
            f"the SARIF is {len(compressed)} bytes gzip-compressed; GitHub accepts at most "
            f"{MAX_GZIP_BYTES} (10 MB): narrow the scan's severities or ignore unfixed findings"
        )
        raise PipelineError(msg)
    return SarifUpload(
        url=f"{api_url.rstrip('/')}/repos/{repository}/code-scanning/sarifs",
        body={
            "commit_sha": commit_sha,
            "ref": ref,
            "sarif": base64.b64encode(compressed).decode("ascii"),
            "tool_name": "Trivy",
        },
        headers={**HEADERS, "Content-Type": "application/json"},
    )


def _rejection(response: httpx.Response) -> str:
    try:
        detail = response.json().get("message", "")
    except (ValueError, AttributeError):
        detail = response.text[:200]
    hints = {
        401: "the token is invalid or expired",
        403: "the token needs the security_events write permission "
        "(and code scanning must be enabled for the repository)",
        404: "the repository does not exist or the token cannot see it",
        413: "the SARIF is too large for GitHub",
        422: "GitHub could not process the SARIF or the ref/commit",
    }
    hint = hints.get(response.status_code, "see GitHub's message")
    said = f" (GitHub said: {detail})" if detail else ""
    return f"GitHub rejected the SARIF upload with HTTP {response.status_code}: {hint}{said}"


async def upload_sarif(
    upload: SarifUpload, token: str, *, client: httpx.AsyncClient | None = None
) -> UploadReceipt:
    """Send a built upload with the token; GitHub answers 202 with the upload's ID.

    Raises:
        PipelineError: when GitHub cannot be reached or rejects the upload.
    """
    headers = {**upload.headers, "Authorization": f"Bearer {token}"}
    own = client is None
    http = client or httpx.AsyncClient(timeout=60.0)
    try:
        response = await http.post(upload.url, content=upload.content(), headers=headers)
    except httpx.HTTPError as exc:
        msg = f"cannot reach GitHub at {upload.url}: {type(exc).__name__}: {exc}"
        raise PipelineError(msg) from None
    finally:
        if own:
            await http.aclose()
    if response.status_code not in {200, 201, 202}:
        raise PipelineError(_rejection(response))
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    return UploadReceipt(id=str(answer.get("id", "")), url=str(answer.get("url", "")))
