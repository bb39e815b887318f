"""Whether the deploy can reach its host from where it runs.

``dagger call deploy`` runs SSH from the module's runtime container inside the engine:
there ``localhost`` and 127.x are that container itself, and names only the caller's
``/etc/hosts`` or ``~/.ssh/config`` know do not resolve. Such a host would fail late
with a generic connection error, so it is refused up front with how to reach a host
from the engine. ``python -m main.core.deploy`` runs on the caller's machine, where
loopback is the machine itself: it never asks.
"""

import ipaddress
import socket
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

Resolver = Callable[[str], list[str]]
HOW = (
    "from the Dagger engine, give a public or LAN name or address of the host (in "
    "[tool.pipeline.deploy] host), or reach it through a tunnel (e.g. `ssh -R` or a VPN "
    "address the engine's network can route); `python -m main.core.deploy` runs on your "
    "machine and takes it as it is"
)


def in_module_runtime(environ: Mapping[str, str]) -> bool:
    """Whether this process is a function's runtime inside the engine.

    The engine gives its function runtimes a session to call back into
    (``DAGGER_SESSION_PORT``); a process on the caller's machine has none.
    """
    return bool(environ.get("DAGGER_SESSION_PORT"))


def _addresses(host: str) -> list[str]:
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def engine_host_problem(
    host: str,
    resolve: Resolver = _addresses,
    *,
    what: str = "the staging host",
    how: str = HOW,
) -> str | None:
    """Why ``host`` cannot be reached from the engine, or None when it can.

    A loopback address or ``localhost``, a name that resolves only to loopback, and a
    name that does not resolve (where the deploy runs) are refused with one line.
    ``what`` names the endpoint (the staging host, the Kubernetes API server, the ECS
    endpoint) and ``how`` says how to fix it for that target.
    """
    name = host.strip("[]")
    if name.lower() == "localhost" or name.lower().endswith(".localhost") or _loopback(name):
        return (
            f"{what} {host} is loopback: inside the engine that is the module's "
            f"own container, not your machine; {how}"
        )
    try:
        addresses = resolve(name)
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        return (
            f"{what} {host} does not resolve from the engine (names only your "
            f"/etc/hosts or ~/.ssh/config know are not seen there); {how}"
        )
    if all(_loopback(address) for address in addresses):
        return (
            f"{what} {host} resolves to loopback ({addresses[0]}) from the "
            f"engine: that is the module's own container; {how}"
        )
    return None


def engine_url_problem(
    url: str, resolve: Resolver = _addresses, *, what: str, how: str
) -> str | None:
    """:func:`engine_host_problem` for the host of an endpoint URL (an API server's)."""
    host = urlsplit(url).hostname or url
    return engine_host_problem(host, resolve, what=what, how=how)
