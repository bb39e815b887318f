"""One image parser for every stage: publish and the registry family read a name alike."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.errors import PipelineError
from main.core.image import ImageRef, parse_image


@pytest.mark.parametrize(
    ("image", "host", "repository", "base_url"),
    [
        ("ghcr.io/example/sample-service", "ghcr.io", "example/sample-service", "https://ghcr.io"),
        ("localhost:5000/api", "localhost:5000", "api", "https://localhost:5000"),
        ("localhost/api", "localhost", "api", "https://localhost"),
        ("registry.example.com:8443/a/b/c", "registry.example.com:8443", "a/b/c", ""),
        ("library/python", "docker.io", "library/python", "https://registry-1.docker.io"),
        ("acme/svc", "docker.io", "acme/svc", "https://registry-1.docker.io"),
        # the two old parsers disagreed here: Docker's rule is library/ for official images
        ("python", "docker.io", "library/python", "https://registry-1.docker.io"),
        # ...and here: promote lowered the name, publish refused it; now both lower it
        ("ghcr.io/Acme/API", "ghcr.io", "acme/api", "https://ghcr.io"),
        ("GHCR.IO/acme/api", "ghcr.io", "acme/api", "https://ghcr.io"),
        (" https://ghcr.io/acme/api ", "ghcr.io", "acme/api", "https://ghcr.io"),
    ],
)
def test_names_split_as_docker_splits_them(
    image: str, host: str, repository: str, base_url: str
) -> None:
    ref = parse_image(image)
    assert (ref.host, ref.repository) == (host, repository)
    assert ref.base_url == (base_url or f"https://{host}")
    assert str(ref) == f"{host}/{repository}"
    assert ref.is_ghcr == (host == "ghcr.io")


def test_an_api_address_overrides_the_scheme_and_port() -> None:
    ref = parse_image("127.0.0.1:5000/a/b", "http://127.0.0.1:5000/")
    assert (ref.host, ref.base_url, ref.repository) == (
        "127.0.0.1:5000",
        "http://127.0.0.1:5000",
        "a/b",
    )


def test_a_local_registry_keeps_the_path() -> None:
    ref = parse_image("ghcr.io/example/sample-service", "https://ghcr.io")
    moved = ref.at("localhost:5000")
    assert moved == ImageRef(host="localhost:5000", repository="example/sample-service")
    assert moved.base_url == "https://localhost:5000"
    with pytest.raises(PipelineError, match="not a registry address"):
        ref.at("http://localhost:5000")


@pytest.mark.parametrize(
    ("image", "registry", "expected"),
    [
        (None, "", r"no image repository: set image in \[tool.pipeline\] or pass --image"),
        ("", "", "no image repository"),
        ("ghcr.io/a/b:1.0", "", "has a tag or digest"),
        ("ghcr.io/a/b@sha256:00", "", "has a tag or digest"),
        ("ghcr.io//x", "", "is not a repository name"),
        ("ghcr.io/a b/c", "", "is not a repository name"),
        ("ghcr.io/-a/b", "", "is not a repository name"),
        ("bad_host.io:x/a", "", "not a registry address"),
        ("ghcr.io/a/b", "127.0.0.1:5000", "needs a scheme"),
    ],
)
def test_bad_names_are_one_line(image: str | None, registry: str, expected: str) -> None:
    with pytest.raises(PipelineError, match=expected) as caught:
        parse_image(image, registry)
    assert "\n" not in str(caught.value)


@given(st.text(max_size=60), st.sampled_from(["", "http://r:5000", "https://r"]))
def test_any_text_parses_or_is_refused_with_one_line(image: str, registry: str) -> None:
    try:
        ref = parse_image(image, registry)
    except PipelineError as exc:
        message = str(exc)
        ref = None
    if ref is None:
        assert "\n" not in message
    else:
        assert ref.repository == ref.repository.lower()
        assert parse_image(str(ref), registry) == ref  # printing and parsing agree
