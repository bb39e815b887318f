"""The scan container's shell script, run for real here with a stand-in ``trivy``.

The Trivy image cannot be pulled here, but its script can: a fake ``trivy`` on PATH
answers like a rate-limited DB registry first, then like a working one. The script
must try again after a 429 or a 5xx, and only then, a bounded number of times.
"""

import os
import subprocess
from pathlib import Path

import pytest

from main.scan import SCAN_SCRIPT


def fake_trivy(folder: Path, answers: list[tuple[int, str]]) -> Path:
    """A ``trivy`` that gives ``answers`` in turn (exit code, stderr), logging each call."""
    state = folder / "calls"
    lines = ["#!/bin/sh", f'echo "$@" >> {state}', f"n=$(wc -l < {state})"]
    for index, (code, said) in enumerate(answers, start=1):
        lines.append(f'if [ "$n" -eq {index} ]; then echo "{said}" >&2; exit {code}; fi')
    lines.append('echo "no more answers" >&2; exit 99')
    script = folder / "trivy"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    script.chmod(0o755)
    return state


def run_script(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PATH": f"{folder}:{os.environ['PATH']}",
        "TRIVY_CACHE_DIR": str(folder / "cache"),
        "PIPELINE_SCAN_BACKOFF": "0",
    }
    return subprocess.run(
        ["sh", "-c", SCAN_SCRIPT, "trivy-scan", "--input", "image.tar"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_a_rate_limited_db_download_is_tried_again(tmp_path: Path) -> None:
    calls = fake_trivy(tmp_path, [(1, "FATAL: TOOMANYREQUESTS: rate limit"), (0, "")])
    done = run_script(tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(calls.read_text().splitlines()) == 2
    assert "trying again" in done.stderr


def test_other_failures_are_not_retried(tmp_path: Path) -> None:
    calls = fake_trivy(tmp_path, [(2, "FATAL: the image tarball is corrupt")])
    done = run_script(tmp_path)
    assert done.returncode == 2
    assert len(calls.read_text().splitlines()) == 1


@pytest.mark.parametrize("said", ["unexpected status code 503", "429 Too Many Requests"])
def test_retries_are_bounded(tmp_path: Path, said: str) -> None:
    calls = fake_trivy(tmp_path, [(1, said)] * 5)
    done = run_script(tmp_path)
    assert done.returncode == 1
    assert len(calls.read_text().splitlines()) == 3
