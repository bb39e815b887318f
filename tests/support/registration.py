"""Build the module's type definitions with the SDK's own ``Module``, offline.

At ``dagger functions`` time the engine asks the SDK for the module's typedefs; a
function or field whose type does not convert fails there. This runs the same code
(``Module._typedefs``) with the final ``id()`` round trip replaced, then reads the
definitions back from the lazy query, so the guard needs no engine.
"""

from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from dagger.client.base import Type
from dagger.client.gen import Module as ModuleQuery

from tests.support.lazy import calls


@dataclass
class ArgDef:
    """One argument of a registered function."""

    name: str
    description: str | None
    default_path: str | None
    ignore: list[str] | None
    type_name: str = ""
    default: str | None = None  # JSON, as registered; None: required or no default


@dataclass
class FunctionDef:
    """One registered function (the constructor has the name ``""``)."""

    name: str
    description: str | None
    args: list[ArgDef] = field(default_factory=list)
    cache_policy: str | None = None
    check: bool = False
    up: bool = False
    returns: str = ""


@dataclass
class ObjectDef:
    """One registered object with its fields and functions."""

    name: str
    description: str | None
    fields: dict[str, str | None] = field(default_factory=dict)
    functions: dict[str, FunctionDef] = field(default_factory=dict)
    constructor: FunctionDef | None = None
    field_types: dict[str, str] = field(default_factory=dict)


@dataclass
class ModuleDef:
    """The whole registration: the module description and its objects."""

    description: str | None
    objects: dict[str, ObjectDef]


_KINDS = {
    "STRING_KIND": "String",
    "INTEGER_KIND": "Integer",
    "FLOAT_KIND": "Float",
    "BOOLEAN_KIND": "Boolean",
    "VOID_KIND": "Void",
}


def type_name(type_def: Type) -> str:
    """A registered type as GraphQL spells it: ``String!``, ``[String!]``, ``Container``."""
    name, optional = "?", False
    for call in calls(type_def)[1:]:
        match call.name:
            case "withKind":
                name = _KINDS.get(str(call.args["kind"]), str(call.args["kind"]))
            case "withObject" | "withInterface" | "withEnum" | "withScalar":
                name = call.args["name"]
            case "withListOf":
                name = f"[{type_name(call.args['elementType'])}]"
            case "withOptional":
                optional = bool(call.args["optional"])
    return name if optional else f"{name}!"


def _function(fn: Type) -> FunctionDef:
    chain = calls(fn)
    definition = FunctionDef(name=chain[0].args["name"], description=None)
    if "returnType" in chain[0].args:
        definition.returns = type_name(chain[0].args["returnType"])
    for call in chain[1:]:
        match call.name:
            case "withDescription":
                definition.description = call.args["description"]
            case "withArg":
                definition.args.append(
                    ArgDef(
                        name=call.args["name"],
                        description=call.args.get("description"),
                        default_path=call.args.get("defaultPath"),
                        ignore=call.args.get("ignore"),
                        type_name=type_name(call.args["typeDef"]),
                        default=call.args.get("defaultValue"),
                    )
                )
            case "withCachePolicy":
                definition.cache_policy = str(call.args["policy"])
            case "withCheck":
                definition.check = True
            case "withUp":
                definition.up = True
    return definition


def _object(type_def: Type) -> ObjectDef:
    chain = calls(type_def)
    header = next(c for c in chain if c.name in {"withObject", "withInterface"})
    obj = ObjectDef(name=header.args["name"], description=header.args.get("description"))
    for call in chain:
        if call.name == "withField":
            obj.fields[call.args["name"]] = call.args.get("description")
            obj.field_types[call.args["name"]] = type_name(call.args["typeDef"])
        elif call.name == "withFunction":
            fn = _function(call.args["function"])
            obj.functions[fn.name] = fn
        elif call.name == "withConstructor":
            obj.constructor = _function(call.args["function"])
    return obj


def build_module_definition(monkeypatch: pytest.MonkeyPatch, main_object: str) -> ModuleDef:
    """Run the SDK's registration for ``main_object`` and read back what it registered."""
    import main  # noqa: PLC0415 - loading main.pipeline is part of what is tested

    cls: Any = getattr(main, main_object)
    module = cls.__dagger_module__
    monkeypatch.setattr(module, "_main_name", main_object)
    monkeypatch.setattr(module, "_main", module.get_object(main_object))

    async def no_round_trip(self: ModuleQuery) -> ModuleQuery:
        return self

    monkeypatch.setattr(ModuleQuery, "id", no_round_trip)
    registered = anyio.run(module._typedefs)  # noqa: SLF001 - the SDK's registration itself
    description = None
    objects: dict[str, ObjectDef] = {}
    for call in calls(registered):
        if call.name == "withDescription":
            description = call.args["description"]
        elif call.name == "withObject":
            obj = _object(call.args["object"])
            objects[obj.name] = obj
    return ModuleDef(description=description, objects=objects)
