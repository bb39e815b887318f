"""Running the users with Locust in this process: alone, as a master, or as a worker.

The run is bounded by its duration whatever the target does: the runner sleeps for
the duration, then stops every user at once (Locust kills their greenlets, so a
request stuck on a hanging server ends there), with a hard limit on the stop itself.
Requests still in flight at that moment are not counted; the figures cover the stated
duration only, and the result says how many of each kind were still waiting (a kind
that only hangs fails the run instead of passing without figures).

Samples (kind, end time, milliseconds, error) are recorded from Locust's ``request``
event. In distributed mode each worker sends its samples with Locust's regular worker
report and, at the end, the rest in a final message the master waits for, so the
master's figures are computed from every request of every worker; the run then ends
when the last worker stopped (its users run until the stop message reaches them, a
few milliseconds past the duration), so none of their finished requests is left out.

Importing this module imports Locust, which monkey-patches the standard library for
gevent (``python -m main.core.load`` does that first thing): ``time.sleep`` here yields
to the users' greenlets, and greenlets are started through the runner's own pool.
"""

import csv
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import gevent  # type: ignore[import-untyped] # Locust's own dependency, without stubs
from gevent.event import Event  # type: ignore[import-untyped]
from locust.env import Environment
from locust.exception import RPCError
from locust.runners import MasterRunner, Runner, WorkerRunner
from locust.stats import PERCENTILES_TO_REPORT, StatsCSVFileWriter

from main.core.errors import PipelineError
from main.core.load.abort import beyond_recovery
from main.core.load.figures import RunFigures, Sample
from main.core.load.result import LoadResult, report
from main.core.load.spec import LoadSpec
from main.core.load.thresholds import Thresholds
from main.core.load.user import McpUser

ABORT_CHECK = 0.25  # seconds between checks of --abort-on-breach
STOP_LIMIT = 5.0  # seconds the stop itself may take before the run is cut regardless
FINAL_WAIT = 10.0  # seconds the master waits for the workers' last samples
CONNECT_TIMEOUT = 60.0  # seconds the master waits for its workers to connect
STOP_MESSAGE = "pipeline_stop"
FINAL_MESSAGE = "pipeline_final"
REPORT_KEY = "pipeline_samples"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Recorder:
    """The run's figures as requests finish; the users' notes; what a worker must send.

    A local run or a master folds every sample into :class:`RunFigures` at once (memory
    flat in the run's length); a worker only buffers the samples since its last report.
    """

    def __init__(self) -> None:
        """Start empty; :meth:`start` begins the figures (a worker never does)."""
        self.figures: RunFigures | None = None
        self.pending: list[Sample] = []  # a worker's samples not yet sent to its master
        self.notes: dict[str, None] = {}
        self.waiting: Counter[str] = Counter()  # requests sent and not yet answered, by kind
        self._sent_notes = 0

    def start(self, started: float, planned_seconds: float, warmup: float = 0.0) -> None:
        """The run starts now: samples go into its figures from here on."""
        self.figures = RunFigures(started, planned_seconds, warmup)
        self.figures.add_all(self.pending)
        self.pending = []

    def _add(self, sample: Sample) -> None:
        if self.figures is None:
            self.pending.append(sample)
        else:
            self.figures.add(sample)

    def on_request(
        self,
        request_type: str,  # noqa: ARG002 - part of the event
        name: str,
        response_time: float,
        exception: BaseException | None = None,
        **_: Any,  # noqa: ANN401 - the event's other keywords
    ) -> None:
        """Locust's ``request`` event: count the sample."""
        error = None if exception is None else str(exception)
        self._add(Sample(name, time.time(), float(response_time), error))

    def note(self, text: str) -> None:
        """Keep a remark once."""
        self.notes.setdefault(text, None)

    def begin(self, kind: str) -> None:
        """A request of ``kind`` was sent."""
        self.waiting[kind] += 1

    def end(self, kind: str) -> None:
        """A request of ``kind`` ended (a request the stop killed never does)."""
        self.waiting[kind] -= 1

    def drain(self, *, final: bool = False) -> dict[str, Any]:
        """What arrived since the last drain, in a form Locust's messages carry.

        The ``final`` drain, after the stop, also says what was still waiting then.
        """
        fresh, self.pending = self.pending, []
        notes = list(self.notes)[self._sent_notes :]
        self._sent_notes = len(self.notes)
        drained: dict[str, Any] = {
            "samples": [[s.kind, s.ended, s.ms, s.error] for s in fresh],
            "notes": notes,
        }
        if final:
            drained["in_flight"] = dict(+self.waiting)
        return drained

    def absorb(self, data: object) -> None:
        """Add a worker's drained samples (anything malformed is left out)."""
        if not isinstance(data, dict):
            return
        for row in data.get("samples", []):
            with suppress(TypeError, ValueError):
                kind, ended, ms, error = row
                self._add(
                    Sample(
                        str(kind), float(ended), float(ms), None if error is None else str(error)
                    )
                )
        for text in data.get("notes", []):
            self.note(str(text))
        waiting = data.get("in_flight", {})
        for kind, count in waiting.items() if isinstance(waiting, dict) else ():
            with suppress(TypeError, ValueError):
                self.waiting[str(kind)] += int(count)


def user_class(spec: LoadSpec, recorder: Recorder) -> type[McpUser]:
    """The user class of this run (one name on every node, so the master can dispatch it)."""
    return type("McpLoadUser", (McpUser,), {"spec": spec, "notes": recorder, "abstract": False})


def _environment(spec: LoadSpec, recorder: Recorder) -> Environment:
    environment = Environment(
        user_classes=[user_class(spec, recorder)], host=spec.base_url, stop_timeout=0
    )
    environment.events.request.add_listener(recorder.on_request)  # type: ignore[no-untyped-call]
    return environment


@contextmanager
def _csv(environment: Environment, runner: Runner, prefix: str | None) -> Iterator[None]:
    """Locust's own CSV files (stats, history, failures, exceptions) at ``prefix``."""
    if prefix is None:
        yield
        return
    Path(prefix).parent.mkdir(parents=True, exist_ok=True)
    writer = StatsCSVFileWriter(environment, PERCENTILES_TO_REPORT, prefix, full_history=True)
    greenlet = runner.greenlet.spawn(writer.stats_writer)
    try:
        yield
    finally:
        greenlet.kill(block=True)
        writer.close_files()
        # The writer rewrites its snapshot once a second: write the final one now.
        for suffix, write in (
            ("stats", writer.requests_csv),
            ("failures", writer.failures_csv),
            ("exceptions", writer.exceptions_csv),
        ):
            with Path(f"{prefix}_{suffix}.csv").open("w", encoding="utf-8", newline="") as handle:
                write(csv.writer(handle))


def _stop(runner: Runner) -> None:
    """Stop every user; past ``STOP_LIMIT`` give up waiting (the process ends anyway)."""
    runner.greenlet.spawn(runner.quit).join(timeout=STOP_LIMIT)


class Interrupt:
    """SIGTERM or SIGINT: the run ends early, as at its planned end, with its figures.

    Every process it started is stopped and the figures of what ran are reported. The
    signal is handled by gevent's loop, so it never lands as an exception in the middle
    of Locust, and nothing started is left behind (the workers used to load the target
    for another minute after their master was killed).
    """

    def __init__(self) -> None:
        """Not interrupted yet."""
        self.event = Event()
        self.signal: str | None = None

    def _on(self, signum: int) -> None:
        if self.signal is None:
            self.signal = signal.Signals(signum).name
        self.event.set()

    @contextmanager
    def installed(self) -> Iterator["Interrupt"]:
        """Handle SIGTERM and SIGINT while the block runs."""
        handlers = [gevent.signal_handler(sig, self._on, sig) for sig in STOP_SIGNALS]
        try:
            yield self
        finally:
            for handler in handlers:
                handler.cancel()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or less when a signal comes."""
        self.event.wait(seconds)

    @property
    def stopped(self) -> bool:
        """Whether a signal came."""
        return bool(self.event.is_set())


def _result(  # noqa: PLR0913 - the run, what recorded it and how it ended
    spec: LoadSpec,
    *,
    recorder: Recorder,
    started: float,
    ended: float,
    workers: int,
    interrupt: Interrupt,
    aborted: str | None = None,
) -> LoadResult:
    ramp = spec.ramp_up_note()
    if ramp is not None and not interrupt.stopped:
        recorder.note(ramp)
    if recorder.figures is None:
        recorder.start(started, spec.duration_seconds, spec.warmup)
    figures = recorder.figures
    assert figures is not None  # noqa: S101 - started just above
    return report(
        figures,
        target=spec.url,
        users=spec.users,
        ended=ended,
        kinds=spec.kinds(),
        notes=recorder.notes,
        workers=workers,
        in_flight=recorder.waiting,
        interrupted=interrupt.signal,
        aborted=aborted,
    )


def run_local(
    spec: LoadSpec, *, csv_prefix: str | None = None, thresholds: Thresholds | None = None
) -> LoadResult:
    """Run every user in this process for the spec's duration; the (unjudged) result.

    SIGTERM or SIGINT end it early with the figures of what ran, and so does a limit
    broken beyond recovery when ``thresholds`` ask to abort on a breach.
    """
    recorder = Recorder()
    environment = _environment(spec, recorder)
    runner = environment.create_local_runner()
    with Interrupt().installed() as interrupt, _csv(environment, runner, csv_prefix):
        started = time.time()
        recorder.start(started, spec.duration_seconds, spec.warmup)
        runner.start(spec.users, spawn_rate=spec.spawn_rate)
        aborted = _run_for(spec, recorder, interrupt, thresholds)
        ended = time.time()
        _hold_after(recorder, ended)
        _stop(runner)
    return _result(
        spec,
        recorder=recorder,
        started=started,
        ended=ended,
        workers=0,
        interrupt=interrupt,
        aborted=aborted,
    )


def _run_for(
    spec: LoadSpec, recorder: Recorder, interrupt: Interrupt, thresholds: Thresholds | None
) -> str | None:
    """Let the users run for the duration; the breach that ended it early, if one did."""
    if thresholds is None or not thresholds.abort_on_breach:
        interrupt.sleep(spec.duration_seconds)
        return None
    figures = recorder.figures
    assert figures is not None  # noqa: S101 - the run has started
    end = figures.started + spec.duration_seconds
    while (now := time.time()) < end and not interrupt.stopped:
        breach = beyond_recovery(figures, thresholds, now=now, end=end)
        if breach is not None:
            recorder.note(
                f"stopped after {now - figures.started:.1f} s of {spec.duration_seconds:g} s "
                f"(--abort-on-breach): {breach}"
            )
            return breach
        interrupt.sleep(min(ABORT_CHECK, end - now))
    return None


def _hold_after(recorder: Recorder, moment: float) -> None:
    if recorder.figures is not None:
        recorder.figures.hold_after(moment)


def _wait_for(condition: Callable[[], bool], seconds: float, interrupt: Interrupt) -> bool:
    limit = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= limit or interrupt.stopped:
            return False
        interrupt.sleep(0.05)
    return True


def run_master(  # noqa: PLR0913 - the run, its workers and where they connect
    spec: LoadSpec,
    *,
    workers: int,
    bind_host: str = "*",
    bind_port: int = 5557,
    csv_prefix: str | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    on_bound: Callable[[int], None] | None = None,
    thresholds: Thresholds | None = None,
) -> LoadResult:
    """Drive ``workers`` remote workers for the duration; the result from all their samples.

    ``on_bound`` is called with the port once the master listens (port 0 picks one).
    SIGTERM or SIGINT end the run early: the workers are stopped and their last samples
    collected as at the planned end.

    Raises:
        PipelineError: the port is taken, the workers did not all connect in time, or a
            signal came before they did.
    """
    recorder = Recorder()
    environment = _environment(spec, recorder)
    try:
        runner: MasterRunner = environment.create_master_runner(bind_host, bind_port)
    except RPCError as exc:  # a taken port, an unknown interface
        msg = f"the load master cannot listen on {bind_host}:{bind_port}: {exc}"
        raise PipelineError(msg) from None
    finals: dict[str, float] = {}  # worker id -> when its last samples arrived
    stopped = False

    def final(environment: Environment, msg: Any, **_: Any) -> None:  # noqa: ANN401, ARG001
        recorder.absorb(msg.data)
        finals[msg.node_id] = time.time()

    runner.register_message(FINAL_MESSAGE, final)
    environment.events.worker_report.add_listener(  # type: ignore[no-untyped-call]
        lambda client_id, data, **_: recorder.absorb(data.get(REPORT_KEY))  # noqa: ARG005
    )
    with Interrupt().installed() as interrupt:
        try:
            if on_bound is not None:
                on_bound(runner.server.port)
            ready = lambda: len(runner.clients.ready) >= workers  # noqa: E731
            if not _wait_for(ready, connect_timeout, interrupt):
                msg = f"only {len(runner.clients.ready)} of {workers} load workers connected " + (
                    f"when {interrupt.signal} stopped the run"
                    if interrupt.stopped
                    else f"within {connect_timeout:g} s"
                )
                raise PipelineError(msg)
            with _csv(environment, runner, csv_prefix):
                started = time.time()
                recorder.start(started, spec.duration_seconds, spec.warmup)
                runner.start(spec.users, spawn_rate=spec.spawn_rate)
                aborted = _run_for(spec, recorder, interrupt, thresholds)
                ended = time.time()
                _hold_after(recorder, ended)
                expected = {client.id for client in runner.clients.all}
                runner.send_message(STOP_MESSAGE)
                _wait_for(lambda: expected <= finals.keys(), FINAL_WAIT, Interrupt())
                missing = len(expected - finals.keys())
                if missing:
                    recorder.note(
                        f"{missing} worker(s) sent no final samples: figures may be short"
                    )
                elif finals:
                    # The workers' users ran until the stop reached them: the run ends when
                    # the last one stopped, so that every request they finished is counted.
                    ended = max(ended, *finals.values())
                _stop(runner)  # Locust's final statistics arrive here, before the CSV closes
                stopped = True
        finally:
            if not stopped:
                _stop(runner)
    return _result(
        spec,
        recorder=recorder,
        started=started,
        ended=ended,
        workers=workers,
        interrupt=interrupt,
        aborted=aborted,
    )


def run_worker(spec: LoadSpec, *, master_host: str, master_port: int) -> None:
    """Serve a master until it says quit: run its users, send every sample back."""
    recorder = Recorder()
    environment = _environment(spec, recorder)
    runner: WorkerRunner = environment.create_worker_runner(master_host, master_port)

    def stop(environment: Environment, **_: Any) -> None:  # noqa: ANN401, ARG001
        runner.greenlet.spawn(runner.stop).join(timeout=STOP_LIMIT)
        runner.send_message(FINAL_MESSAGE, recorder.drain(final=True))

    runner.register_message(STOP_MESSAGE, stop)
    environment.events.report_to_master.add_listener(  # type: ignore[no-untyped-call]
        lambda client_id, data, **_: data.update({REPORT_KEY: recorder.drain()})  # noqa: ARG005
    )
    runner.greenlet.join()


def run_with_local_workers(
    spec: LoadSpec,
    argv: Sequence[str],
    *,
    workers: int,
    csv_prefix: str | None = None,
    thresholds: Thresholds | None = None,
) -> LoadResult:
    """A master here and ``workers`` worker processes on this machine (one core each).

    ``argv`` is the spec as command-line arguments; each worker gets it with
    ``--worker`` and the master's port. Every worker is stopped by its own handle. They
    run in a session of their own, so a Ctrl-C in a terminal reaches the master alone,
    which stops them and still collects their samples.
    """
    processes: list[subprocess.Popen[bytes]] = []

    def start_workers(port: int) -> None:
        for _ in range(workers):
            command = [sys.executable, "-m", "main.core.load", *argv, "--worker"]
            command += ["--master-host=127.0.0.1", f"--master-port={port}"]
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own module, our own arguments
                    command,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )

    try:
        return run_master(
            spec,
            workers=workers,
            bind_host="127.0.0.1",
            bind_port=0,
            csv_prefix=csv_prefix,
            on_bound=start_workers,
            thresholds=thresholds,
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=STOP_LIMIT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
