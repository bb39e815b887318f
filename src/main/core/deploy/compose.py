"""Docker Compose on the staging host: the files the deploy writes and the commands it runs.

The service's own Compose file is uploaded unchanged; the image is pinned by a second,
generated file that overrides one service's ``image`` with a digest, so any Compose
file works without edits, and an environment file sets ``PIPELINE_IMAGE`` to the same
digest for files that prefer to interpolate it. Both Compose flavours are supported:
``docker compose`` (v2, on most hosts) and ``docker-compose`` (v1, still on Debian 12),
which lacks ``up --wait``; readiness is therefore read from the container state by the
deploy itself, the same way for both.
"""

import re
import shlex
from dataclasses import dataclass
from typing import Literal

Flavor = Literal["v2", "v1"]
COMPOSE_FILE = "compose.yml"
OVERRIDE_FILE = "pipeline.override.yml"
ENV_FILE = "pipeline.env"
HISTORY_FILE = "history.jsonl"
LOCK_FILE = "deploy.lock"
IMAGE_VARIABLE = "PIPELINE_IMAGE"
EXIT_REFUSED, EXIT_NO_SERVICE = 3, 4  # upload_command's own exit statuses

_VERSION = re.compile(r"""^version:\s*["']?([0-9][0-9.]*)["']?\s*(?:#.*)?$""", re.MULTILINE)
# What a service name may be in Compose; anything else would need quoting in YAML.
SERVICE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
PROJECT_RULE = (
    "not a Compose project name (lower-case letters, digits, '_', '-', "
    "starting with a letter or digit)"
)
SERVICE_RULE = (
    "not a Compose service name (letters, digits, '_', '.', '-', starting with a letter or digit)"
)


def name_problem(kind: Literal["project", "service"], name: str) -> str | None:
    """Why ``name`` cannot be a Compose project (or service) name, or None when it can.

    One rule for the settings and the CLI: the name becomes a directory on the host and
    a word in shell lines, and Compose itself would rename (lower-case) a project name it
    does not take, so the deploy would wait for a container that never appears.
    """
    if kind == "project":
        return None if PROJECT_NAME.fullmatch(name) else PROJECT_RULE
    return None if SERVICE_NAME.fullmatch(name) else SERVICE_RULE


STOP_SECONDS = 10  # Docker's own stop timeout: SIGTERM, then SIGKILL after this long


def stop_seconds(budget: float) -> int:
    """The stop timeout for ``up`` with ``budget`` seconds left: at most a third of it.

    A container that ignores SIGTERM is killed after this long; the rest of the budget
    stays for pulling, starting and waiting for the new one. At least 1 s, at most
    Docker's default.
    """
    return max(1, min(STOP_SECONDS, int(budget / 3)))


def kept_file(revision: str) -> str:
    """Where a revision of the Compose file is kept for rollbacks."""
    return f"compose-{revision}.yml"


def top_level_version(compose_text: str) -> str | None:
    """The ``version:`` of a Compose file, which v1 wants repeated in every file it merges."""
    found = _VERSION.search(compose_text)
    return found.group(1) if found else None


def override_text(service: str, image: str, version: str | None) -> str:
    """The generated file that pins ``service`` to ``image`` (a digest reference)."""
    head = f'version: "{version}"\n' if version else ""
    return (
        "# Written by pipeline's deploy: pins the image by digest. Do not edit;\n"
        "# the next deploy rewrites it.\n"
        f"{head}services:\n  {service}:\n    image: {_quoted(image)}\n"
    )


def env_text(image: str) -> str:
    """The environment file: the same digest, for Compose files that interpolate it."""
    return f"{IMAGE_VARIABLE}={image}\n"


def _quoted(value: str) -> str:
    # A digest reference has no quote or backslash, but the YAML must not depend on that.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class ComposeProject:
    """One Compose project in one directory on the host."""

    directory: str  # absolute, or relative to the SSH user's home
    project: str
    service: str

    def path(self, name: str) -> str:
        """A file of the project, as the remote shell should see it."""
        return f"{self.directory.rstrip('/')}/{name}"

    def command(self, flavor: Flavor, *arguments: str) -> str:
        """A shell line running Compose on this project, with the pinned environment loaded.

        The environment file is sourced rather than passed with ``--env-file`` so that the
        service's own ``.env`` next to the Compose file keeps working.
        """
        argv = [
            *_compose(flavor),
            "--project-name",
            self.project,
            "--file",
            COMPOSE_FILE,
            "--file",
            OVERRIDE_FILE,
            *arguments,
        ]
        return f"{self.enter()} && set -a && . ./{ENV_FILE} && set +a && {shlex.join(argv)}"

    def upload_command(self, flavor: Flavor, revision: str, size: int) -> str:
        """One shell line: stage the Compose file from stdin, check it, then put it in place.

        The staged file must hold all ``size`` bytes sent; Compose parses it and lists its
        services (printed on stdout); only when the service is among them does the file
        replace ``compose.yml`` (and a copy is kept under its revision). Exit 3: Compose
        refused the file; exit 4: no such service. Either way the old file stays. A
        revision the host already keeps is not checked again.
        """
        next_file = COMPOSE_FILE + ".next"
        staged = shlex.quote(next_file)
        listing = shlex.join(
            [*_compose(flavor), "--project-name", self.project, "--file", next_file, "config"]
        )
        found = f"printf '%s\\n' \"$services\" | grep -qxF -- {shlex.quote(self.service)}"
        kept = kept_file(revision)
        check = (
            f"{_written(next_file, 'cat', str(size), rename=False)} && "
            f"{{ services=$({listing} --services) || exit {EXIT_REFUSED}; }} && "
            f"printf '%s\\n' \"$services\" && {{ {found} || exit {EXIT_NO_SERVICE}; }} && "
            f"{_copied(next_file, kept)} && mv -f {staged} {COMPOSE_FILE}"
        )
        # A kept revision was checked when it was first uploaded (its name covers the
        # file and the service): it only needs to be put back in place, if it is not.
        # The file sent on stdin is still read to its end: a line that exits without
        # reading it closes the channel while the client writes (SSH: "Channel not open
        # for sending"), which read as a lost host when two deploys sent one file.
        again = (
            f"cat >/dev/null && "
            f"{{ cmp -s {shlex.quote(kept)} {COMPOSE_FILE} || {_copied(kept, COMPOSE_FILE)}; }}"
        )
        return f"{self.enter()} && if [ -f {shlex.quote(kept)} ]; then {again}; else {check}; fi"

    def pin_command(self, files: dict[str, str], restore: str = "") -> str:
        """One shell line writing small generated files (override, env), each atomically.

        ``restore`` names a kept Compose revision to put back in place first, if the
        host still keeps it. Every file is written beside its name, checked to hold every
        byte, then renamed over it: a failed write (a full disk) fails the line and
        leaves the old file as it was. The texts travel in the command, quoted.
        """
        parts = [self.enter()]
        if restore:  # a revision no longer kept leaves the file in place, as documented
            kept = kept_file(restore)
            parts.append(f"{{ [ ! -f {shlex.quote(kept)} ] || {_copied(kept, COMPOSE_FILE)}; }}")
        for name, text in files.items():
            fill = f"printf '%s' {shlex.quote(text)}"
            parts.append(_written(name, fill, str(len(text.encode()))))
        return " && ".join(parts)

    def record_command(self, keep: set[str], *, size: int) -> str:
        """One shell line: the history from stdin (``size`` bytes) replaces the old one.

        Written beside it, checked, renamed: a failed or short write keeps the old
        history. Compose files no entry names any more go afterwards.
        """
        return f"{self.enter()} && {_written(HISTORY_FILE, 'cat', str(size))} && {_prune(keep)}"

    def _containers(self) -> str:
        """``ids=...``: the service's containers, newest first, found by Compose's labels."""
        listing = ["docker", "ps", "--all", "--quiet", "--no-trunc"]
        for label in (
            f"label=com.docker.compose.project={self.project}",
            f"label=com.docker.compose.service={self.service}",
        ):
            listing += ["--filter", label]
        return f'ids=$({shlex.join(listing)}) && [ -n "$ids" ]'

    def state_command(self) -> str:
        """A shell line printing the service's container state (:data:`INSPECT_FORMAT`)."""
        inspect = ["docker", "inspect", "--format", INSPECT_FORMAT]
        return f"{self._containers()} && {shlex.join(inspect)} $ids"

    def logs_command(self, lines: int) -> str:
        """A shell line printing the last ``lines`` of the service's newest container."""
        newest = "$(echo $ids | cut -d' ' -f1)"
        return f"{self._containers()} && docker logs --tail {int(lines)} {newest} 2>&1"

    def prune_command(self, revisions: set[str]) -> str:
        """A shell line deleting kept Compose files that no history entry names any more."""
        return f"{self.enter()} && {_prune(revisions)}"

    def enter(self) -> str:
        """``cd`` into the project directory (Compose resolves relative paths from there)."""
        return f"cd {_remote_path(self.directory)}"


def _written(name: str, fill: str, size: str, *, rename: bool = True) -> str:
    """Write-then-check-then-rename: ``fill``'s output replaces ``name`` only when whole.

    ``fill`` writes to ``.NAME.partial`` (``name`` itself when ``rename`` is false, for
    a staging file), which must then hold ``size`` bytes (a number, or a shell
    expression giving one); only then is it renamed over ``name``. Any failure (ENOSPC,
    a short write, a failed rename) removes the partial file and fails the line, so the
    old file is never replaced by a partial one. Every part is joined with ``&&``.
    """
    partial = shlex.quote(f".{name}.partial" if rename else name)
    steps = [f"{fill} > {partial}", f'[ "$(wc -c < {partial})" -eq {size} ]']
    if rename:
        steps.append(f"mv -f {partial} {shlex.quote(name)}")
    return f"{{ {{ {' && '.join(steps)}; }} || {{ rm -f {partial}; false; }}; }}"


def _copied(source: str, name: str) -> str:
    """``cp source name``, the write-then-check-then-rename way (see :func:`_written`)."""
    quoted = shlex.quote(source)
    return _written(name, f"cat {quoted}", f'"$(wc -c < {quoted})"')


def _prune(revisions: set[str]) -> str:
    # Each name quoted: a revision comes from the host's history file, which anyone with
    # access to the host could have edited.
    keep = "|".join(sorted(shlex.quote(kept_file(revision)) for revision in revisions)) or "''"
    return f'for f in compose-*.yml; do case "$f" in {keep}) ;; *) rm -f -- "$f" ;; esac; done'


def _compose(flavor: Flavor) -> list[str]:
    return ["docker", "compose"] if flavor == "v2" else ["docker-compose"]


def _remote_path(path: str) -> str:
    # "~/x" must stay expandable by the remote shell; everything else is quoted.
    if path == "~" or path.startswith("~/"):
        rest = path[2:]
        return "~" if not rest else "~/" + shlex.quote(rest)
    return shlex.quote(path)


def remote_path(path: str) -> str:
    """A path quoted for the remote shell, ``~/`` left for it to expand."""
    return _remote_path(path)


DETECT_FLAVOR = (
    "if docker compose version >/dev/null 2>&1; then echo v2; "
    "elif command -v docker-compose >/dev/null 2>&1; then echo v1; "
    "else echo none; fi"
)

# One line per container: state, health (empty without a healthcheck), exit code, restarts.
INSPECT_FORMAT = (
    "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} "
    "{{.State.ExitCode}} {{.RestartCount}} {{.Config.Image}}"
)


@dataclass(frozen=True, slots=True)
class ContainerState:
    """What ``docker inspect`` says of the service's container."""

    status: str  # created, running, restarting, exited, dead, ...
    health: str  # healthy, unhealthy, starting, or none
    exit_code: int
    restarts: int
    image: str

    @property
    def ready(self) -> bool:
        """Running, and healthy when the image or Compose file declares a healthcheck."""
        return self.status == "running" and self.health in {"healthy", "none"}

    @property
    def failed(self) -> str | None:
        """Why this container will not become ready by waiting longer, or None."""
        if self.status in {"exited", "dead"}:
            return f"the container {self.status} with code {self.exit_code}"
        if self.health == "unhealthy":
            return "the container's healthcheck reports unhealthy"
        if self.restarts > 0 and self.status == "restarting":
            return f"the container keeps restarting ({self.restarts} restarts)"
        return None


def parse_state(line: str) -> ContainerState | None:
    """Read one line printed with :data:`INSPECT_FORMAT`; None when it is not one."""
    parts = line.split()
    if len(parts) < 4:  # noqa: PLR2004 - status, health, exit code, restarts (image optional)
        return None
    try:
        exit_code, restarts = int(parts[2]), int(parts[3])
    except ValueError:
        return None
    image = parts[4] if len(parts) > 4 else ""  # noqa: PLR2004
    return ContainerState(parts[0], parts[1], exit_code, restarts, image)
