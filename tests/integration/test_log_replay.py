"""The service-log replay after a failed smoke test is bounded, even for a stubborn service.

The replay runs the image's command under ``timeout``; a service that ignores SIGINT
must still be stopped (``-k``), or one failed smoke test hangs the whole run. The argv
the recipe records is run here, for real, against such a command.
"""

import subprocess
import time

import pytest

from main import smoke


def test_a_service_ignoring_sigint_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(smoke, "LOG_REPLAY_SECONDS", 0.5)
    monkeypatch.setattr(smoke, "LOG_KILL_AFTER", 0.5)
    stubborn = ["sh", "-c", "trap '' INT; echo started; sleep 30"]
    started = time.monotonic()
    done = subprocess.run(
        [*smoke.replay_timeout(), *stubborn],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert time.monotonic() - started < 5
    assert "started" in done.stdout
    assert done.returncode in {137, -9}  # killed after ignoring the interrupt
