"""What to do about answers that mean a common misconfiguration, not a broken server.

Some answers come up with nearly every new MCP server or staging host, and the bare
status tells the reader nothing about the fix:

- ``404`` on the default health path while every MCP check passes: the server has no
  health endpoint (none of the official SDKs, FastMCP or server-everything has one);
  the check can be skipped, and MCP then tells readiness (initialize) and liveness (ping);
- ``421``: the MCP Python SDK's DNS-rebinding guard refused the ``Host`` header (its
  "Invalid Host header"); inside Dagger the service is reached by its alias, so a
  server that allows only ``localhost`` refuses every request there;
- a certificate the checker cannot verify (self-signed, or signed by a private CA):
  the bare OpenSSL line says what failed, not that trusting the CA is the fix.

The hint goes into the failed check's error, so the verdict line says it. Standard
library only.
"""

from dataclasses import replace

from main.core.mcp.certificates import with_tls_hint
from main.core.smoke.result import CheckResult

__all__ = [
    "HOST_GUARD",
    "no_health_endpoint",
    "with_health_hint",
    "with_host_hint",
    "with_tls_hint",
]

NOT_FOUND = 404
HOST_REFUSED = 421


def no_health_endpoint(path: str) -> str:
    """The words after a 404 from ``path`` when MCP itself answers."""
    return (
        f"the server has no health endpoint at {path}, while MCP answers; if it has none, "
        'skip this check with --no-health (health-path = "" in [tool.pipeline]): readiness '
        "then comes from MCP initialize and liveness from ping"
    )


HOST_GUARD = (
    "the server refused the Host header (HTTP 421, e.g. the MCP SDK's DNS-rebinding guard: "
    '"Invalid Host header"); inside Dagger the service is reached by its alias (e.g. '
    "app:8000), not localhost: allow that host in the server's allowed hosts "
    "(TransportSecuritySettings.allowed_hosts) or turn the guard off for it"
)


def with_host_hint(error: str, status: int | None) -> str:
    """``error``, followed by the host-guard hint when the answer was a 421."""
    return f"{error}: {HOST_GUARD}" if status == HOST_REFUSED else error


def with_health_hint(checks: list[CheckResult], health_path: str | None) -> list[CheckResult]:
    """The checks, the health check's 404 explained when every MCP check passed."""
    mcp = [check for check in checks if check.name.startswith("mcp.")]
    if health_path is None or not mcp or any(check.outcome != "passed" for check in mcp):
        return checks
    return [
        replace(check, error=f"{check.error}: {no_health_endpoint(health_path)}")
        if check.name == "health" and check.failed and check.http_status == NOT_FOUND
        else check
        for check in checks
    ]
