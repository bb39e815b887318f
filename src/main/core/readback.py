"""Reading back a JSON result the pipeline wrote: whatever the text holds, one bounded line.

A result file (a smoke report, a load-test result, a deploy result) comes back from a
container's output or from a file a user hands over, so it may be a crash message, a
truncated write, bytes that are not UTF-8, a number of 5000 digits, a list nested a
hundred thousand deep, or valid JSON of the wrong shape. The JSON parser answers those
with ``ValueError``, ``UnicodeDecodeError`` or ``RecursionError``, and building the
dataclasses with ``KeyError``, ``TypeError``, ``AttributeError`` or ``OverflowError``;
every reader turns them into the same :class:`PipelineError`, ``not a <what>: <why>``,
its reason scrubbed and cut (it may quote the text, and the text may quote a URL's
password). Standard library only: the smoke checker and the load generator use it
inside bare containers.
"""

import json
from types import TracebackType
from typing import Any

from main.core.errors import PipelineError
from main.core.text import clip

WHY_LIMIT = 200  # characters of the reason, after scrubbing
# What is scrubbed and shown of a text that is not JSON: more than the limit, so a
# credential near the cut is still seen whole by the scrubber, never a 2 MB page.
_QUOTED = 4 * WHY_LIMIT


def not_a(what: str, why: str) -> PipelineError:
    """The one line for a text that is not a ``what``, ``why`` scrubbed and cut."""
    return PipelineError(f"not a {what}: {clip(why, WHY_LIMIT)}")


def json_object(text: str | bytes, what: str) -> dict[str, Any]:
    """The JSON object ``text`` holds.

    Raises:
        PipelineError: ``not a <what>: ...`` when it holds no JSON object.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise not_a(what, _not_json(text, exc)) from None
    except UnicodeDecodeError as exc:
        why = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise not_a(what, why) from None
    except ValueError as exc:  # a number of 4300+ digits; the advice after ";" is for coders
        raise not_a(what, str(exc).split(";", 1)[0]) from None
    except RecursionError:  # the parser recurses once per level of nesting
        raise not_a(what, f"nested deeper than any {what}") from None
    if not isinstance(data, dict):
        raise not_a(what, f"expected a JSON object, got {json_kind(data)}")
    return data


def reading(what: str) -> "Reading":
    """A block that builds a ``what`` from parsed JSON, its wrong shapes made one line."""
    return Reading(what)


class Reading:
    """Turns what building a ``what`` from JSON of the wrong shape raises into one line.

    ``KeyError`` (a missing key), ``TypeError`` and ``AttributeError`` (a list where an
    object belongs), ``ValueError`` (a word where a number belongs), ``OverflowError``
    (``int`` of an infinite number) and ``RecursionError`` become ``not a <what>: ...``;
    a nested reader's line for another kind (a smoke report inside a deploy result) is
    kept as the reason, and this kind's own line passes through unchanged. A class, not
    a generator: its ``__exit__`` never swallows, so type checkers see every path.
    """

    def __init__(self, what: str) -> None:
        """Read a ``what``."""
        self.what = what

    def __enter__(self) -> None:
        """Nothing to set up."""

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Raise the one line in place of a shape error; let anything else pass."""
        if exc is None or str(exc).startswith(f"not a {self.what}: "):
            return
        if isinstance(exc, KeyError):
            raise not_a(self.what, f"it has no {exc} key") from None
        if isinstance(exc, RecursionError):  # repr or a walk of a structure nested to the limit
            raise not_a(self.what, f"nested deeper than any {self.what}") from None
        if isinstance(exc, TypeError | ValueError | AttributeError | ArithmeticError):
            raise not_a(self.what, str(exc) or type(exc).__name__) from None


def strings(value: object, name: str) -> tuple[str, ...]:
    """A JSON list of lines as strings (a line that is a number is shown as one).

    Raises:
        TypeError: when ``value`` is not a list (a string would read as its characters).
    """
    if not isinstance(value, list):
        msg = f"{name} must be a list, got {json_kind(value)}"
        raise TypeError(msg)
    return tuple(str(line) for line in value)


def string_of(value: object, name: str) -> str:
    """A JSON string field (a number is shown as one).

    Raises:
        TypeError: when ``value`` is a list, an object, a boolean or null: such a field
            would read as something else (a list's repr as a URL, null as "None").
    """
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    msg = f"{name} must be a string, got {json_kind(value)}"
    raise TypeError(msg)


def optional_string_of(value: object, name: str) -> str | None:
    """:func:`string_of`, or None for a field that may be null."""
    return None if value is None else string_of(value, name)


def _not_json(text: str | bytes, exc: json.JSONDecodeError) -> str:
    shown = text[:_QUOTED]
    if isinstance(shown, bytes):
        shown = shown.decode("utf-8", errors="replace")
    if not shown.strip():
        return "the text is empty"
    return f"no JSON ({exc.msg} at line {exc.lineno} column {exc.colno}), it reads: {shown}"


def json_kind(value: object) -> str:
    """A JSON value's kind, named as JSON names it."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
