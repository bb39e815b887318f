"""`dagger call scan` on real images, where a Dagger CLI and engine exist.

A Container argument accepts an image address on the command line; the sample service's
own image is built in Dagger shell and handed to `scan` the way the pipeline hands over
its build.
"""

import json

from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import DaggerCall

BASE = "python:3.12-slim"  # the sample service's runtime base
OLD = "python:3.8.0-slim"  # 2019: fixable findings are certain


def test_warn_mode_reports_and_passes(dagger: DaggerCall) -> None:
    result = dagger(
        "call", "--subpath", SAMPLE_SUBPATH, "scan", "--image", BASE, "--mode", "warn", "reason"
    )
    assert result.returncode == 0, result.stderr
    assert "findings" in result.stdout


def test_block_mode_fails_on_fixable_findings_with_the_summary(dagger: DaggerCall) -> None:
    result = dagger("call", "--subpath", SAMPLE_SUBPATH, "scan", "--image", OLD, "reason")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "security scan blocked" in output
    assert "| severity | ID |" in output


def test_warn_mode_keeps_the_counts_of_a_vulnerable_image(dagger: DaggerCall) -> None:
    result = dagger(
        "call",
        "--subpath",
        SAMPLE_SUBPATH,
        "scan",
        "--image",
        OLD,
        "--mode",
        "warn",
        "counts",
        "total",
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 0


def test_sarif_comes_from_the_same_scan(dagger: DaggerCall) -> None:
    result = dagger(
        "call",
        "--subpath",
        SAMPLE_SUBPATH,
        "scan",
        "--image",
        OLD,
        "--mode",
        "warn",
        "--severities",
        "CRITICAL",
        "sarif",
        "contents",
    )
    assert result.returncode == 0, result.stderr
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "Trivy"


def test_a_bad_mode_is_one_clear_line(dagger: DaggerCall) -> None:
    result = dagger(
        "call", "--subpath", SAMPLE_SUBPATH, "scan", "--image", BASE, "--mode", "strict", "reason"
    )
    assert result.returncode != 0
    assert "unknown scan mode 'strict'" in result.stdout + result.stderr


def test_the_sample_service_image_is_scanned(dagger: DaggerCall) -> None:
    script = (
        f"scan $(host | directory {SAMPLE_SUBPATH} | docker-build --dockerfile Containerfile)"
        " --mode warn | markdown"
    )
    result = dagger("-c", script)
    assert result.returncode == 0, result.stderr
    assert "### Security scan:" in result.stdout
