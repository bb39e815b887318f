"""`dagger call load-test` where an engine exists: a target that never answers.

The generator runs in its own container with the pinned Locust; against an address
where nothing listens every request fails, and the result says so instead of raising
(with --on-breach warn).
"""

import json

from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import DaggerCall


def test_a_target_that_never_answers_is_a_failing_result(dagger: DaggerCall) -> None:
    result = dagger(
        "call", "--subpath", SAMPLE_SUBPATH, "load-test", "--url", "http://127.0.0.1:9",
        "--users", "2", "--duration", "2", "--on-breach", "warn", "report",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is False
    assert report["breaches"][0].startswith("target failing: ")


def test_a_breach_fails_the_call_with_one_line(dagger: DaggerCall) -> None:
    result = dagger(
        "call", "--subpath", SAMPLE_SUBPATH, "load-test", "--url", "http://127.0.0.1:9",
        "--users", "1", "--duration", "1",
    )  # fmt: skip
    assert result.returncode != 0
    assert "target failing: " in result.stdout + result.stderr
