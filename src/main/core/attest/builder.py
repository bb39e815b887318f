"""Who built an image: this module, named as SLSA wants a builder named.

SLSA v1's ``builder.id`` is a URI naming the trusted build platform at a version a
verifier can pin, as ``https://github.com/slsa-framework/slsa-github-generator/...@v2.0.0``
does. This module is consumed as ``dagger -m github.com/OWNER/pipeline@vX.Y.Z``, so its
id is that address, with ``https://``, at the tag of its own version: the version of
its Python project (pyproject.toml ``[project].version``, read from the installed
metadata, which the engine's ``uv sync`` installs from the same file). A fork that
publishes the module under another address changes ``MODULE_SOURCE``.
"""

from importlib.metadata import version

from main.core.attest.statement import Builder

MODULE_SOURCE = "https://github.com/OWNER/pipeline"
MODULE_PACKAGE = "main"  # the module's Python project (pyproject.toml), whose version it is


def module_version() -> str:
    """The module's own version, as its pyproject.toml declares it."""
    return version(MODULE_PACKAGE)


def this_module(engine: str) -> Builder:
    """The builder of a run: this module at its version, on the Dagger engine ``engine``."""
    return Builder(MODULE_SOURCE, module_version(), engine)
