"""Typed forms of the SDK's function decorators.

In dagger-io 0.21 the decorators' stubs leave their return type unresolved, so a
decorated method loses its signature for mypy and for every caller in the tests. These
register the function exactly as the SDK's own decorators do and hand back the same
callable with its type intact. ``uncached_function`` also names the intent of
``cache="never"``: publish, deploy, scan and smoke results must never come from the
engine's 7-day function cache.

Every one of them also turns :class:`PipelineError` (a mistake the user can fix) into
the SDK's traceback-free function error, so no function body needs a hand-placed
``with user_errors()``: whatever the core refuses reaches the user as its one line.
"""

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar, cast

import dagger

# Not re-exported by the SDK's top-level package in 0.21; it is the documented escape
# hatch ("to fully control logging from user code") in dagger.mod._module.
from dagger.mod._exceptions import FunctionError

from main.core.errors import PipelineError

__all__ = ["FunctionError", "user_errors"]


@contextmanager
def user_errors() -> Iterator[None]:
    """Re-raise :class:`PipelineError` as a traceback-free function error."""
    try:
        yield
    except PipelineError as exc:
        raise FunctionError(str(exc)) from None


P = ParamSpec("P")
R = TypeVar("R")


def one_line_errors(func: Callable[P, R]) -> Callable[P, R]:
    """``func`` with :class:`PipelineError` raised as a traceback-free function error.

    The wrapper keeps the signature and annotations (``functools.wraps``; the SDK reads
    both through ``__wrapped__``) and the coroutine colour the SDK checks.
    """
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def run_async(*args: P.args, **kwargs: P.kwargs) -> object:
            with user_errors():
                return await func(*args, **kwargs)

        return cast("Callable[P, R]", run_async)

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with user_errors():
            return func(*args, **kwargs)

    return run


def function(func: Callable[P, R]) -> Callable[P, R]:
    """Expose a method as a Dagger function, cached by the engine's default policy."""
    func = one_line_errors(func)
    dagger.function(func)
    return func


def uncached_function(func: Callable[P, R]) -> Callable[P, R]:
    """Expose a method whose every call must run: it has effects or reads live state."""
    func = one_line_errors(func)
    # The overloads of dagger.function in 0.21 omit the `cache` keyword it accepts.
    dagger.function(cache="never")(func)  # type: ignore[call-overload]
    return func


def check(func: Callable[P, R]) -> Callable[P, R]:
    """Expose a method as a function that ``dagger check`` runs."""
    func = one_line_errors(func)
    dagger.check(func)
    dagger.function(func)
    return func


def up(func: Callable[P, R]) -> Callable[P, R]:
    """Expose a method returning a service as a function ``dagger up`` can serve."""
    func = one_line_errors(func)
    dagger.up(func)
    dagger.function(cache="never")(func)  # type: ignore[call-overload]
    return func


def uncached_check(func: Callable[P, R]) -> Callable[P, R]:
    """A check whose result must not come from the function cache.

    A check that reads a git ref by name (``--ref develop``) would otherwise keep
    answering for the commit the branch pointed at a week ago. The work inside stays
    cached by the engine's layer cache, so an unchanged commit still checks in seconds.
    """
    func = one_line_errors(func)
    dagger.check(func)
    dagger.function(cache="never")(func)  # type: ignore[call-overload]
    return func
