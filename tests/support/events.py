"""GitHub event payloads as the host files `--event ./event.json` names."""

import json
from pathlib import Path
from typing import Any

from dagger import dag


def event_file(folder: Path, payload: Any, name: str = "event.json") -> Any:  # noqa: ANN401
    """Write ``payload`` as JSON and give it as the host file `--event ./event.json` names."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    (folder / name).write_text(text, encoding="utf-8")
    return dag.host().directory(str(folder)).file(name)
