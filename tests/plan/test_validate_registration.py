"""How the validate/build/tags/publish functions register: checks, cache policy, results."""

from tests.plan.registration import ModuleDef

CHECK_FUNCTIONS = {"lint", "typecheck", "test", "lint_containerfile"}
LIVE_FUNCTIONS = CHECK_FUNCTIONS | {"validate", "build", "tags", "publish"}


def test_the_single_checks_are_what_dagger_check_runs(module_def: ModuleDef) -> None:
    functions = module_def.objects["Pipeline"].functions
    assert {name for name, fn in functions.items() if fn.check} == CHECK_FUNCTIONS
    for name in CHECK_FUNCTIONS:
        assert [arg.name for arg in functions[name].args] == ["ref"]


def test_functions_that_read_a_ref_by_name_are_never_answered_from_cache(
    module_def: ModuleDef,
) -> None:
    functions = module_def.objects["Pipeline"].functions
    for name in LIVE_FUNCTIONS:
        assert functions[name].cache_policy == "Never", name


def test_arguments_of_validate_tags_and_publish(module_def: ModuleDef) -> None:
    functions = module_def.objects["Pipeline"].functions
    assert [arg.name for arg in functions["validate"].args] == ["ref", "skip_tests"]
    assert [arg.name for arg in functions["tags"].args] == ["ref", "kind"]
    assert [arg.name for arg in functions["publish"].args] == [
        "ref",
        "kind",
        "registry_token",
        "local_registry",
    ]


def test_validation_results_are_objects_with_documented_fields(module_def: ModuleDef) -> None:
    validation = module_def.objects["Validation"]
    assert set(validation.fields) == {"ok", "checks"}
    assert set(validation.functions) == {"summary"}
    outcome = module_def.objects["CheckOutcome"]
    assert set(outcome.fields) == {"name", "status", "duration", "output", "commands"}
