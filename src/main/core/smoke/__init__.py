"""Smoke tests of a running service: health, the MCP handshake, tools, extra HTTP checks.

Standard library and httpx only: the same code runs on the host, in the integration
tests and inside a bare client container bound to the service under test
(``python -m main.core.smoke URL``). Nothing here may import pydantic or dagger.
"""

from typing import TYPE_CHECKING

from main.core.lazy import lazy_exports

if TYPE_CHECKING:
    from main.core.smoke.checks import run_smoke
    from main.core.smoke.cli import spec_from_args
    from main.core.smoke.result import CheckResult, SmokeReport
    from main.core.smoke.spec import HttpCheck, SmokeSpec, ToolCall, argv_for

__all__ = [
    "CheckResult",
    "HttpCheck",
    "SmokeReport",
    "SmokeSpec",
    "ToolCall",
    "argv_for",
    "run_smoke",
    "spec_from_args",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "run_smoke": "checks",
        "argv_for": "spec",
        "spec_from_args": "cli",
        "CheckResult": "result",
        "SmokeReport": "result",
        "HttpCheck": "spec",
        "SmokeSpec": "spec",
        "ToolCall": "spec",
    },
)
