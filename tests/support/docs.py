"""``scripts/docs``: write the generated reference pages, or say which are out of date.

docs/functions.md comes from the module's registration, docs/settings.md from the
settings models. Both are the code written down, so they are regenerated, never edited;
``--check`` exits 1 naming each page that disagrees with the code (the tests do the same).
"""

import argparse
import sys
from collections.abc import Callable

import pytest

from tests.support.constants import REPO_ROOT
from tests.support.functions_page import render_functions
from tests.support.registration import build_module_definition
from tests.support.settings_page import render_settings


def _functions() -> str:
    with pytest.MonkeyPatch.context() as monkeypatch:
        return render_functions(build_module_definition(monkeypatch, "Pipeline"))


PAGES: dict[str, Callable[[], str]] = {
    "docs/functions.md": _functions,
    "docs/settings.md": render_settings,
}


def main(argv: list[str] | None = None) -> int:
    """Write every generated page (or, with ``--check``, compare); the exit status."""
    parser = argparse.ArgumentParser(prog="scripts/docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    stale = []
    for name, render in PAGES.items():
        path = REPO_ROOT / name
        text = render()
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {name}")  # noqa: T201 - the script's report
    if args.check and stale:
        print(f"out of date with the code: {', '.join(stale)}; run scripts/docs", file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
