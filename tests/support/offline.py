"""Answer the few file reads a function awaits, from the local disk, without an engine.

Functions read ``pyproject.toml`` before they plan containers. In the plan tier the
lazy chain is the SDK's own; only the final round trip (``exists``, ``contents``) is
answered here, by resolving a ``host().directory(...)`` chain to a local path. Any
other chain is refused, so a test cannot silently read something the engine would not.
"""

from pathlib import Path

import dagger
import pytest

from tests.support.lazy import calls


def local_path(obj: dagger.Directory | dagger.File) -> Path:
    """The local path a ``host().directory(p)[.directory(q)...][.file(f)]`` chain names."""
    chain = calls(obj)
    if [c.name for c in chain[:2]] != ["host", "directory"]:
        msg = f"offline reads only follow host().directory(...), not {[c.name for c in chain]}"
        raise AssertionError(msg)
    path = Path(chain[1].args["path"])
    for call in chain[2:]:
        if call.name not in {"directory", "file"}:
            msg = f"offline reads cannot follow {call.type_name}.{call.name}"
            raise AssertionError(msg)
        path = path / call.args["path"]
    return path


def answer_reads_from_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch ``Directory.exists`` and ``File.contents`` to read the local disk."""

    async def exists(self: dagger.Directory, path: str, **_: object) -> bool:
        return (local_path(self) / path).exists()

    async def contents(self: dagger.File, **_: object) -> str:
        return local_path(self).read_text(encoding="utf-8")

    monkeypatch.setattr(dagger.Directory, "exists", exists)
    monkeypatch.setattr(dagger.File, "contents", contents)
