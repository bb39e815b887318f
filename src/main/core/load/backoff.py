"""How soon a simulated user tries again after its MCP session could not be opened.

A load user goes as fast as the service lets it; a failing ``initialize`` answers fast,
so without a pause a broken endpoint is hammered at hundreds of handshakes a second
(measured: ~900/s against a 307), which is no measurement and may hurt the target.
Every MCP client backs off; the load user does the same: 50 ms after the first
failure, doubling up to 1 s, and back to the start after a success. Standard library.
"""

from dataclasses import dataclass

FIRST = 0.05  # seconds after the first failure
CAP = 1.0  # seconds at most between two attempts


@dataclass
class Backoff:
    """Exponential pauses between failed attempts; a success starts them over."""

    first: float = FIRST
    cap: float = CAP
    _next: float = 0.0

    def failed(self) -> float:
        """Seconds to wait before the next attempt, after one more failure."""
        delay = self._next or self.first
        self._next = min(delay * 2, self.cap)
        return delay

    def succeeded(self) -> None:
        """An attempt worked: the next failure waits ``first`` again."""
        self._next = 0.0


def attempts_within(seconds: float, first: float = FIRST, cap: float = CAP) -> int:
    """The most attempts one user can start in ``seconds`` when every one of them fails.

    Each attempt is followed by its pause, so the n-th attempt starts no earlier than
    the sum of the n-1 pauses before it (the requests' own time only makes it later).
    """
    backoff = Backoff(first, cap)
    attempts, started_at = 0, 0.0
    while started_at <= seconds:
        attempts += 1
        started_at += backoff.failed()
    return attempts
