"""The base of the command-line seams (smoke, load, deploy): an option's value is kept.

Python 3.12.1's argparse drops a value that is exactly ``--`` (``--call-expect=--``
arrives as an empty list), because it strips the first ``--`` from every option's
values. The Dagger functions build these command lines from settings (``argv_for``),
so a setting must come back exactly as it went in, whatever the interpreter.
Standard library only: the smoke checker imports it in its bare container.
"""

import argparse
from typing import Any


class ValueKeepingParser(argparse.ArgumentParser):
    """argparse, except that an option given the value ``--`` keeps it."""

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:  # noqa: ANN401 - argparse's own
        if action.option_strings and action.nargs is None and arg_strings == ["--"]:
            value = self._get_value(action, "--")
            self._check_value(action, value)
            return value
        return super()._get_values(action, arg_strings)
