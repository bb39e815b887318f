"""The GitHub Actions job's OIDC token, for Sigstore's keyless signing.

A job granted ``permissions: id-token: write`` gets two variables: the request URL
(``ACTIONS_ID_TOKEN_REQUEST_URL``, already holding a query) and a request token
(``ACTIONS_ID_TOKEN_REQUEST_TOKEN``). ``GET $URL&audience=sigstore`` with
``Authorization: bearer $TOKEN`` answers ``{"value": "<JWT>"}``: the identity token
Fulcio exchanges for a short-lived signing certificate naming the workflow.

The run gets both as secrets, so neither, nor the JWT, ever appears in a line this
module writes. The answer is read against one deadline and a size limit: a token
endpoint that hangs or floods costs a few seconds and one line, never the run.
"""

import json

import anyio
import httpx

from main.core.attest.errors import AttestationError
from main.core.http import LazyTlsTransport

AUDIENCE = "sigstore"
TIMEOUT = 30.0
MAX_ANSWER = 64 * 1024  # a JWT is a few KiB
ID_TOKEN_PERMISSION = "id-token: write"  # noqa: S105 - a permission's name
NO_OIDC = (
    "keyless signing needs the job's OIDC token: grant the job `permissions: "
    f"{ID_TOKEN_PERMISSION}` and pass --oidc-request-url env://ACTIONS_ID_TOKEN_REQUEST_URL "
    "--oidc-request-token env://ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)
_FAILED = "the OIDC token request to GitHub failed: "


async def fetch_id_token(
    request_url: str, request_token: str, *, audience: str = AUDIENCE, seconds: float = TIMEOUT
) -> str:
    """The job's OIDC identity token for ``audience``.

    Raises:
        AttestationError: the variables are missing, or the endpoint did not answer
            with a token (one line, naming neither token).
    """
    url = request_url.strip()
    if not request_token.strip() or not url.startswith(("https://", "http://")):
        raise AttestationError(NO_OIDC)
    target = httpx.URL(url).copy_merge_params({"audience": audience})
    headers = {"authorization": f"bearer {request_token.strip()}", "accept": "application/json"}
    try:
        with anyio.fail_after(seconds):
            body, status = await _get(target, headers)
    except TimeoutError:
        msg = f"{_FAILED}no answer within {seconds:g} s"
        raise AttestationError(msg) from None
    except httpx.HTTPError as exc:
        msg = f"{_FAILED}could not reach {target.host} ({type(exc).__name__})"
        raise AttestationError(msg) from None
    if status != httpx.codes.OK:
        msg = f"{_FAILED}HTTP {status} (is `{ID_TOKEN_PERMISSION}` granted to this job?)"
        raise AttestationError(msg)
    return _token_of(body)


async def _get(url: httpx.URL, headers: dict[str, str]) -> tuple[bytes, int]:
    """The status and at most ``MAX_ANSWER`` bytes of the answer."""
    async with (
        httpx.AsyncClient(transport=LazyTlsTransport(), follow_redirects=False) as client,
        client.stream("GET", url, headers=headers) as response,
    ):
        if response.status_code != httpx.codes.OK:
            return b"", response.status_code
        parts: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER:
                msg = f"{_FAILED}the answer is larger than {MAX_ANSWER // 1024} KiB"
                raise AttestationError(msg)
            parts.append(chunk)
        return b"".join(parts), response.status_code


def _token_of(body: bytes) -> str:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        msg = f"{_FAILED}the answer is not JSON"
        raise AttestationError(msg) from None
    value = document.get("value") if isinstance(document, dict) else None
    if not isinstance(value, str) or not value.strip():
        msg = f'{_FAILED}the answer holds no token (no "value" string)'
        raise AttestationError(msg)
    return value.strip()


KEY_AND_KEYLESS = (
    "--keyless and --signing-key both given: sign with the key or keyless through "
    "Sigstore, pass one"
)
OIDC_WITHOUT_KEYLESS = "--oidc-request-url and --oidc-request-token are for --keyless: add it"


def check_keyless(
    *, keyless: bool, signing_key: bool, request_url: bool, request_token: bool
) -> bool:
    """Whether the run signs keyless; a contradictory or incomplete choice is one line.

    Raises:
        AttestationError: --keyless with --signing-key, without the OIDC request secrets
            (say to grant ``id-token: write``), or those secrets without --keyless.
    """
    if not keyless:
        if request_url or request_token:
            raise AttestationError(OIDC_WITHOUT_KEYLESS)
        return False
    if signing_key:
        raise AttestationError(KEY_AND_KEYLESS)
    if not (request_url and request_token):
        raise AttestationError(NO_OIDC)
    return True
