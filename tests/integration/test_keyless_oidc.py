"""The job's OIDC token, fetched as GitHub Actions documents it, from a real local server.

GitHub gives a job with ``permissions: id-token: write`` two variables:
``ACTIONS_ID_TOKEN_REQUEST_URL`` (already holding a query, ``?api-version=2.0``) and
``ACTIONS_ID_TOKEN_REQUEST_TOKEN``. ``GET $URL&audience=sigstore`` with
``Authorization: bearer $TOKEN`` answers ``{"value": "<JWT>"}``. The stand-in below
serves exactly that API on 127.0.0.1, and every hostile answer one line each, with
neither the request token nor a JWT in the line.
"""

import json
import time
from collections.abc import Iterator

import pytest

from main.core.attest.oidc import ID_TOKEN_PERMISSION, fetch_id_token
from main.core.errors import PipelineError
from tests.support.http_servers import Log, Recorded, RecordingHandler, serving

REQUEST_TOKEN = "ghs_request-token-never-printed"  # noqa: S105 - a test's stand-in
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvc3ZjIn0.c2lnbmF0dXJl"
HUGE = 4 * 1024 * 1024


class TokenService(RecordingHandler):
    """GitHub's token endpoint, and one hostile answer per path."""

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        """The documented answer on /token; faults elsewhere."""
        if request.headers.get("authorization") != f"bearer {REQUEST_TOKEN}":
            return 401, {}, b'{"message":"Bad credentials"}'
        path = request.path
        body: bytes = json.dumps({"count": 2000, "value": JWT}).encode()
        if path == "/not-json":
            body = b"<html>upstream error</html>"
        elif path == "/no-value":
            body = b'{"count": 2000}'
        elif path == "/not-string":
            body = b'{"value": 42}'
        elif path == "/huge":
            body = b'{"value": "' + b"x" * HUGE + b'"}'
        elif path == "/slow":
            time.sleep(2)
        elif path == "/forbidden":
            return 403, {}, b'{"message": "' + REQUEST_TOKEN.encode() + b'"}'
        return 200, {"content-type": "application/json"}, body


@pytest.fixture
def server() -> Iterator[tuple[str, Log]]:
    log = Log()
    with serving(TokenService, log=log) as url:
        yield url, log


def _clean(message: str) -> None:
    assert "\n" not in message
    assert REQUEST_TOKEN not in message
    assert JWT not in message
    assert "Traceback" not in message


@pytest.mark.anyio
async def test_the_documented_request_gets_the_token(server: tuple[str, Log]) -> None:
    url, log = server
    token = await fetch_id_token(f"{url}/token?api-version=2.0", REQUEST_TOKEN)
    assert token == JWT
    [request] = log.requests
    assert request.method == "GET"
    assert request.query == {"api-version": ["2.0"], "audience": ["sigstore"]}
    assert request.headers["authorization"] == f"bearer {REQUEST_TOKEN}"


@pytest.mark.anyio
async def test_a_url_without_query_gets_the_audience_too(server: tuple[str, Log]) -> None:
    url, log = server
    assert await fetch_id_token(f"{url}/token", REQUEST_TOKEN) == JWT
    assert log.requests[0].query == {"audience": ["sigstore"]}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/not-json", "not JSON"),
        ("/no-value", "no token"),
        ("/not-string", "no token"),
        ("/huge", "larger than"),
        ("/forbidden", "HTTP 403"),
    ],
)
async def test_hostile_answers_are_one_line(server: tuple[str, Log], path: str, said: str) -> None:
    url, _ = server
    with pytest.raises(PipelineError, match=said) as caught:
        await fetch_id_token(f"{url}{path}?api-version=2.0", REQUEST_TOKEN)
    _clean(str(caught.value))


@pytest.mark.anyio
async def test_a_refused_request_token_is_one_line(server: tuple[str, Log]) -> None:
    url, _ = server
    with pytest.raises(PipelineError, match="HTTP 401") as caught:
        await fetch_id_token(f"{url}/token", "ghs_wrong")
    _clean(str(caught.value))
    assert "ghs_wrong" not in str(caught.value)


@pytest.mark.anyio
async def test_a_slow_answer_is_bounded(server: tuple[str, Log]) -> None:
    url, _ = server
    with pytest.raises(PipelineError, match=r"0\.3 s") as caught:
        await fetch_id_token(f"{url}/slow", REQUEST_TOKEN, seconds=0.3)
    _clean(str(caught.value))


@pytest.mark.anyio
async def test_nothing_listening_is_one_line() -> None:
    with pytest.raises(PipelineError, match="could not reach") as caught:
        await fetch_id_token("http://127.0.0.1:9/token", REQUEST_TOKEN, seconds=2)
    _clean(str(caught.value))


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("url", "token"),
    [("", REQUEST_TOKEN), ("http://127.0.0.1:9/token", ""), ("ftp://x/token", REQUEST_TOKEN)],
)
async def test_missing_variables_say_to_grant_id_token_write(url: str, token: str) -> None:
    with pytest.raises(PipelineError, match=ID_TOKEN_PERMISSION) as caught:
        await fetch_id_token(url, token)
    _clean(str(caught.value))
