"""The command-line seams speak only through their verdict line.

``python -m main.core.smoke``, ``.deploy`` and ``.load`` print their JSON on stdout and
one verdict line on stderr, which is what a CI log keeps. A library's warning at import
(asyncssh importing a DSA class that a newer cryptography deprecates, say) would print
above that line on every run and tell the reader nothing they can act on, so the seams
silence warnings raised from other packages' code and keep this project's own.
"""

import warnings

_OWN_CODE = r"main(\.|$)"


def silence_library_warnings() -> None:
    """Ignore warnings attributed to third-party modules; show this project's own."""
    warnings.filterwarnings("ignore")
    warnings.filterwarnings("default", module=_OWN_CODE)
