"""The scan's objects register as `dagger functions` will show them."""

from tests.plan.registration import ModuleDef


def test_scan_is_never_served_from_the_function_cache(module_def: ModuleDef) -> None:
    scan = module_def.objects["Pipeline"].functions["scan"]
    assert scan.cache_policy == "Never"
    assert [arg.name for arg in scan.args] == [
        "image",
        "mode",
        "severities",
        "ignore_unfixed",
        "ref",
    ]


def test_the_scan_result_gives_every_format(module_def: ModuleDef) -> None:
    result = module_def.objects["Scan"]
    assert set(result.functions) == {"json", "sarif", "table", "markdown", "upload_sarif"}
    assert result.functions["upload_sarif"].cache_policy == "Never"
    assert {"mode", "blocked", "reason", "counts", "found", "fixable", "unfixed"} <= set(
        result.fields
    )
    assert {"report", "filtered", "summary"}.isdisjoint(result.fields)


def test_counts_are_per_severity(module_def: ModuleDef) -> None:
    counts = module_def.objects["SeverityCounts"]
    assert set(counts.fields) == {"critical", "high", "medium", "low", "unknown", "total"}
