"""Modules that load on first use, so that loading the module stays cheap.

Every ``dagger call`` (and ``dagger functions``) starts a process that loads
``main:Pipeline`` before it does anything; DESIGN.md allows that at most 10% of the
Dagger SDK's own import time. The stage recipes (workflows, registry operations,
smoke tests, scans) add up to more than that, and a call needs only one of them, so
``pipeline.py`` binds them through :func:`lazy_import`: the name exists at once, the
module's code runs at its first attribute access. This is the standard library's
``importlib.util.LazyLoader`` recipe; for type checkers the same names are imported
normally under ``TYPE_CHECKING``.
"""

import importlib.util
import sys
from types import ModuleType


def lazy_import(name: str) -> ModuleType:
    """``import name``, deferred until an attribute of the module is first read."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        msg = f"no module named {name!r}"
        raise ModuleNotFoundError(msg, name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module
