"""Running the real `dagger` CLI from the engine tier."""

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.support.constants import REPO_ROOT

DaggerCall = Callable[..., subprocess.CompletedProcess[str]]

# A container for Dagger Shell's ``$(...)``: an app that opens its port (so it starts),
# never answers, and exits after a few seconds, while a checker bound to it still waits
# for it to become ready. It says goodbye, so its logs can be looked for.
LEAVING_APP = (
    "container | from python:3.12-slim | with-exposed-port 8000 | with-default-args -- "
    "python -c \"import socket, time; s = socket.create_server(('0.0.0.0', 8000)); "
    "time.sleep(4); print('app: leaving now', flush=True)\""
)


def git(*args: str) -> str:
    """``git <args>`` in this repository; its trimmed output."""
    done = subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=30
    )
    return done.stdout.strip()


def exported_report(dagger: DaggerCall, folder: Path, *call: str) -> dict[str, object]:
    """Run a workflow (``call``) with --fail=false, export its report folder, read report.json."""
    result = dagger(*call, "--fail=false", "report", "export", "--path", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (folder / "report.md").read_text(encoding="utf-8").strip()
    report: dict[str, object] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return report


def statuses(report: dict[str, object]) -> dict[str, str]:
    """Each stage's status in a report, by stage name."""
    stages = report["stages"]
    assert isinstance(stages, list)
    return {stage["name"]: stage["status"] for stage in stages}
