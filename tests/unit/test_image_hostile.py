"""Image names a hostile (or hurried) user writes: refused at once, in one line.

A name the registry will refuse, a port no socket has, or an API address with a
password in it must fail before anything is built, not at the push, and never carry
the password into a report.
"""

import pytest

from main.core.errors import PipelineError
from main.core.image import parse_image


@pytest.mark.parametrize(
    "image",
    ["ghcr.io:99999/acme/svc", "ghcr.io:0/acme/svc", "ghcr.io/acme/" + "s" * 250],
    ids=["port too high", "port zero", "name over 255 characters"],
)
def test_a_name_no_registry_accepts_is_refused_early(image: str) -> None:
    with pytest.raises(PipelineError) as caught:
        parse_image(image)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("image", "host"),
    [
        ("[::1]:5000/svc", "[::1]:5000"),
        ("[::ffff:127.0.0.1]:5000/svc", "[::ffff:127.0.0.1]:5000"),
        ("ghcr.io:443/Acme/Svc", "ghcr.io:443"),
    ],
)
def test_ipv6_and_port_hosts_are_registry_hosts(image: str, host: str) -> None:
    assert parse_image(image).host == host


@pytest.mark.parametrize(
    "api",
    [
        "http:",
        "http://",
        "http://local host:5000",
        "http://localhost:5000/v2/",
        "http://localhost:5000/?x=1",
        "http://localhost:99999",
    ],
)
def test_an_api_address_that_is_not_a_registry_root_is_refused(api: str) -> None:
    with pytest.raises(PipelineError, match="--api") as caught:
        parse_image("localhost:5000/svc", api)
    assert "\n" not in str(caught.value)


def test_an_api_address_with_a_password_is_refused_without_echoing_it() -> None:
    with pytest.raises(PipelineError) as caught:
        parse_image("localhost:5000/svc", "https://ci-bot:s3cret-pw@localhost:5000")
    assert "s3cret-pw" not in str(caught.value)
    assert "--registry-token" in str(caught.value)


@pytest.mark.parametrize(
    "api", ["http://localhost:5000", "https://registry.example/", "http://[::1]:5000"]
)
def test_a_registry_root_is_kept(api: str) -> None:
    assert parse_image("localhost:5000/svc", api).api == api.rstrip("/")
