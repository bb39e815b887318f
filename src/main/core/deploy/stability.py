"""The stability window: healthy means stays healthy, not answered once.

An image can pass its live smoke test and die seconds later (a crash on the first
background job, a memory limit reached after warm-up). Recorded healthy, it would become
the next deployment's rollback target. So after the live smoke test the deployment
watches the service for a few seconds through the target's ``liveness`` (running, and
its restart counter still), then smokes it once more; only then is it healthy.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

from main.core.deploy.target import Liveness
from main.core.smoke.result import SmokeReport

STABILITY_SECONDS = 5.0  # the default of [tool.pipeline.deploy] stability-window
POLL_SECONDS = 0.5  # between two reads of the service's liveness


async def stays_up(
    liveness: Callable[[], Awaitable[Liveness]],
    smoke: Callable[[], Awaitable[SmokeReport]],
    window: float,
) -> str:
    """Watch the service through ``window`` seconds, then smoke it again.

    Returns "" when it kept running with its restart count still and the second live
    smoke test passed, else one line saying what happened. Raises what ``liveness``
    raises (HostLost: the target cannot be read).
    """
    started = time.monotonic()
    first = await liveness()
    while True:
        now = await liveness()
        seen = time.monotonic() - started
        if not now.running:
            return (
                f"the service stopped {seen:.1f} s into the {window:g} s stability window "
                f"after its live smoke test passed ({now.detail})"
            )
        if now.restarts != first.restarts:
            return (
                f"the service restarted {now.restarts - first.restarts} time(s) within the "
                f"{window:g} s stability window after its live smoke test passed"
            )
        if seen >= window:
            break
        await asyncio.sleep(min(POLL_SECONDS, window - seen))
    again = await smoke()
    if not again.passed:
        return f"after the {window:g} s stability window, live {again.summary()}"
    return ""
