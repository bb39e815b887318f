"""Test servers stay quiet when a client hangs up: that is expected, not a failure."""

import socket
import time

import pytest

from tests.support.http_servers import Log, Recorded, RecordingHandler, serving


class BigAnswer(RecordingHandler):
    """Answers every request with 8 MiB, more than any socket buffer holds."""

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:  # noqa: ARG002
        """The same big body for every request."""
        return 200, {}, b"x" * (8 * 1024 * 1024)


def test_a_client_hanging_up_prints_no_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    log = Log()
    with serving(BigAnswer, log=log) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(1024)  # the answer has started; now hang up mid-body
        deadline = time.monotonic() + 5
        while not log.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # let the server notice the broken pipe
    assert log.requests, "the request reached the server"
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "BrokenPipeError" not in captured.err
