"""Running the real `dagger` CLI from the engine tier."""

import subprocess
from collections.abc import Callable

from tests.support.constants import REPO_ROOT

DaggerCall = Callable[..., subprocess.CompletedProcess[str]]


def git(*args: str) -> str:
    """``git <args>`` in this repository; its trimmed output."""
    done = subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout.strip()
