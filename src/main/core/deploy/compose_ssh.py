"""The Compose-over-SSH target: one Linux host running Docker, the service in a Compose file.

Everything the deploy keeps lives in one directory on the host: the uploaded Compose
file, the generated override and environment files that pin the digest, the history
and the lock. A person debugging the host finds the whole state there, and
``docker compose -p PROJECT -f compose.yml -f pipeline.override.yml ps`` in that
directory shows exactly what the deploy sees.
"""

import asyncio
import contextlib
import hashlib
import shlex
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from main.core.deploy import compose
from main.core.deploy.compose import ComposeProject, ContainerState, Flavor
from main.core.deploy.errors import CommandTimedOut, DeployError, HostLost, RolloutFailed
from main.core.deploy.history import Deployment, parse_history, read_history, render_history
from main.core.deploy.ssh import SshEndpoint, SshShell, connect, printable
from main.core.deploy.target import Liveness
from main.core.deploy.timeline import Timeline
from main.core.text import clip

if TYPE_CHECKING:
    import asyncssh

COMMAND_TIMEOUT = 120.0  # one remote command that is not a pull: generous, still bounded
POLL_SECONDS = 0.25
LOG_LINES = 80
LOG_LIMIT = 8000


class ComposeOverSsh:
    """A Compose project on a host reached over SSH (see the module docstring)."""

    def __init__(
        self,
        endpoint: SshEndpoint,
        project: ComposeProject,
        compose_text: str,
        *,
        connect_timeout: float = 20.0,
    ) -> None:
        """A target; nothing connects until :meth:`connected`."""
        self.endpoint = endpoint
        self.project = project
        self.compose_text = compose_text
        self.connect_timeout = connect_timeout
        self._shell: SshShell | None = None
        self._flavor: Flavor = "v2"
        self._entries: list[Deployment] | None = None
        self._timeline = Timeline()  # the deployment's, once connected: for its notes

    def describe(self) -> str:
        """``user@host:port, compose project P``."""
        return f"{self.endpoint}, compose project {self.project.project}"

    @property
    def shell(self) -> SshShell:
        """The open connection; only valid inside :meth:`connected`."""
        if self._shell is None:
            msg = "the staging host is not connected"
            raise HostLost(msg)
        return self._shell

    @asynccontextmanager
    async def connected(self, timeline: Timeline) -> AsyncIterator[None]:
        """Connect, check that Docker Compose exists, create the project directory."""
        self._timeline = timeline
        async with contextlib.AsyncExitStack() as stack:
            async with timeline.step("connect") as note:
                self._shell = await stack.enter_async_context(
                    connect(self.endpoint, timeout=self.connect_timeout)
                )
                self._flavor = await self._prepare()
                note.detail = "docker compose" if self._flavor == "v2" else "docker-compose (v1)"
            try:
                yield
            finally:
                self._shell = None

    async def _prepare(self) -> Flavor:
        """Which Compose the host has, and the project directory made: one round trip."""
        directory = compose.remote_path(self.project.directory)
        found = await self._run(
            f"{compose.DETECT_FLAVOR}; mkdir -p {directory}", step="the Compose check"
        )
        flavor = found.strip()
        if flavor == "v2":
            return "v2"
        if flavor == "v1":
            return "v1"
        msg = (
            f"{self.endpoint.host} has neither `docker compose` nor `docker-compose` on the "
            f"PATH of user {self.endpoint.user}: install Docker with the Compose plugin there"
        )
        raise DeployError(msg)

    async def _run(
        self,
        command: str,
        *,
        step: str,
        stdin: str | None = None,
        timeout: float = COMMAND_TIMEOUT,
    ) -> str:
        """Run ``command``; its failure is one line naming ``step``, not the command."""
        done = await self.shell.run(command, stdin=stdin, timeout=timeout, step=step)
        if not done.ok:
            why = " ".join(done.output().split()) or f"exit status {done.exit_status}"
            msg = f"{step} failed on {self.endpoint.host}: {clip(why, 600)}"
            raise DeployError(msg)
        return done.stdout

    def _compose(self, *arguments: str) -> str:
        return self.project.command(self._flavor, *arguments)

    # --- the lock ---------------------------------------------------------------------

    @asynccontextmanager
    async def locked(self, owner: str, timeout: float) -> AsyncIterator[None]:
        """Hold ``flock`` on the host while the body runs.

        The lock is held by a remote process that lives as long as our channel: if this
        process dies or the network drops, the host releases the lock by itself, so a
        crashed runner never blocks the next deployment.
        """
        holder = self._remote(compose.LOCK_FILE + ".owner")
        script = f"printf '%s\\n' \"$1\" > {holder}; echo locked; exec cat >/dev/null"
        command = (
            f"command -v flock >/dev/null || {{ echo 'no flock on this host' >&2; exit 127; }}; "
            f"exec flock -w {max(round(timeout, 1), 0):g} {self._remote(compose.LOCK_FILE)} "
            f"sh -c {shlex.quote(script)} sh {shlex.quote(owner)}"
        )
        process = await self.shell.start(command, step="the lock")
        try:
            await self._until_locked(process, timeout, holder)
            yield
        finally:
            process.stdin.write_eof()
            process.close()
            with contextlib.suppress(asyncio.TimeoutError, OSError):
                await asyncio.wait_for(process.wait_closed(), 5)

    async def _until_locked(
        self, process: "asyncssh.SSHClientProcess[str]", timeout: float, holder: str
    ) -> None:
        try:
            line = await asyncio.wait_for(process.stdout.readline(), timeout + 10)
        except TimeoutError:
            line = ""
        if str(line).strip() == "locked":
            return
        stderr = await _drain(process)
        if "no flock" in stderr:
            msg = f"{self.endpoint.host} has no `flock` (util-linux): install it to deploy there"
            raise DeployError(msg)
        who = (await self.shell.run(f"cat {holder}", timeout=10, step="the lock")).stdout
        msg = (
            f"another deployment holds the lock on {self.endpoint.host} "
            f"({who.strip() or 'holder unknown'}) and did not finish within {timeout:.0f} s: "
            "try again when it is done"
        )
        raise DeployError(msg)

    # --- files --------------------------------------------------------------------------

    @property
    def revision(self) -> str:
        """The uploaded Compose file's revision, for keeping it and finding it again.

        The start of the SHA-256 of its text and of the service it was checked for: a
        kept revision is not checked again.
        """
        named = f"{self.project.service}\0{self.compose_text}"
        return hashlib.sha256(named.encode()).hexdigest()[:12]

    async def upload(self) -> str:
        """Upload the Compose file; it replaces the old one once Compose accepted it.

        One round trip checks it: Compose parses the staged file and lists its services;
        the old file stays until the service is found. A copy is kept under its revision
        (``compose-REV.yml``) so a rollback runs the old image with its old file.
        """
        size = len(self.compose_text.encode())
        command = self.project.upload_command(self._flavor, self.revision, size)
        done = await self.shell.run(
            command, stdin=self.compose_text, timeout=COMMAND_TIMEOUT, step="the upload"
        )
        if done.exit_status == compose.EXIT_REFUSED:
            msg = f"Compose refused the Compose file: {clip(' '.join(done.output().split()), 600)}"
            raise DeployError(msg)
        if done.exit_status == compose.EXIT_NO_SERVICE:
            services = done.stdout.split()
            msg = (
                f"the Compose file has no service {self.project.service!r} "
                f"(it has: {', '.join(services) or 'none'}): set service in [tool.pipeline.deploy]"
            )
            raise DeployError(msg)
        if not done.ok:
            msg = f"could not upload the Compose file to {self.endpoint.host}: {done.output()}"
            raise DeployError(msg)
        return self.revision

    def _remote(self, name: str) -> str:
        return compose.remote_path(self.project.path(name))

    async def _kept_text(self, config: str) -> str:
        """The text of Compose revision ``config``; the file in place if it is not kept."""
        kept = self._remote(compose.kept_file(config))
        done = await self.shell.run(f"cat {kept}", timeout=COMMAND_TIMEOUT, step="the pin")
        if done.ok:
            return done.stdout
        current = self._remote(compose.COMPOSE_FILE)
        done = await self.shell.run(f"cat {current}", timeout=COMMAND_TIMEOUT, step="the pin")
        return done.stdout if done.ok else self.compose_text

    async def _pin(self, image: str, config: str) -> None:
        """Put the Compose revision in place and pin the image by digest.

        One round trip; two for an older revision, whose text is read first for its
        ``version:`` line.
        """
        current = not config or config == self.revision
        text = self.compose_text if current else await self._kept_text(config)
        version = compose.top_level_version(text)
        files = {
            compose.OVERRIDE_FILE: compose.override_text(self.project.service, image, version),
            compose.ENV_FILE: compose.env_text(image),
        }
        await self._run(
            self.project.pin_command(files, restore=config), step="writing the pinned files"
        )

    # --- history ------------------------------------------------------------------------

    async def history(self) -> list[Deployment]:
        """The host's history file, oldest first (empty on a new host)."""
        path = self._remote(compose.HISTORY_FILE)
        read = read_history(
            await self._run(f"cat {path} 2>/dev/null || true", step="reading the history")
        )
        note = read.note(f"the host's history ({self.project.path(compose.HISTORY_FILE)})")
        if note:
            self._timeline.note(note)
        self._entries = read.entries
        return list(self._entries)

    async def record(self, entry: Deployment) -> None:
        """Append one entry, forget Compose files no entry names: one round trip.

        The history read under the lock is kept, so nothing can have changed it since.
        """
        entries = [*(self._entries if self._entries is not None else await self.history()), entry]
        text = render_history(entries)
        self._entries = parse_history(text)
        keep = {e.config for e in self._entries if e.config}
        command = self.project.record_command(keep, size=len(text.encode()))
        await self._run(command, stdin=text, step="writing the history")

    # --- rollout ------------------------------------------------------------------------

    async def roll_out(self, image: str, config: str, timeline: Timeline, timeout: float) -> None:
        """Pin ``image``, pull it, start it, wait until its container is ready."""
        try:
            await self._roll_out(image, config, timeline, timeout)
        except (RolloutFailed, HostLost):
            raise
        except DeployError as exc:  # a file that could not be written: the host did change
            raise RolloutFailed(str(exc)) from None

    async def _roll_out(self, image: str, config: str, timeline: Timeline, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        await self._pin(image, config)
        async with timeline.step("pull"):
            # The docker CLI pulls the pinned digest itself: Compose v1 would add half a
            # second of Python start-up to every rollout for the same request.
            await self._step(
                shlex.join(["docker", "pull", "--quiet", image]), "pull", deadline, timeout
            )
        async with timeline.step("up") as note:
            # The old container gets a stop timeout bounded below what is left of the
            # budget: one that ignores SIGTERM is killed in time, not waited on for
            # Docker's 10 s while the rollout (or the rollback) runs out of time.
            stop = compose.stop_seconds(deadline - time.monotonic())
            up = self._compose("up", "-d", "--remove-orphans", "--timeout", str(stop))
            await self._step(up, "start", deadline, timeout)
            note.detail = f"stop timeout {stop} s"
        async with timeline.step("ready") as note:
            state = await self._until_ready(image, deadline, timeout)
            note.detail = f"{state.status}, health {state.health}"

    async def _step(self, command: str, what: str, deadline: float, timeout: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            msg = f"no time left to {what} the image"
            raise RolloutFailed(msg)
        try:
            done = await self.shell.run(command, timeout=remaining, step=f"the {what}")
        except CommandTimedOut:
            msg = f"could not {what} the image within {timeout:.0f} s"
            raise RolloutFailed(msg) from None
        if not done.ok:
            msg = f"could not {what} the image: {clip(' '.join(done.output().split()), 600)}"
            raise RolloutFailed(msg, logs=done.output())

    async def _state(self) -> ContainerState | None:
        # The docker CLI, not Compose: Compose v1 is a Python program that takes half a
        # second to start, and this runs in a polling loop.
        command = self.project.state_command()
        printed = (await self.shell.run(command, timeout=30, step="the state check")).stdout.strip()
        return compose.parse_state(printed.splitlines()[0]) if printed else None

    async def _until_ready(self, image: str, deadline: float, timeout: float) -> ContainerState:
        last: ContainerState | None = None
        while True:
            last = await self._state()
            if last is not None and last.image and last.image != image:
                msg = (
                    f"the service's container runs {last.image}, not {image}: does the Compose "
                    "file give the service a fixed container_name or another project's container?"
                )
                raise RolloutFailed(msg, logs=await self.logs())
            if last is not None and last.ready:
                return last
            if last is not None and last.failed:
                raise RolloutFailed(last.failed, logs=await self.logs())
            if time.monotonic() >= deadline:
                seen = "no container" if last is None else f"{last.status}, health {last.health}"
                msg = f"the service did not become ready within {timeout:.0f} s ({seen})"
                raise RolloutFailed(msg, logs=await self.logs())
            await asyncio.sleep(POLL_SECONDS)

    async def liveness(self) -> Liveness:
        """The service's container: running (and not unhealthy), and its restart count."""
        state = await self._state()
        if state is None:
            return Liveness(running=False, restarts=0, detail="its container is gone")
        running = state.status == "running" and state.health != "unhealthy"
        detail = state.failed or f"{state.status}, health {state.health}"
        return Liveness(running=running, restarts=state.restarts, detail=detail)

    async def stop(self) -> None:
        """Stop and remove the service's container (the rest of the project stays)."""
        await self._run(
            self._compose("rm", "--stop", "--force", self.project.service), step="the stop"
        )

    async def logs(self) -> str:
        """The service's last lines; empty when they cannot be read."""
        with contextlib.suppress(DeployError):
            command = self.project.logs_command(LOG_LINES)
            done = await self.shell.run(command, timeout=30, step="reading the logs")
            return clip(printable(done.stdout.strip()), LOG_LIMIT)
        return ""


async def _drain(process: "asyncssh.SSHClientProcess[str]") -> str:
    with contextlib.suppress(asyncio.TimeoutError, OSError):
        return str(await asyncio.wait_for(process.stderr.read(), 2))
    return ""
