"""promote, rollback and prune_staging register as uncached functions with their options."""

import pytest

from tests.plan.registration import ModuleDef


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("promote", {"tag", "registry_token", "registry", "force"}),
        ("rollback", {"to", "registry_token", "registry"}),
        ("prune_staging", {"keep", "keep_newer_than", "dry_run", "registry_token", "registry"}),
    ],
)
def test_registry_functions_are_never_cached(
    module_def: ModuleDef, name: str, args: set[str]
) -> None:
    function = module_def.objects["Pipeline"].functions[name]
    # they move tags and read live registry state: a cached answer would be a lie
    assert function.cache_policy is not None
    assert "never" in function.cache_policy.lower()
    assert {arg.name for arg in function.args} == args
