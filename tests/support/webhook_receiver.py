"""A real HTTP server on 127.0.0.1 that stands in for Slack, Discord and Teams webhooks.

It records every request (method, path, headers, body) and answers the way it is told
(status, body, delay), so tests check the exact bytes a notification sends and how
the sender copes with errors and slowness, over a real socket.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.support.http_servers import Log, Recorded, RecordingHandler, serving


@dataclass
class Answer:
    """How the receiver replies: status, body and a delay before answering."""

    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0


@dataclass
class Receiver:
    """The running receiver: its URL, what it recorded, and how it will answer."""

    url: str
    answer: Answer
    log: Log = field(default_factory=Log)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def requests(self) -> list[Recorded]:
        """The requests received, in arrival order."""
        return self.log.requests


class WebhookHandler(RecordingHandler):
    """Answers every request as the receiver's :class:`Answer` says."""

    receiver: Receiver

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:  # noqa: ARG002
        """The configured status and body, after the configured delay."""
        answer = self.receiver.answer
        if answer.delay:
            self.receiver.release.wait(answer.delay)
        return answer.status, {}, answer.body


@contextmanager
def receiving() -> Iterator[Receiver]:
    """Serve on a free loopback port until the block ends."""
    state = Receiver(url="", answer=Answer())
    with serving(WebhookHandler, log=state.log, receiver=state) as url:
        state.url = url
        try:
            yield state
        finally:
            state.release.set()  # a delayed answer must not hold up the shutdown
