"""The address, path and time-limit checks the smoke checker and the load generator share.

One rule, one line: a bad URL or path given to either seam is refused before a request
goes out, with the same words, because both call the same checks in ``core/mcp``.
"""

import math

import pytest

from main.core.errors import PipelineError
from main.core.load.spec import LoadSpec
from main.core.mcp.endpoint import check_path, check_seconds, check_url
from main.core.smoke.spec import SmokeSpec
from tests.support.fresh_imports import heavy_in, modules_loaded_by

BAD_URLS = [
    ("app:8000", "URL must be absolute"),
    ("ftp://app:8000", "URL must be absolute"),
    ("http://", "URL must be absolute"),
    ("http://[::1", "is malformed"),
    ("http://app:abc", "is malformed"),
    ("http://app:0", "invalid host or port"),
    (f"http://{'a' * 64}.example:8000", "invalid host or port"),
    # Paths are joined to the URL: "http://app/x?q=1" + "/health" asked for "/x?q=1/health"
    ("http://app:8000/?token=x", "no query or fragment"),
    ("http://app:8000/base#top", "no query or fragment"),
    # A space or a line break in the host reached the first request, a run of failures
    ("http://a b:8000", "spaces or control characters"),
    ("http://app:8000/\r\nX-Injected: 1", "spaces or control characters"),
]


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_smoke_and_load_refuse_a_bad_url_with_the_same_line(url: str, message: str) -> None:
    with pytest.raises(PipelineError, match=message) as shared:
        check_url(url)
    with pytest.raises(PipelineError) as smoke:
        SmokeSpec(url=url)
    with pytest.raises(PipelineError) as load:
        LoadSpec(url=url)
    assert str(smoke.value) == str(load.value) == str(shared.value)
    assert "\n" not in str(shared.value)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://user:s3cr3t-pw@app:8000",
        "http://user:s3cr3t-pw@app:99999",
        "http://user:s3cr3t-pw@app:0",
        "app:s3cr3t-pw@app:8000",
    ],
)
def test_a_bad_url_is_refused_without_the_password_it_holds(url: str) -> None:
    # The bad-usage line goes to stderr, the JSON document and the job's log.
    with pytest.raises(PipelineError) as refused:
        check_url(url)
    assert "s3cr3t-pw" not in str(refused.value)
    assert "***" in str(refused.value)


@pytest.mark.parametrize("url", ["http://app:8000", "https://[::1]:8443/base", "http://127.0.0.1"])
def test_a_good_url_passes(url: str) -> None:
    check_url(url)


@pytest.mark.parametrize(
    ("path", "message"),
    [("health", "must start with '/'"), ("/h\r\nX-Injected: 1", "without spaces or control")],
)
def test_smoke_and_load_refuse_a_bad_health_path_alike(path: str, message: str) -> None:
    with pytest.raises(PipelineError, match=message) as shared:
        check_path("--health-path", path)
    with pytest.raises(PipelineError) as smoke:
        SmokeSpec(url="http://app:8000", health_path=path)
    with pytest.raises(PipelineError) as load:
        LoadSpec(url="http://app:8000", health_path=path)
    assert str(smoke.value) == str(load.value) == str(shared.value)


@pytest.mark.parametrize("seconds", [0.0, -1.0, math.nan, math.inf, -math.inf])
def test_a_time_limit_must_be_positive_and_finite(seconds: float) -> None:
    with pytest.raises(PipelineError, match="--timeout must be a positive number of seconds"):
        check_seconds("--timeout", seconds)


def test_the_shared_layer_loads_without_smoke_load_pydantic_or_dagger() -> None:
    """Both bare containers load it: it may pull in neither family nor a heavy library."""
    loaded = modules_loaded_by(
        *(f"main.core.mcp.{m}" for m in ("client", "endpoint", "tls", "wire"))
    )
    assert heavy_in(loaded, "dagger", "pydantic", "anyio", "locust") == []
    assert sorted(m for m in loaded if m.startswith(("main.core.smoke", "main.core.load"))) == []
