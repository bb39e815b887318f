"""`dagger call smoke-test` and `serve` on the sample service, where an engine exists.

The passing path needs the image the build stage makes; these cover what needs no
build: an image that does not serve fails the `start` check, an address where nothing
listens fails `ready`, and both come back as results, not errors.
"""

import json

from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import DaggerCall


def test_an_image_that_does_not_serve_fails_start(dagger: DaggerCall) -> None:
    result = dagger(
        "call", "--subpath", SAMPLE_SUBPATH, "smoke-test", "--image", "python:3.12-slim", "summary"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("smoke test FAILED: start")


def test_url_mode_reports_a_target_that_never_answers(dagger: DaggerCall) -> None:
    result = dagger(
        "call", "--subpath", SAMPLE_SUBPATH, "smoke-test", "--url", "http://127.0.0.1:9", "report"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is False
    assert report["failed_checks"] == ["ready"]


def test_smoke_test_without_image_or_url_is_one_clear_line(dagger: DaggerCall) -> None:
    result = dagger("call", "--subpath", SAMPLE_SUBPATH, "smoke-test")
    assert result.returncode != 0
    assert "smoke-test needs exactly one of --image" in result.stdout + result.stderr
