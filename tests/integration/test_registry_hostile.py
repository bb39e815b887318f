"""A hostile registry: answers the real docker-registry never gives, each one line.

The real registry (tests/integration/test_registry_client.py) answers by the book; a
broken or malicious one behind a proxy, a token server returning garbage or a registry
flavour with odd habits does not. These are served by a small HTTP server speaking the
distribution API's shapes with the wrong contents, because no real registry can be made
to send them. Every case must end in one ``PipelineError`` line, never a traceback,
never a digest the registry did not prove.
"""

import threading
import zlib
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler

import anyio
import pytest

from main.core.errors import PipelineError
from main.core.http import RetryPolicy
from main.core.registry.client import Registry
from main.core.registry.manifests import OCI_INDEX, OCI_MANIFEST, Manifest
from tests.support.auth_proxy import ProxyState, auth_front
from tests.support.http_servers import Log, QuietServer, Recorded, RecordingHandler, serving
from tests.support.staging import deploy, new_repo

pytestmark = pytest.mark.anyio
FAST = RetryPolicy(retries=1, backoff=0.01)
DEEP = b"[" * 100_000 + b"]" * 100_000
JSON = {"Content-Type": "application/json"}
Answer = tuple[int, dict[str, str], bytes]


class Hostile(RecordingHandler):
    """Answers every request with the class's ``answers[path]`` (or ``answers['*']``)."""

    answers: dict[str, Answer]
    url: list[str]

    def answer(self, request: Recorded) -> Answer:
        """The scripted answer, its realm pointed at this server."""
        status, headers, body = self.answers.get(request.path) or self.answers["*"]
        realm = headers.get("WWW-Authenticate", "").replace("{url}", self.url[0])
        return status, {**headers, **({"WWW-Authenticate": realm} if realm else {})}, body


Call = Callable[[Registry], Awaitable[object]]


async def one_line(answers: dict[str, Answer], call: Call) -> str:
    """Run ``call`` against a registry answering ``answers``; its one-line error."""
    url_box: list[str] = []
    with serving(Hostile, log=Log(), answers=answers, url=url_box) as url:
        url_box.append(url)
        with anyio.fail_after(20):
            async with Registry(url, "ci-bot", "s3cret", policy=FAST) as client:
                with pytest.raises(PipelineError) as caught:
                    await call(client)
    message = str(caught.value)
    assert "\n" not in message
    assert "s3cret" not in message
    return message


def manifest_of(repo: Registry) -> Awaitable[object]:
    return repo.manifest("svc", "v1")


@pytest.mark.parametrize("retry_after", ["nan", "NaN", "-inf"])
async def test_a_retry_after_that_is_not_a_number_of_seconds_is_one_line(retry_after: str) -> None:
    answers = {"*": (429, {"Retry-After": retry_after}, b"")}
    message = await one_line(answers, manifest_of)
    assert "429" in message


@pytest.mark.parametrize(
    "body",
    [
        b'{"errors": {"code": "X"}}',
        b'{"errors": ' + DEEP + b"}",
        DEEP,
        b'{"errors": [' + DEEP + b"]}",
    ],
    ids=["errors an object", "deep errors", "deep body", "deep error entry"],
)
async def test_an_error_body_of_any_shape_is_one_line(body: bytes) -> None:
    message = await one_line({"*": (500, JSON, body)}, manifest_of)
    assert "500" in message


@pytest.mark.parametrize(
    "token_answer",
    [(200, JSON, DEEP), (200, JSON, b'{"token": 7}'), (500, JSON, b"{}")],
    ids=["deep json", "no token string", "500"],
)
async def test_a_token_server_answering_without_a_token_is_never_taken_for_the_registry(
    token_answer: Answer,
) -> None:
    # Its answer is not the registry's: the body must never be read as a manifest.
    challenge = {"WWW-Authenticate": 'Bearer realm="{url}/token",service="svc"'}
    answers = {"/token": token_answer, "*": (401, challenge, b"")}
    message = await one_line(answers, manifest_of)
    assert "token server 127.0.0.1:" in message
    assert f"answered {token_answer[0]} without a token" in message


@pytest.mark.parametrize("realm", ["/token", "", "file:///etc/passwd", "ftp://127.0.0.1/t"])
async def test_a_token_realm_that_is_not_a_web_address_is_named(realm: str) -> None:
    challenge = {"WWW-Authenticate": f'Bearer realm="{realm}",service="svc"'}
    message = await one_line({"*": (401, challenge, b"")}, manifest_of)
    assert "realm" in message
    assert "check the registry address" not in message


async def test_a_manifest_nested_too_deep_is_one_line() -> None:
    answers = {"*": (200, {"Content-Type": OCI_MANIFEST}, DEEP)}
    message = await one_line(answers, manifest_of)
    assert "not a JSON object" in message


async def test_an_upload_answered_without_a_location_is_one_line() -> None:
    answers: dict[str, Answer] = {"*": (202, {}, b"")}
    message = await one_line(answers, lambda client: client.push_blob("svc", b"layer"))
    assert "Location" in message


@pytest.mark.parametrize("header", ["sha256:../../other", "sha256:abc", "latest"])
async def test_a_digest_header_that_is_not_a_digest_is_never_returned(header: str) -> None:
    body = b'{"mediaType": "' + OCI_MANIFEST.encode() + b'"}'
    answers = {"*": (200, {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": header}, body)}
    message = await one_line(answers, lambda client: client.digest("svc", "v1"))
    assert Manifest.of(body).digest in message  # what the registry's bytes really hash to


@pytest.mark.parametrize(
    "entries",
    [
        b'[{"digest": "sha256:aa", "platform": "linux/amd64"}]',
        b'[{"platform": {"os": "linux"}}]',
        b'[{"digest": 7}]',
    ],
    ids=["platform a string", "no digest", "digest a number"],
)
async def test_an_index_with_odd_entries_is_one_line(entries: bytes) -> None:
    body = b'{"mediaType": "' + OCI_INDEX.encode() + b'", "manifests": ' + entries + b"}"
    answers = {"*": (200, {"Content-Type": OCI_INDEX}, body)}
    await one_line(answers, lambda client: client.labels("svc", "v1"))


class Collector(RecordingHandler):
    """Another host a registry redirects to, asking for credentials the way it says."""

    challenge: str
    url: list[str]

    def answer(self, request: Recorded) -> Answer:
        """A 401 with the class's challenge, its realm pointed at this host."""
        if request.path == "/token":
            return 200, JSON, b'{"token": "stolen"}'
        return 401, {"WWW-Authenticate": self.challenge.replace("{url}", self.url[0])}, b""


@pytest.mark.parametrize(
    "challenge",
    ['Bearer realm="{url}/token",service="evil"', 'Basic realm="evil"'],
    ids=["bearer realm on the other host", "basic"],
)
async def test_a_redirect_to_another_host_never_gets_the_credentials(
    registry: str, challenge: str
) -> None:
    # The real registry behind a basic-auth front; the front then redirects a manifest
    # read to another host, which answers 401 asking for credentials. Only a challenge
    # from the registry itself may be answered with them.
    repo = new_repo("hostile-redirect")
    async with Registry(registry) as direct:
        await deploy(direct, repo, day=0)
    log, other_url = Log(), list[str]()
    with serving(Collector, log=log, challenge=challenge, url=other_url) as other:
        other_url.append(other)
        state = ProxyState(upstream=registry, mode="basic")
        with auth_front(state) as url:
            async with Registry(url, "ci-bot", "s3cret", policy=FAST) as client:
                assert await client.tags(repo)  # authenticated once: credentials in hand
                moved = (307, {"Location": f"{other}/v2/{repo}/manifests/staging-latest"})
                state.fail_next.extend([moved] * 4)
                with pytest.raises(PipelineError) as caught:
                    await client.manifest(repo, "staging-latest")
    assert "\n" not in str(caught.value)
    assert log.requests, "the redirect was never followed: the test proves nothing"
    for request in log.requests:
        assert "authorization" not in request.headers, f"{request.path} got credentials"


class Flood(BaseHTTPRequestHandler):
    """A registry whose every answer is a manifest that never ends (or a gzip bomb)."""

    protocol_version = "HTTP/1.1"
    sent: list[int]
    gzip_bomb: bool

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
        """Quiet: the test reads what was sent."""

    def do_GET(self) -> None:
        """Stream until the client hangs up, counting what went out."""
        self.send_response(200)
        self.send_header("Content-Type", OCI_MANIFEST)
        self.send_header("Transfer-Encoding", "chunked")
        if self.gzip_bomb:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        piece = b'{"mediaType": "' + b" " * 65536
        try:
            while True:  # at most ~300 MiB before the test fails (a flood, in a test)
                data = compressor.compress(piece * 16) if self.gzip_bomb else piece
                if data:
                    self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    self.sent.append(len(data))
                if sum(self.sent) > 300 * 1024**2 or len(self.sent) > 5_000:
                    return
        except (BrokenPipeError, ConnectionResetError):
            return


@pytest.mark.parametrize("kind", ["endless", "gzip bomb"])
async def test_a_manifest_that_never_ends_is_cut_off_in_one_line(kind: str) -> None:
    sent: list[int] = []
    handler = type("Bound", (Flood,), {"sent": sent, "gzip_bomb": kind == "gzip bomb"})
    server = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with anyio.fail_after(60):
            with pytest.raises(PipelineError) as caught:
                await Registry(url, policy=FAST).manifest("svc", "v1")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    message = str(caught.value)
    assert "\n" not in message
    assert "MiB" in message
    assert sum(sent) < 200 * 1024 * 1024  # it stopped reading: no memory for a flood


@pytest.mark.parametrize(
    "link",
    [
        '<http://[::1>; rel="next"',
        '<\x7f>; rel="next"',
        "</v2/svc/tags/list?last=" + "a" * 70_000 + '>; rel="next"',
        '<http://a b/x>; rel="next"',
    ],
    ids=["broken ipv6", "control character", "too long", "space in host"],
)
async def test_a_next_page_link_that_is_no_url_is_one_line(link: str) -> None:
    page = (200, {**JSON, "Link": link}, b'{"name": "svc", "tags": ["a"]}')
    message = await one_line({"*": page}, lambda client: client.tags("svc"))
    assert "('http'" not in message  # an address, not a Python tuple
    assert "next page" in message


@pytest.mark.parametrize(
    ("repo", "reference"),
    [
        ("svc", "../../other/manifests/latest"),
        ("svc", "v1?digest=sha256:" + "a" * 64),
        ("svc", "v1#x"),
        ("svc", "-" + "a" * 200),
        ("svc/../other", "v1"),
        ("svc", "sha256:../../x"),
        ("Svc", "v1"),
    ],
    ids=["dots", "query", "fragment", "too long", "repo dots", "fake digest", "upper case"],
)
async def test_a_tag_or_repository_that_would_bend_the_url_is_refused_before_any_request(
    repo: str, reference: str
) -> None:
    # A tag from the command line (`promote --source-tag`, `rollback --to`) becomes part
    # of a URL path: '..' or '?' in it would read or write another repository's
    # manifest with this repository's credentials.
    log = Log()
    url_box: list[str] = []
    with serving(Hostile, log=log, answers={"*": (404, {}, b"")}, url=url_box) as url:
        url_box.append(url)
        async with Registry(url, "ci-bot", "s3cret", policy=FAST) as client:
            calls: list[Call] = [
                lambda c: c.manifest(repo, reference),
                lambda c: c.digest(repo, reference),
                lambda c: c.retag(repo, reference, "v2"),
                lambda c: c.retag(repo, "v2", reference),
                lambda c: c.delete(repo, reference),
            ]
            for call in calls:
                with pytest.raises(PipelineError) as caught:
                    await call(client)
                assert "\n" not in str(caught.value)
    assert log.requests == []
