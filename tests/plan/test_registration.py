"""The guard of every later change: the module registers, and every part is documented."""

from tests.plan.registration import ModuleDef

# Every function `dagger functions` must list, by stage. A new function is added here on
# purpose; the blank lines let stages be added on separate branches without conflicts.
FOUNDATION = {"tree", "version", "config"}

VALIDATE_BUILD_PUBLISH = {
    "validate",
    "lint",
    "typecheck",
    "test",
    "lint_containerfile",
    "build",
    "tags",
    "publish",
}

SCAN = {"scan"}

SMOKE = {"smoke_test", "serve"}

ORCHESTRATION = {"check_trigger", "deploy_staging", "ci"}

REGISTRY = {"promote", "rollback", "prune_staging"}

PIPELINE_FUNCTIONS = FOUNDATION | VALIDATE_BUILD_PUBLISH | SCAN | SMOKE | ORCHESTRATION | REGISTRY


def test_every_function_registers(module_def: ModuleDef) -> None:
    pipeline = module_def.objects["Pipeline"]
    assert set(pipeline.functions) == PIPELINE_FUNCTIONS


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
    assert {".git", "**/.venv", "**/__pycache__"} <= set(args["source"].ignore)
    assert args["repo"].default_path == "/"
    assert {"subpath", "image", "port", "health_path", "mcp_path", "containerfile"} <= set(args)
