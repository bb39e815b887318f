"""The _sdk decorators say a PipelineError as the user's one line, and nothing else changes."""

import inspect
import typing

import pytest

from main._sdk import FunctionError, one_line_errors
from main.core.errors import PipelineError


def refuse(ref: str = "") -> str:
    """A function that refuses its input."""
    msg = f"no such ref {ref!r}: pass a branch, tag or sha"
    raise PipelineError(msg)


async def refuse_later(ref: str = "") -> str:
    """The same, as a coroutine."""
    return refuse(ref)


def crash() -> str:
    """A bug, not a user's mistake."""
    msg = "a bug"
    raise KeyError(msg)


def test_a_pipeline_error_becomes_a_traceback_free_function_error() -> None:
    with pytest.raises(FunctionError) as caught:
        one_line_errors(refuse)("nope")
    assert str(caught.value) == "no such ref 'nope': pass a branch, tag or sha"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.anyio
async def test_a_coroutine_stays_a_coroutine_and_says_its_error_in_one_line() -> None:
    wrapped = one_line_errors(refuse_later)
    assert inspect.iscoroutinefunction(wrapped)  # the SDK awaits by the function's colour
    with pytest.raises(FunctionError, match="no such ref 'x'"):
        await wrapped("x")


def test_the_signature_and_hints_the_sdk_reads_are_the_functions_own() -> None:
    wrapped = one_line_errors(refuse_later)
    assert inspect.signature(wrapped, follow_wrapped=True) == inspect.signature(refuse_later)
    assert typing.get_type_hints(wrapped) == {"ref": str, "return": str}
    assert wrapped.__doc__ == refuse_later.__doc__


def test_a_bug_keeps_its_own_exception() -> None:
    with pytest.raises(KeyError):
        one_line_errors(crash)()
