"""The stability window's verdict, from the liveness readings a target gives."""

import anyio
import pytest

from main.core.deploy.stability import stays_up
from main.core.deploy.target import Liveness
from main.core.smoke.result import CheckResult, SmokeReport

PASSED = SmokeReport("http://127.0.0.1:1", (CheckResult("health", "passed"),))
FAILED = SmokeReport("http://127.0.0.1:1", (CheckResult("health", "failed", error="got 502"),))


def verdict(readings: list[Liveness], second: SmokeReport = PASSED, window: float = 0.2) -> str:
    stream = iter(readings)
    smoked: list[int] = []

    async def liveness() -> Liveness:
        return next(stream, readings[-1])

    async def smoke() -> SmokeReport:
        smoked.append(1)
        return second

    why = anyio.run(stays_up, liveness, smoke, window)
    assert len(smoked) == (1 if not why or why.startswith("after") else 0)
    return why


def test_a_service_that_keeps_running_and_passes_again_is_stable() -> None:
    assert verdict([Liveness(running=True, restarts=2)]) == ""


def test_a_service_that_stops_is_not() -> None:
    readings = [
        Liveness(running=True, restarts=0),
        Liveness(running=False, restarts=0, detail="exited with code 1"),
    ]
    why = verdict(readings)
    assert why.startswith("the service stopped ")
    assert "stability window after its live smoke test passed (exited with code 1)" in why


def test_a_restart_count_that_moves_is_not_stable_even_while_running() -> None:
    readings = [Liveness(running=True, restarts=0), Liveness(running=True, restarts=1)]
    assert "restarted 1 time(s) within the 0.2 s stability window" in verdict(readings)


def test_a_second_smoke_test_that_fails_is_not_stable() -> None:
    why = verdict([Liveness(running=True, restarts=0)], second=FAILED)
    assert why.startswith("after the 0.2 s stability window, live ")
    assert "got 502" in why


@pytest.mark.parametrize("window", [0.0, 0.05])
def test_a_short_window_still_reads_twice_and_smokes_once(window: float) -> None:
    readings = [Liveness(running=True, restarts=0), Liveness(running=True, restarts=3)]
    assert "restarted 3 time(s)" in verdict(readings, window=window)
