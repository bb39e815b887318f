"""Any JSON value at any place of a good document: how the result readers are fuzzed.

A reader of a result file (smoke report, load-test result, deploy result) must answer
every document with either one bounded line or a result that renders. These helpers list
every place in a known-good document and put a drawn value there.
"""

import json
from typing import Any

from hypothesis import strategies as st

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def places(document: object, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, the document itself first."""
    found = [at]
    if isinstance(document, dict):
        for key, value in document.items():
            found += places(value, (*at, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += places(value, (*at, index))
    return found


def replaced(document: object, at: tuple[Any, ...], value: object) -> object:
    """A copy of ``document`` with ``value`` at the place ``at`` (the whole, when empty)."""
    if not at:
        return value
    copy = json.loads(json.dumps(document))
    inner: Any = copy
    for step in at[:-1]:
        inner = inner[step]
    inner[at[-1]] = value
    return copy
