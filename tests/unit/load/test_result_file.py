"""The master's JSON result file is never seen half-written by the reader polling for it.

In a distributed run the reader container waits with ``until [ -f load-test.json ]``
and copies the file as soon as it exists. The same shell loop runs here, in its own
process (so on another core), while the master's writer writes a large document: a
writer that truncates and fills the file in place shows it empty or cut.
"""

import json
import subprocess
from pathlib import Path

from main.core.load.cli import write_result

ROUNDS = 20
# Large enough that filling the file takes many write calls after it appears.
DOCUMENT = json.dumps({"passed": True, "notes": ["x" * 200] * 20_000}, indent=2)


def poll_then_read(path: Path) -> "subprocess.Popen[str]":
    """The reader's loop (src/main/load.py) watching ``path``, then printing it."""
    script = f"until [ -f '{path}' ]; do :; done; cat '{path}'"
    return subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE, text=True)


def test_the_reader_sees_the_whole_document_or_nothing(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        path = tmp_path / f"run-{round_}" / "load-test.json"
        path.parent.mkdir()
        reader = poll_then_read(path)
        try:
            write_result(str(path), DOCUMENT)
            seen, _ = reader.communicate(timeout=30)
        finally:
            reader.kill()
            reader.wait()
        # Compared as a flag: pytest's diff of two megabyte strings takes minutes.
        whole = seen == DOCUMENT + "\n"
        assert whole, f"round {round_}: the reader saw {len(seen)} of {len(DOCUMENT) + 1} chars"


def test_no_temporary_file_is_left_beside_the_result(tmp_path: Path) -> None:
    # The reader copies the folder's files: only the result (and Locust's CSVs) belong there.
    write_result(str(tmp_path / "load-test.json"), DOCUMENT)
    write_result(str(tmp_path / "load-test.json"), "{}")  # a second write replaces the first
    assert [p.name for p in tmp_path.iterdir()] == ["load-test.json"]
    assert (tmp_path / "load-test.json").read_text(encoding="utf-8") == "{}\n"
