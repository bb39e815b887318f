"""What one load run does: the target, the simulated users, and the mix of requests.

Each simulated user opens an MCP session (``initialize`` + ``notifications/initialized``)
and then, round after round, either GETs a plain HTTP path (the health path and any
extra paths, each picked with ``health_weight``) or makes an MCP round (``tools/list``
then ``tools/call``, picked with ``mcp_weight``). The spec is validated whole before a
single request goes out, so a typo is one line, never a run that fails for reasons
unrelated to the service. Standard library and httpx only (it runs in the load
generator's container).
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from main.core.errors import PipelineError
from main.core.mcp.endpoint import (
    DEFAULT_HEALTH_PATH,
    DEFAULT_MCP_PATH,
    check_path,
    check_seconds,
    check_url,
)

# Request kinds: the keys of the result's "requests" (a stable shape other checks read).
HEALTH = "health"
MCP_INITIALIZE = "mcp.initialize"
MCP_TOOLS_LIST = "mcp.tools_list"
MCP_TOOLS_CALL = "mcp.tools_call"
MCP_KINDS = (MCP_INITIALIZE, MCP_TOOLS_LIST, MCP_TOOLS_CALL)

MAX_USERS = 10_000  # one generator process holds a few thousand; more is a typo
MAX_WORKERS = 64  # each is a process (or a Dagger service) of its own; more is a typo
MAX_DURATION = 24 * 3600.0


def path_kind(path: str) -> str:
    """The kind name of an extra plain HTTP path: ``GET /metrics``."""
    return f"GET {path}"


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """Everything one load run needs; built by the CLI, the settings or the Dagger function."""

    url: str
    users: int = 10
    spawn_rate: float = 10.0
    duration_seconds: float = 30.0
    health_path: str | None = DEFAULT_HEALTH_PATH
    mcp_path: str | None = DEFAULT_MCP_PATH  # None: a plain HTTP service
    tool: str | None = None  # None: the first listed tool, if it needs no arguments
    tool_arguments: Mapping[str, Any] = field(default_factory=dict)
    health_weight: int = 1
    mcp_weight: int = 1
    paths: tuple[str, ...] = ()
    # Seconds from the start whose requests are reported but not judged; None: the ramp-up.
    warmup_seconds: float | None = None

    def __post_init__(self) -> None:
        """Refuse a spec that could only measure a mistake, naming the option to fix."""
        check_url(self.url)
        _check_count("--users", self.users, 1, MAX_USERS)
        _check_positive("--spawn-rate", self.spawn_rate)
        check_seconds("--duration", self.duration_seconds)
        if self.duration_seconds > MAX_DURATION:
            msg = f"--duration must be at most {MAX_DURATION:g} s, got {self.duration_seconds:g}"
            raise PipelineError(msg)
        if self.health_path is not None:
            check_path("--health-path", self.health_path)
        if self.mcp_path is not None:
            check_path("--mcp-path", self.mcp_path)
        for path in self.paths:
            check_path("--path", path)
        if len(set(self.paths)) != len(self.paths) or (self.health_path in self.paths):
            msg = "--path names a path twice (or the health path again): give each path once"
            raise PipelineError(msg)
        _check_count("--health-weight", self.health_weight, 0, 1000)
        _check_count("--mcp-weight", self.mcp_weight, 0, 1000)
        self._check_warmup()
        self._check_mix()

    def _check_warmup(self) -> None:
        warmup = self.warmup_seconds
        if warmup is None:
            return
        if isinstance(warmup, bool) or not (warmup >= 0 and math.isfinite(warmup)):
            msg = f"--warmup must be 0 or more seconds, got {warmup!r}"
            raise PipelineError(msg)
        if warmup >= self.duration_seconds:
            msg = (
                f"--warmup ({_given(warmup)} s) must be shorter than --duration "
                f"({_given(self.duration_seconds)} s): nothing would be judged"
            )
            raise PipelineError(msg)

    @property
    def warmup(self) -> float:
        """Seconds whose requests are not judged: as given, else the ramp-up.

        The ramp-up is rounded up to a whole second: Locust's users send their first
        request (the session's ``initialize``) tens of ms after their nominal start,
        so a 0.03 s ramp-up (3 users at 100/s) judged every one of them. Not rounded
        when that would leave nothing to judge; a ramp-up as long as the run leaves no
        warm-up at all (the ramp-up note says the run never reached its users).
        """
        if self.warmup_seconds is not None:
            return self.warmup_seconds
        ramp = self.users / self.spawn_rate
        if ramp >= self.duration_seconds:
            return 0.0
        rounded = float(math.ceil(ramp))
        return rounded if rounded < self.duration_seconds else ramp

    def kinds(self) -> list[str]:
        """Every request kind the run can produce, in report order."""
        plain = [HEALTH] if self.health_path is not None else []
        mcp = list(MCP_KINDS) if self.mcp_path is not None else []
        return [*plain, *mcp, *(path_kind(path) for path in self.paths)]

    def _check_mix(self) -> None:
        if self.mcp_path is None and (self.tool is not None or self.tool_arguments):
            msg = "--tool and --tool-args need MCP: leave out --no-mcp, or drop the tool"
            raise PipelineError(msg)
        if self.tool is None and self.tool_arguments:
            msg = "--tool-args needs --tool NAME: arguments belong to a named tool"
            raise PipelineError(msg)
        if self.tool is not None and not self.tool:
            msg = "--tool must be a tool name, got an empty string"
            raise PipelineError(msg)
        if not self.plain_paths and self.mcp_path is None:
            msg = "nothing to send: give --health-path or --path, or leave MCP on"
            raise PipelineError(msg)
        plain = self.health_weight if self.plain_paths else 0
        mcp = self.mcp_weight if self.mcp_path is not None else 0
        if plain + mcp == 0:
            msg = "--health-weight and --mcp-weight are both 0 for what is configured: raise one"
            raise PipelineError(msg)

    @property
    def base_url(self) -> str:
        """The URL without a trailing slash, so that paths join predictably."""
        return self.url.rstrip("/")

    @property
    def plain_paths(self) -> tuple[str, ...]:
        """Every plain HTTP path users GET: the health path first, then the extra paths."""
        health = () if self.health_path is None else (self.health_path,)
        return health + self.paths

    def ramp_up_note(self) -> str | None:
        """What the report must say when the run ends before every user has started.

        Locust starts one user at once and the next every ``1 / spawn_rate`` seconds, so
        a slow spawn rate (below 1, or many users) can leave most of them unstarted: the
        figures then measure fewer clients than ``users`` says.
        """
        ramp = self.users / self.spawn_rate
        if ramp <= self.duration_seconds:
            return None
        ran = min(self.users, math.floor(self.duration_seconds * self.spawn_rate) + 1)
        return (
            f"the ramp-up ({self.users} users at {self.spawn_rate:g} per second: "
            f"{_above(ramp, self.duration_seconds)} s) is longer than the "
            f"{_given(self.duration_seconds)} s run: "
            f"about {ran} of the {self.users} users ran"
        )

    def kind_of(self, path: str) -> str:
        """The kind a plain GET of ``path`` is counted under."""
        return HEALTH if path == self.health_path else path_kind(path)


def _given(value: float) -> str:
    """A number as the user gave it: every digit ``repr`` keeps, never an exponent.

    Rounding would make two different numbers read alike: ``--warmup 0.99999 --duration
    1`` must not read "(1 s) must be shorter than (1 s)".
    """
    return format(Decimal(repr(float(value))), "f").removesuffix(".0")


def _above(value: float, limit: float) -> str:
    """``value``, computed and above ``limit``, in the fewest decimals that read above it.

    One decimal at least: 16.7, not 16.666666666666668; 10.02, not 10.
    """
    for digits in range(1, 16):
        shown = round(value, digits)
        if shown > limit or shown == value:
            return _given(shown)
    return _given(value)


def check_workers(option: str, workers: int, *, least: int = 0) -> None:
    """Refuse a worker count that would start more processes or services than any run needs."""
    _check_count(option, workers, least, MAX_WORKERS)


def _check_count(option: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        msg = f"{option} must be a whole number from {low} to {high}, got {value!r}"
        raise PipelineError(msg)


def _check_positive(option: str, value: float) -> None:
    if isinstance(value, bool) or not (value > 0 and math.isfinite(value)):
        msg = f"{option} must be a positive number, got {value!r}"
        raise PipelineError(msg)
