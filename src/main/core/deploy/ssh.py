"""SSH to the staging host with a pinned host key and a key held only in memory.

The private key arrives as text (a ``dagger.Secret``'s plaintext, or a file the CLI
reads) and is handed to asyncssh as a key object: it is never written to disk, never
put in an environment variable and never part of an error message. The host key is
pinned: an unknown or changed host key is refused, never trusted on first use, because
the first connection from a fresh CI runner is exactly when trust-on-first-use is blind.
"""

import asyncio
import contextlib
import re
import shlex
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from main.core.deploy.errors import CommandTimedOut, DeployError, HostLost
from main.core.lazy import lazy_import
from main.core.text import clip

if TYPE_CHECKING:
    import asyncssh
else:
    asyncssh = lazy_import("asyncssh")

_KEY_TYPES = ("ssh-", "ecdsa-", "sk-")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+=*$")
KILL_GRACE = 3  # seconds a timed-out command has between TERM and KILL
TIMED_OUT = 124  # the exit status of `timeout` when the command overran
OUTPUT_LIMIT = 4000  # characters of a failed command's output kept in an error
# A dead network (a blackhole, not a reset) is noticed by SSH keepalives: no answer to
# KEEPALIVE_COUNT probes KEEPALIVE_SECONDS apart closes the connection, so every remote
# step ends within about 6 s of the host going silent, whatever its own bound.
KEEPALIVE_SECONDS = 2.0
KEEPALIVE_COUNT = 3


@dataclass(frozen=True, slots=True)
class SshEndpoint:
    """Where to connect and whom to trust. ``repr`` never shows the key."""

    host: str
    user: str
    port: int = 22
    host_keys: str = ""  # known_hosts lines, or bare "ssh-ed25519 AAAA..." keys of this host
    private_key: str = field(default="", repr=False)

    def __str__(self) -> str:
        """``user@host:port``: how errors and reports name the host."""
        return f"{self.user}@{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class RemoteResult:
    """A finished remote command."""

    exit_status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        """Exit status 0."""
        return self.exit_status == 0

    def output(self) -> str:
        """Both streams, for an error message, cut to a readable size."""
        text = "\n".join(part for part in (self.stderr.strip(), self.stdout.strip()) if part)
        return clip(printable(text), OUTPUT_LIMIT)


def known_hosts_text(endpoint: SshEndpoint) -> str:
    """The pinned keys as known_hosts lines; a bare key is pinned to this host and port."""
    pattern = endpoint.host if endpoint.port == 22 else f"[{endpoint.host}]:{endpoint.port}"  # noqa: PLR2004
    lines = []
    for raw in endpoint.host_keys.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        lines.append(f"{pattern} {line}" if _bare_key(line) else line)
    return "\n".join(lines) + "\n"


def _bare_key(line: str) -> bool:
    # "ssh-ed25519 AAAA..." is a bare key; "ssh-gw.example ssh-ed25519 AAAA..." is a
    # known_hosts line for a host whose name starts like a key type: base64 has no "-".
    words = line.split()
    return len(words) > 1 and words[0].startswith(_KEY_TYPES) and bool(_BASE64.match(words[1]))


def _trusted(endpoint: SshEndpoint) -> "asyncssh.SSHKnownHosts":
    text = known_hosts_text(endpoint)
    if not text.strip():
        msg = (
            f"no host key is pinned for {endpoint.host}: set host-key in "
            "[tool.pipeline.deploy] (the line `ssh-keyscan -p PORT HOST` prints, "
            "checked on a network you trust); unknown hosts are never trusted"
        )
        raise DeployError(msg)
    try:
        return asyncssh.import_known_hosts(text)
    except (ValueError, asyncssh.Error) as exc:
        msg = f"the pinned host key of {endpoint.host} cannot be read ({exc})"
        raise DeployError(msg) from None


def _client_key(endpoint: SshEndpoint) -> "asyncssh.SSHKey":
    try:
        return asyncssh.import_private_key(endpoint.private_key)
    except (asyncssh.KeyImportError, ValueError) as exc:
        # The exception text never holds key material, but keep to its first clause.
        reason = str(exc).split("\n", 1)[0]
        msg = (
            "the SSH key is not a private key that can be used (an OpenSSH or PEM private "
            f"key without a passphrase is needed): {reason}"
        )
        raise DeployError(msg) from None


class SshShell:
    """Commands on the host over one connection."""

    def __init__(self, connection: "asyncssh.SSHClientConnection", endpoint: SshEndpoint) -> None:
        """Wrap an open connection; :func:`connect` makes one."""
        self._connection = connection
        self.endpoint = endpoint

    async def run(
        self, command: str, *, stdin: str | None = None, timeout: float, step: str = ""
    ) -> RemoteResult:
        """Run one shell line on the host; a lost connection or a timeout is one line.

        The host bounds the command itself (``timeout``, which kills its whole process
        group): closing our side of the channel would leave it running, racing the
        rollback. Overrunning is :class:`CommandTimedOut`, not :class:`HostLost`: the
        connection still works. A connection that drops or goes silent (see
        :data:`KEEPALIVE_SECONDS`) is :class:`HostLost`, "connection lost during
        ``step``" (what the deploy was doing, never the command's text).
        """
        what = step or f"`{clip(command, 120)}`"
        bound = max(timeout, 0.1)
        bounded = f"timeout -k {KILL_GRACE} {bound:.1f} sh -c {shlex.quote(command)}"
        try:
            # Bytes that are not UTF-8 (a hand-edited history) arrive as surrogates
            # rather than failing the whole read: the reader decides what to skip.
            process = await self._connection.create_process(
                bounded, input=stdin, errors="surrogateescape"
            )
            try:
                done = await process.wait(check=False, timeout=bound + KILL_GRACE + 5)
            except asyncssh.TimeoutError:
                process.close()
                done = None
        except (asyncssh.Error, OSError) as exc:
            raise self._lost(what, _reason(exc)) from None
        if self._connection.is_closed() or (
            done is not None and done.exit_status is None and done.exit_signal is None
        ):
            # The channel closed without an exit status: the connection went, not the command.
            raise self._lost(what, "the host stopped answering")
        if done is None or done.exit_status == TIMED_OUT:
            took = f"{timeout:.3g}"
            msg = f"{self.endpoint.host} did not finish {what} within {took} s"
            raise CommandTimedOut(msg)
        status = done.exit_status if done.exit_status is not None else 255
        return RemoteResult(status, _text(done.stdout), _text(done.stderr))

    async def start(self, command: str, *, step: str) -> "asyncssh.SSHClientProcess[str]":
        """A long-running remote process, e.g. the one holding the deploy lock."""
        try:
            return await self._connection.create_process(command)
        except (asyncssh.Error, OSError) as exc:
            raise self._lost(step, _reason(exc)) from None

    def _lost(self, step: str, reason: str) -> HostLost:
        msg = f"connection lost during {step}: {self.endpoint} ({reason})"
        return HostLost(msg)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return "" if value is None else str(value)


def printable(text: str) -> str:
    """``text`` with undecodable bytes (surrogates) shown as U+FFFD, safe to print."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return clip(" ".join(text.split()), 300)


@asynccontextmanager
async def connect(endpoint: SshEndpoint, *, timeout: float) -> AsyncIterator[SshShell]:
    """An SSH connection, refused unless the host proves the pinned key and takes ours."""
    known_hosts = _trusted(endpoint)
    key = _client_key(endpoint)
    try:
        connection = await asyncssh.connect(
            endpoint.host,
            endpoint.port,
            username=endpoint.user,
            known_hosts=known_hosts,
            client_keys=[key],
            agent_path=None,
            config=None,
            password=None,
            kbdint_auth=False,
            gss_auth=False,
            preferred_auth="publickey",
            connect_timeout=timeout,
            login_timeout=timeout,
            keepalive_interval=KEEPALIVE_SECONDS,
            keepalive_count_max=KEEPALIVE_COUNT,
        )
    except asyncssh.HostKeyNotVerifiable:
        msg = (
            f"the SSH host key of {endpoint.host}:{endpoint.port} is not the pinned one: "
            "refusing to connect (if the host was rebuilt, pin its new key in host-key "
            "after checking it out of band)"
        )
        raise DeployError(msg) from None
    except asyncssh.PermissionDenied:
        msg = (
            f"{endpoint.host}:{endpoint.port} refused the SSH key for user {endpoint.user} "
            f"(is its public key in ~{endpoint.user}/.ssh/authorized_keys?)"
        )
        raise DeployError(msg) from None
    except (TimeoutError, OSError, asyncssh.Error) as exc:
        msg = f"cannot reach {endpoint.host}:{endpoint.port} over SSH ({_reason(exc)})"
        raise DeployError(msg) from None
    try:
        yield SshShell(connection, endpoint)
    finally:
        connection.close()
        with contextlib.suppress(OSError, asyncio.TimeoutError, asyncssh.Error):
            await asyncio.wait_for(connection.wait_closed(), 5)
