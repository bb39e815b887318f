"""Deferred loading: a name exists at once, its module's code runs at first use.

Every ``dagger call`` loads ``main:Pipeline`` before it does anything, and the budget
for that is 10% of the Dagger SDK's own import time (docs/architecture.md, "Budgets").
A call needs one stage family, so the rest must not load. This is the project's one
mechanism for that, in two forms:

- :func:`lazy_import` binds a module name whose code runs at its first attribute access
  (the standard library's ``importlib.util.LazyLoader`` recipe);
- :func:`lazy_exports` gives a package ``__init__`` a PEP 562 ``__getattr__`` so that
  ``from main.core.smoke import run_smoke`` works while ``import main.core.smoke.spec``
  still loads only ``spec``.

For type checkers, packages import their public names normally under ``TYPE_CHECKING``.
"""

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
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


def lazy_exports(package: str, names: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` that loads ``names[attr]`` (a submodule) on first use.

    ``names`` maps each public name to the submodule that defines it, relative to
    ``package`` (``{"run_smoke": "checks"}``).
    """

    def __getattr__(attr: str) -> object:  # noqa: N807 - the PEP 562 hook's own name
        try:
            submodule = names[attr]
        except KeyError:
            msg = f"module {package!r} has no attribute {attr!r}"
            raise AttributeError(msg) from None
        value = getattr(importlib.import_module(f"{package}.{submodule}"), attr)
        setattr(sys.modules[package], attr, value)
        return value

    return __getattr__
