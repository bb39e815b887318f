"""Answer the leaf reads of the validate/build/publish stages without an engine.

Like ``offline.py``, these stand in only for the final round trip of a lazy chain,
and check that the chain is the one the engine would be asked: the commit of a git
ref, the git container's output, an exec's exit code and output, a push.
"""

from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any, cast

import dagger
import pytest
from dagger._exceptions import QueryErrorValue

from main.source import GIT_IMAGE
from tests.support.constants import SHA
from tests.support.lazy import calls

# 2025-10-15 14:30:52 UTC, the example.
COMMITTED = 1760538652


def query_error(message: str, **extensions: Any) -> dagger.QueryError:  # noqa: ANN401
    """The error the SDK raises for an engine error (an ExecError for ``_type=EXEC_ERROR``)."""
    request = cast("Any", SimpleNamespace(document=None))
    return dagger.QueryError([QueryErrorValue(message, extensions=extensions)], request)


def is_git_log(container: dagger.Container) -> bool:
    """Whether ``container`` is the pinned git container that reads a commit."""
    chain = calls(container)
    return chain[1].name == "from" and chain[1].args["address"] == GIT_IMAGE


def answer_commit(
    monkeypatch: pytest.MonkeyPatch, sha: str = SHA, seconds: int = COMMITTED
) -> None:
    """``GitRef.commit`` gives ``sha``; the git container prints ``sha seconds``."""

    async def commit(self: dagger.GitRef) -> str:
        assert calls(self)[-1].name in {"head", "ref"}
        return sha

    async def stdout(self: dagger.Container) -> str:
        if not is_git_log(self):
            msg = f"only the git container's output is answered offline, not {calls(self)}"
            raise AssertionError(msg)
        return f"{sha} {seconds}\n"

    monkeypatch.setattr(dagger.GitRef, "commit", commit)
    monkeypatch.setattr(dagger.Container, "stdout", stdout)


ExecAnswer = Callable[[list[str]], Awaitable[tuple[int, str]]]


def answer_execs(monkeypatch: pytest.MonkeyPatch, answer: ExecAnswer) -> list[list[str]]:
    """Answer ``exit_code``/``combined_output`` of a chain by its last exec's argv.

    Returns the list of argv that were asked about, in order, for assertions.
    """
    asked: list[list[str]] = []

    def last_exec(container: dagger.Container) -> list[str]:
        execs = [call for call in calls(container) if call.name == "withExec"]
        assert execs, "an exec result was read from a container that runs nothing"
        assert execs[-1].args.get("expect") == dagger.ReturnType.ANY.value, "a failure must be read"
        return list(execs[-1].args["args"])

    async def exit_code(self: dagger.Container) -> int:
        argv = last_exec(self)
        asked.append(argv)
        return (await answer(argv))[0]

    async def combined_output(self: dagger.Container) -> str:
        return (await answer(last_exec(self)))[1]

    monkeypatch.setattr(dagger.Container, "exit_code", exit_code)
    monkeypatch.setattr(dagger.Container, "combined_output", combined_output)
    return asked
