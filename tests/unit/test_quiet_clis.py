"""The seams print their verdict and nothing else: a library's warning stays out of CI logs."""

import subprocess
import sys

PROBE = """
import warnings
from main.core.quiet import silence_library_warnings
silence_library_warnings()
warnings.warn_explicit(
    "DSA is deprecated", DeprecationWarning, "dsa.py", 1, module="asyncssh.crypto.dsa"
)
warnings.warn_explicit("old", UserWarning, "x.py", 1, module="cryptography.utils")
warnings.warn_explicit("ours", UserWarning, "spec.py", 1, module="main.core.smoke.spec")
"""


def test_a_library_warning_is_silent_and_ours_is_shown() -> None:
    run = subprocess.run(
        [sys.executable, "-W", "error", "-c", PROBE], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    assert "DSA" not in run.stderr
    assert "old" not in run.stderr
    assert "ours" in run.stderr


def test_each_cli_installs_the_filter_before_it_runs() -> None:
    for seam in ("smoke", "deploy", "load"):
        run = subprocess.run(
            [
                sys.executable,
                "-W",
                "error",
                "-m",
                f"main.core.{seam}",
                "--definitely-not-an-option",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 2, (seam, run.stderr)
        assert "Warning" not in run.stderr, (seam, run.stderr)
