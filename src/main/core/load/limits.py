"""Limits as a command line gives them: ``500`` for every kind, ``mcp.initialize=1500`` for one.

The CLI (``--p95-ms 500 --p95-ms mcp.initialize=1500``) and the Dagger function
(``--p95-ms 500,mcp.initialize=1500``, a list of strings) read them with the same
parser, so a mistake reads the same line on both. Standard library only: the
generator's container parses its own command line with it.
"""

from collections.abc import Mapping, Sequence

from main.core.errors import PipelineError

DEFAULT_KIND = "default"  # the key of the global limit in a table of limits per kind
# A limit: one number for every kind, or a table of kind -> number (``default``: every other).
Limit = float | dict[str, float] | None


def parse_limits(option: str, given: Sequence[str]) -> tuple[float | None, dict[str, float]]:
    """``["500", "mcp.initialize=1500"]``: the global limit and those per kind.

    The kind is what comes before the last ``=`` (a path's kind may hold one itself).

    Raises:
        PipelineError: one line naming ``option`` and the value that is wrong.
    """
    overall: float | None = None
    per_kind: dict[str, float] = {}
    for text in given:
        kind, _, value = text.rpartition("=")
        if "=" in text and not kind:
            msg = f"{option} {text}: name a request kind before '=' (e.g. mcp.initialize=1500)"
            raise PipelineError(msg)
        try:
            number = float(value)
        except ValueError:
            msg = f"{option} {text}: the limit must be a number, as VALUE or KIND=VALUE"
            raise PipelineError(msg) from None
        if not kind:
            if overall is not None:
                msg = f"{option} is given twice (for every kind): give it once"
                raise PipelineError(msg)
            overall = number
        elif kind in per_kind:
            msg = f"{option} is given twice for {kind}: give it once"
            raise PipelineError(msg)
        else:
            per_kind[kind] = number
    return overall, per_kind


def split(value: Limit) -> tuple[float | None, dict[str, float]]:
    """The global limit and those per kind, from a setting's value."""
    if isinstance(value, Mapping):
        rest = {kind: limit for kind, limit in value.items() if kind != DEFAULT_KIND}
        return value.get(DEFAULT_KIND), rest
    return value, {}


def joined(overall: float | None, per_kind: Mapping[str, float]) -> Limit:
    """The setting's value for a global limit and those per kind (the inverse of split)."""
    if not per_kind:
        return overall
    table = {} if overall is None else {DEFAULT_KIND: overall}
    return table | dict(per_kind)


def merge_limits(current: Limit, option: str, given: Sequence[str]) -> Limit:
    """``current`` (a configured limit) with the command line's ``given`` on top.

    A global limit given replaces the configured global one; a kind's limit given
    replaces that kind's, and every other configured limit stays: ``--p95-ms
    mcp.initialize=1500`` must not drop the service's ``p95-ms = 500``.
    """
    overall, per_kind = split(current)
    new_overall, new_per_kind = parse_limits(option, given)
    return joined(overall if new_overall is None else new_overall, per_kind | new_per_kind)
