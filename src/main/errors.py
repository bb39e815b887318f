"""Expected mistakes reach the user as one line, without a Python traceback.

The SDK logs a full traceback for any exception a function raises, except its own
``FunctionError``, which it treats as already handled. Core code raises
:class:`~main.core.errors.PipelineError`; this is the one place that translates it.
"""

from collections.abc import Iterator
from contextlib import contextmanager

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
