"""`dagger call load-test` where an engine exists: a target that never answers.

The generator runs in its own container with the pinned Locust; against an address
where nothing listens every request fails, and the result says so instead of raising
(with --on-breach warn).
"""

import json

from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import LEAVING_APP, DaggerCall


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


def test_distributed_workers_outlive_the_run_until_the_result_is_read(dagger: DaggerCall) -> None:
    # 0.21 cancels the reader as soon as a service bound to it exits, even with status 0:
    # a Locust worker exits on the master's quit, before the master writes its result.
    result = dagger(
        "call", "--subpath", SAMPLE_SUBPATH, "load-test", "--url", "http://127.0.0.1:9",
        "--workers", "2", "--users", "2", "--duration", "2", "--on-breach", "warn", "report",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["workers"] == 2
    assert report["breaches"][0].startswith("target failing: ")


def test_an_app_that_exits_mid_run_is_a_failed_load_result_with_logs(dagger: DaggerCall) -> None:
    script = f"load-test --image $({LEAVING_APP}) --users 1 --duration 20 --on-breach warn | report"
    result = dagger("-c", script)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is False
    assert report["breaches"][0].startswith("the service stopped while the load test ran")
    logs = dagger("-c", script.replace("| report", "| logs"))
    assert "app: leaving now" in logs.stdout
