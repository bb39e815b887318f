"""The shell never places ``with user_errors()`` by hand: its decorators do it.

``main._sdk.function``, ``uncached_function`` and the check decorators wrap every Dagger
function so that a :class:`PipelineError` reaches the user as its one line. A block
placed by hand inside such a function is dead weight that hides where the rule lives;
one placed in a helper would turn an error into a Dagger error before the caller's
own handling sees it.
"""

from pathlib import Path

import main

SHELL = Path(main.__file__).parent


def test_no_shell_module_but_the_sdk_wraps_errors_by_hand() -> None:
    by_hand = [
        f"{path.name}:{number}"
        for path in sorted(SHELL.glob("*.py"))
        if path.name != "_sdk.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip().startswith("with user_errors()")
    ]
    assert not by_hand, f"hand-placed user_errors() blocks: {by_hand}"
