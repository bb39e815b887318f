"""Answer the few file reads a function awaits, from the local disk, without an engine.

Functions read ``pyproject.toml`` before they plan containers. In the plan tier the
lazy chain is the SDK's own; only the final round trip (``exists``, ``contents``) is
answered here, by resolving a ``host().directory(...)`` chain to a local path. Any
other chain is refused, so a test cannot silently read something the engine would not.
Exclusions on the way (``host().directory(p, exclude=...)``, ``filter(exclude=...)``)
hide what they name, as the engine's would; only plain names are followed, which
match at the top of the folder they filter, like the engine's patterns without a slash
or a wildcard.
"""

from dataclasses import dataclass, field
from pathlib import Path

import dagger
import pytest

from tests.support.lazy import Call, calls

_PATTERN_SIGNS = set("*?[]/!")


@dataclass
class _Resolved:
    """Where a chain points on disk, and the names each filter on the way leaves out."""

    path: Path
    hidden: list[tuple[Path, set[str]]] = field(default_factory=list)

    def visible(self, relative: str = "") -> Path | None:
        """``relative`` under the chain's path on disk, or ``None`` when filtered out."""
        target = self.path / relative if relative else self.path
        for where, names in self.hidden:
            parts = target.relative_to(where).parts
            if parts and parts[0] in names:
                return None
        return target


def _excluded(call: Call) -> set[str]:
    patterns = list(call.args.get("exclude") or [])
    unknown = set(call.args) - {"path", "exclude"}
    if unknown or any(_PATTERN_SIGNS & set(pattern) for pattern in patterns):
        msg = f"offline reads follow exclusions of plain names only, not {call.name}{call.args}"
        raise AssertionError(msg)
    return set(patterns)


def _resolve(obj: dagger.Directory | dagger.File) -> _Resolved:
    chain = calls(obj)
    if [c.name for c in chain[:2]] != ["host", "directory"]:
        msg = f"offline reads only follow host().directory(...), not {[c.name for c in chain]}"
        raise AssertionError(msg)
    resolved = _Resolved(Path(chain[1].args["path"]))
    resolved.hidden.append((resolved.path, _excluded(chain[1])))
    for call in chain[2:]:
        if call.name == "filter":
            resolved.hidden.append((resolved.path, _excluded(call)))
        elif call.name in {"directory", "file"}:
            resolved.path /= call.args["path"]
        else:
            msg = f"offline reads cannot follow {call.type_name}.{call.name}"
            raise AssertionError(msg)
    return resolved


_KINDS = {
    dagger.ExistsType.DIRECTORY_TYPE: Path.is_dir,
    dagger.ExistsType.REGULAR_TYPE: Path.is_file,
    dagger.ExistsType.SYMLINK_TYPE: Path.is_symlink,
}


def exists_on_disk(
    directory: dagger.Directory, path: str, expected_type: dagger.ExistsType | None = None
) -> bool:
    """``Directory.exists`` as the engine answers it, from the disk."""
    target = _resolve(directory).visible(path)
    if target is None:
        return False
    return target.exists() if expected_type is None else _KINDS[expected_type](target)


def text_on_disk(file: dagger.File) -> str:
    """``File.contents`` as the engine answers it, from the disk."""
    resolved = _resolve(file)
    target = resolved.visible()
    if target is None:
        msg = f"the chain reads {resolved.path}, which a filter on the way leaves out"
        raise AssertionError(msg)
    return target.read_text(encoding="utf-8")


def answer_reads_from_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch ``Directory.exists`` and ``File.contents`` to read the local disk."""

    async def exists(
        self: dagger.Directory,
        path: str,
        *,
        expected_type: dagger.ExistsType | None = None,
        **_: object,
    ) -> bool:
        return exists_on_disk(self, path, expected_type)

    async def contents(self: dagger.File, **_: object) -> str:
        return text_on_disk(self)

    monkeypatch.setattr(dagger.Directory, "exists", exists)
    monkeypatch.setattr(dagger.File, "contents", contents)


def answer_secrets_from_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Patch ``Secret.plaintext`` to return what the ``setSecret`` call that made it holds."""

    async def plaintext(self: dagger.Secret) -> str:
        (made,) = [call for call in calls(self) if call.name == "setSecret"]
        return str(made.args["plaintext"])

    monkeypatch.setattr(dagger.Secret, "plaintext", plaintext)
