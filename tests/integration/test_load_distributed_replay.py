"""Replay a distributed load run's recorded commands here, under the engine's binding rule.

No engine runs here, but the plan records the master's, every worker's and the reader's
command. They run here for real (Locust against a plain HTTP server on 127.0.0.1), with
the folders and the master's address mapped onto this machine, and the rule Dagger 0.21
applies to services bound to an exec (``monitorServiceBindings``): if any of them exits
before the reader's exec has finished, even with status 0, the reader is cancelled.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagger

from main.core.config import PipelineConfig, validate_config
from main.core.service import load_service
from main.load import MASTER_ALIAS, MASTER_PORT, OUT, RESULTS, plan
from tests.support.constants import REPO_ROOT, SAMPLE_SUBPATH
from tests.support.lazy import calls, find, plain_env
from tests.support.load_servers import shaped_server
from tests.support.processes import free_port

WORKERS = 2
LOAD = {"users": 2, "spawn-rate": 10, "duration": 2}


def config() -> PipelineConfig:
    text = (REPO_ROOT / SAMPLE_SUBPATH / "pyproject.toml").read_text(encoding="utf-8")
    table = load_service(text).config.model_dump(by_alias=True)
    # health GETs only: the server speaks no MCP
    table |= {"load": LOAD, "smoke": {**table["smoke"], "mcp": False}}
    return validate_config(table)


def on_this_machine(script: str, folder: Path, port: int) -> str:
    """The recorded shell line with the container's paths and addresses mapped here."""
    return (
        script.replace("python -m main.core.load", f"{sys.executable} -m main.core.load")
        .replace(RESULTS, str(folder / "results"))
        .replace(f"{OUT}/", f"{folder / 'out'}/")
        .replace(f" {OUT} ", f" {folder / 'out'} ")
        .replace(f"--master-host={MASTER_ALIAS}", "--master-host=127.0.0.1")
        .replace(f"--master-port={MASTER_PORT}", f"--master-port={port}")
        .replace(f"--master-bind-port={MASTER_PORT}", f"--master-bind-port={port}")
    )


def start(script: list[str], env: dict[str, str]) -> "subprocess.Popen[str]":
    # A session of its own: the service's shell and its Locust child stop together.
    return subprocess.Popen(
        script, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def stop(process: "subprocess.Popen[str]") -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


def test_no_bound_service_exits_before_the_reader_has_the_result(tmp_path: Path) -> None:
    with shaped_server() as (base, _):
        replay_distributed_run(base, tmp_path)


def replay_distributed_run(base: str, tmp_path: Path) -> None:
    run = plan(config(), config().load, image=None, url=base, workers=WORKERS)
    port = free_port()
    env = {**os.environ, **plain_env(run), "PYTHONPATH": str(REPO_ROOT / "src")}
    services: dict[str, list[str]] = {}
    for binding in find(run, "withServiceBinding"):
        args = calls(binding.args["service"])[-1].args["args"]
        services[binding.args["alias"]] = [*args[:2], on_this_machine(args[2], tmp_path, port)]
    reader = find(run, "withExec")[-1]
    assert reader.args["expect"] == dagger.ReturnType.ANY.value
    reader_script = [
        *reader.args["args"][:2],
        on_this_machine(reader.args["args"][2], tmp_path, port),
    ]

    started = {alias: start(script, env) for alias, script in services.items()}
    reading = start(reader_script, env)
    exited: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 120
        while reading.poll() is None and time.monotonic() < deadline:
            exited |= {a: p.returncode for a, p in started.items() if p.poll() is not None}
            if exited:
                break  # the engine would cancel the reader here
            time.sleep(0.05)
        assert not exited, f"services exited while the reader waited (it is cancelled): {exited}"
        out, err = reading.communicate(timeout=10)
    finally:
        for process in [reading, *started.values()]:
            stop(process)
    assert reading.returncode == 0, err
    document = json.loads(out)
    assert document["workers"] == WORKERS
    assert sum(kind["count"] for kind in document["requests"].values()) > 0
    assert (tmp_path / "out" / "load-test.json").read_text(encoding="utf-8").strip() == out.strip()
