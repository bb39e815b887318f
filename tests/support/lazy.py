"""Read a lazy Dagger object's query without an engine.

Every SDK object carries the chain of GraphQL selections that would build it
(``obj._ctx.selections``). Plan tests assert on that chain: which image, which
command, which mounts and secrets, in which order.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import dagger
from dagger.client.base import Type


@dataclass(frozen=True)
class Call:
    """One selection: ``type_name.name(args)``; object arguments stay SDK objects."""

    type_name: str
    name: str
    args: dict[str, Any]

    def arg_chain(self, name: str) -> list["Call"]:
        """The selection chain of an object-valued argument."""
        return calls(self.args[name])


def calls(obj: Type) -> list[Call]:
    """The flat selection chain that builds ``obj``, root first."""
    return [Call(f.type_name, f.name, dict(f.args)) for f in obj._ctx.selections]  # noqa: SLF001


def names(obj: Type) -> list[str]:
    """Just the field names of the chain, root first: a quick picture of a plan."""
    return [call.name for call in calls(obj)]


def find(obj: Type, name: str) -> list[Call]:
    """Every selection named ``name`` in the chain of ``obj``."""
    return [call for call in calls(obj) if call.name == name]


def walk(obj: Type) -> Iterator[Call]:
    """Every selection of ``obj`` and, depth first, of the objects in its arguments."""
    for call in calls(obj):
        yield call
        for value in call.args.values():
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, Type):
                    yield from walk(item)


def secret_names(obj: Type) -> list[str]:
    """Names of every ``setSecret`` anywhere in the plan: where secrets enter."""
    return [call.args["name"] for call in walk(obj) if call.name == "setSecret"]


def plain_env(container: dagger.Container) -> dict[str, str]:
    """Plain-text environment variables the plan sets (``withEnvVariable``)."""
    return {
        call.args["name"]: call.args["value"]
        for call in calls(container)
        if call.name == "withEnvVariable"
    }
