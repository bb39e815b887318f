"""The auth flow driven step by step, as httpx drives it, without a network."""

import base64
import json

import httpx
import pytest

from main.core.errors import PipelineError
from main.core.registry.auth import Challenge, RegistryAuth, parse_challenge

GHCR = 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/svc:pull"'


def test_a_ghcr_challenge_is_read_whole() -> None:
    assert parse_challenge(GHCR) == Challenge(
        "bearer",
        {
            "realm": "https://ghcr.io/token",
            "service": "ghcr.io",
            "scope": "repository:acme/svc:pull",
        },
    )
    assert parse_challenge('Basic realm="Registry Realm"') == Challenge(
        "basic", {"realm": "Registry Realm"}
    )
    assert parse_challenge("") is None


def test_several_scopes_and_unquoted_values() -> None:
    challenge = parse_challenge(
        'Bearer realm=https://a/t,scope="repository:a:pull repository:b:pull"'
    )
    assert challenge is not None
    assert challenge.params["realm"] == "https://a/t"
    assert challenge.scopes == ["repository:a:pull", "repository:b:pull"]


def _reply(
    request: httpx.Request, status: int, headers: dict[str, str], body: bytes = b""
) -> httpx.Response:
    return httpx.Response(status, headers=headers, content=body, request=request)


def test_the_bearer_flow_fetches_a_token_and_repeats_the_request() -> None:
    auth = RegistryAuth("me", "pw")
    request = httpx.Request("GET", "https://ghcr.io/v2/acme/svc/manifests/latest")
    flow = auth.sync_auth_flow(request)
    first = next(flow)
    assert "Authorization" not in first.headers
    token_request = flow.send(_reply(first, 401, {"WWW-Authenticate": GHCR}))
    assert token_request.url.host == "ghcr.io"
    assert token_request.url.path == "/token"
    assert token_request.url.params.get_list("scope") == ["repository:acme/svc:pull"]
    assert token_request.url.params["service"] == "ghcr.io"
    assert token_request.headers["Authorization"] == "Basic " + base64.b64encode(b"me:pw").decode()
    again = flow.send(_reply(token_request, 200, {}, json.dumps({"token": "T1"}).encode()))
    assert again.headers["Authorization"] == "Bearer T1"
    with pytest.raises(StopIteration):
        flow.send(_reply(again, 200, {}))
    # the next request reuses the token without asking first
    later = next(auth.sync_auth_flow(httpx.Request("GET", "https://ghcr.io/v2/acme/svc/tags/list")))
    assert later.headers["Authorization"] == "Bearer T1"


def test_a_refused_token_request_ends_the_flow_with_its_401() -> None:
    flow = RegistryAuth("me", "bad").sync_auth_flow(
        httpx.Request("GET", "https://r/v2/x/tags/list")
    )
    first = next(flow)
    token_request = flow.send(_reply(first, 401, {"WWW-Authenticate": GHCR}))
    with pytest.raises(StopIteration):
        flow.send(_reply(token_request, 401, {}))


def test_anonymous_token_requests_carry_no_credentials() -> None:
    flow = RegistryAuth().sync_auth_flow(httpx.Request("GET", "https://r/v2/x/tags/list"))
    token_request = flow.send(_reply(next(flow), 401, {"WWW-Authenticate": GHCR}))
    assert "Authorization" not in token_request.headers
    assert "account" not in token_request.url.params


def test_basic_challenges_get_basic_credentials_and_none_without_them() -> None:
    request = httpx.Request("GET", "http://r/v2/")
    flow = RegistryAuth("me", "pw").sync_auth_flow(request)
    again = flow.send(_reply(next(flow), 401, {"WWW-Authenticate": 'Basic realm="r"'}))
    assert again.headers["Authorization"].startswith("Basic ")
    anonymous = RegistryAuth().sync_auth_flow(httpx.Request("GET", "http://r/v2/"))
    with pytest.raises(StopIteration):
        anonymous.send(_reply(next(anonymous), 401, {"WWW-Authenticate": 'Basic realm="r"'}))


def test_an_https_registry_never_sends_its_password_to_a_plain_http_realm() -> None:
    # A registry reached over TLS whose challenge names an http:// token server (a
    # misconfiguration, or a downgrade someone slipped in): the password would cross
    # the network in the clear, base64 being no encryption.
    home = "https://registry.example"
    downgrade = 'Bearer realm="http://registry.example/token",service="r"'
    flow = RegistryAuth("me", "pw", home=home).sync_auth_flow(
        httpx.Request("GET", f"{home}/v2/x/tags/list")
    )
    first = next(flow)
    with pytest.raises(PipelineError, match=r"http://registry\.example/token") as caught:
        flow.send(_reply(first, 401, {"WWW-Authenticate": downgrade}))
    assert "\n" not in str(caught.value)


def test_an_anonymous_token_may_come_from_a_plain_http_realm() -> None:
    home = "https://registry.example"
    plain = 'Bearer realm="http://registry.example/token",service="r"'
    flow = RegistryAuth(home=home).sync_auth_flow(httpx.Request("GET", f"{home}/v2/x/tags/list"))
    token_request = flow.send(_reply(next(flow), 401, {"WWW-Authenticate": plain}))
    assert token_request.url.scheme == "http"
    assert "Authorization" not in token_request.headers
