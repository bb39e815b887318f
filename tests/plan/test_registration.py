"""The module's public shape, as one table: what `dagger functions` lists and how it behaves.

Every function of every object is a row: its arguments in order, whether the engine's
function cache may answer it, and whether `dagger check` or `dagger up` finds it. A new
function is a new row on purpose. Functions that read a ref by name, read live state or
have effects are uncached ("Never"): a cached answer would describe a branch as it was
days ago, or claim a push that never happened. Result objects' own renderers are pure
and keep the default policy.
"""

import pytest

from tests.support.module_shape import CHECK, FUNCTIONS, UP
from tests.support.registration import ModuleDef

# Fields a caller reads without parsing (a superset check: more fields may come).
FIELDS: dict[str, set[str]] = {
    "Validation": {"ok", "checks"},
    "CheckOutcome": {"name", "status", "duration", "output", "commands"},
    "Scan": {"mode", "blocked", "reason", "counts", "found", "fixable", "unfixed"},
    "SeverityCounts": {"critical", "high", "medium", "low", "unknown", "total"},
    "SmokeResult": {"passed", "summary", "startup_seconds", "checks", "logs", "report"},
    "TriggerDecision": {"event_name", "should_deploy", "ref", "reason", "skip_tests"},
    "RunReport": {"ok", "failed_stage", "failure_message", "report_json"},
    "Registry": {"image", "api", "token"},
}


def test_the_table_lists_every_function(module_def: ModuleDef) -> None:
    registered = {(obj.name, name) for obj in module_def.objects.values() for name in obj.functions}
    assert registered == {(obj, fn) for obj, fn, *_ in FUNCTIONS}


@pytest.mark.parametrize(
    ("obj", "name", "args", "cache", "role"),
    FUNCTIONS,
    ids=[f"{obj}.{name}" for obj, name, *_ in FUNCTIONS],
)
def test_each_function_registers_as_the_table_says(  # noqa: PLR0913, PLR0917 - one per table column
    module_def: ModuleDef, obj: str, name: str, args: list[str], cache: str | None, role: str
) -> None:
    function = module_def.objects[obj].functions[name]
    assert [arg.name for arg in function.args] == args
    assert function.cache_policy == cache
    assert function.check == (role == CHECK)
    assert function.up == (role == UP)


@pytest.mark.parametrize("obj", sorted(FIELDS))
def test_result_objects_carry_their_fields(module_def: ModuleDef, obj: str) -> None:
    assert FIELDS[obj] <= set(module_def.objects[obj].fields)


def test_the_scan_keeps_its_raw_documents_private(module_def: ModuleDef) -> None:
    assert {"report", "filtered"}.isdisjoint(module_def.objects["Scan"].fields)


def test_module_and_objects_are_described(module_def: ModuleDef) -> None:
    assert module_def.description
    assert module_def.description.startswith("CI/CD and staging deployment")
    for obj in module_def.objects.values():
        assert obj.description, f"object {obj.name} has no description"
        for name, doc in obj.fields.items():
            assert doc, f"field {obj.name}.{name} has no description"


def test_every_function_and_argument_is_documented(module_def: ModuleDef) -> None:
    for obj in module_def.objects.values():
        functions = list(obj.functions.values())
        functions += [obj.constructor] if obj.constructor else []
        for fn in functions:
            assert fn.description, f"{obj.name}.{fn.name or 'constructor'} has no description"
            for arg in fn.args:
                assert arg.description, f"{obj.name}.{fn.name}({arg.name}) has no description"


def test_constructor_reads_the_checkout_without_clutter(module_def: ModuleDef) -> None:
    constructor = module_def.objects["Pipeline"].constructor
    assert constructor is not None
    args = {arg.name: arg for arg in constructor.args}
    assert args["source"].default_path == "/"
    assert args["source"].ignore is not None
    assert {"**/.venv", "**/__pycache__"} <= set(args["source"].ignore)
    assert {"subpath", "image", "port", "health_path", "mcp_path", "containerfile"} <= set(args)


def test_the_registry_api_help_says_how_to_reach_a_registry_on_this_machine(
    module_def: ModuleDef,
) -> None:
    # Inside a function 127.0.0.1 is the module's own container (#12 item 8).
    (api,) = [
        a for a in module_def.objects["Pipeline"].functions["registry"].args if a.name == "api"
    ]
    assert api.description is not None
    assert "not 127.0.0.1" in api.description
    assert "host.docker.internal" in api.description
