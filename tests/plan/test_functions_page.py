"""docs/functions.md is generated from the module's registration, and held to it."""

from tests.support.constants import REPO_ROOT
from tests.support.functions_page import cli_name, function_anchor, render_functions
from tests.support.markdown import anchors, table_rows
from tests.support.registration import ArgDef, FunctionDef, ModuleDef, ObjectDef

PAGE = REPO_ROOT / "docs" / "functions.md"


def test_the_page_is_what_the_module_registers(module_def: ModuleDef) -> None:
    assert PAGE.read_text(encoding="utf-8") == render_functions(module_def), (
        "docs/functions.md disagrees with the module's Doc() strings: run scripts/docs"
    )


def test_every_function_and_argument_has_its_place(module_def: ModuleDef) -> None:
    page = render_functions(module_def)
    offered = anchors(page)
    for obj in module_def.objects.values():
        for fn in obj.functions.values():
            heading = function_anchor(obj.name, fn.name)
            assert heading in offered, f"{obj.name}.{fn.name}"
            rows = table_rows(page, f"### `{heading_text(obj.name, fn.name)}`") if fn.args else []
            assert [r[0] for r in rows] == [f"`--{cli_name(a.name)}`" for a in fn.args]
    constructor = module_def.objects["Pipeline"].constructor
    assert constructor is not None
    rows = table_rows(page, "### Constructor options")
    assert [r[0] for r in rows] == [f"`--{cli_name(a.name)}`" for a in constructor.args]


def heading_text(obj: str, fn: str) -> str:
    return cli_name(fn) if obj == "Pipeline" else f"{obj}.{cli_name(fn)}"


def test_arguments_say_what_a_caller_must_give() -> None:
    fn = FunctionDef(
        name="deploy_staging",
        description="Deploy one ref.\n\nSecond paragraph with ``code``.",
        returns="RunReport!",
        cache_policy="Never",
        check=True,
        args=[
            ArgDef("ssh_key", "The key | as a secret", None, None, "Secret!", None),
            ArgDef("ref", "Branch: '<name>' or `<sha>`", None, None, "String!", '"develop"'),
            ArgDef("image", "Tag", None, None, "String", "null"),
            ArgDef("source", "Checkout", "/", ["**/.venv"], "Directory!", None),
        ],
    )
    obj = ObjectDef(name="Pipeline", description="The pipeline.", functions={fn.name: fn})
    obj.constructor = FunctionDef(name="", description="Build it.")
    page = render_functions(ModuleDef(description="A module.", objects={"Pipeline": obj}))
    rows = {r[0]: r for r in table_rows(page, "### `deploy-staging`")}
    assert rows["`--ssh-key`"][1:] == ["`Secret!`", "**required**", "The key \\| as a secret"]
    assert rows["`--ref`"][2:] == ['`"develop"`', "Branch: '&lt;name&gt;' or `<sha>`"]
    assert rows["`--image`"][2] == "unset"
    assert rows["`--source`"][2] == "the caller's context directory `/` (ignoring `**/.venv`)"
    assert "Second paragraph with `code`." in page
    assert "returns `RunReport!` · never cached · a check: `dagger check` runs it" in page


def test_the_readme_table_lists_every_function_and_links_its_reference(
    module_def: ModuleDef,
) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    listed = {row[0] for row in table_rows(readme, "## Functions")}
    expected = {
        f"[`{cli_name(fn)}`](docs/functions.md#{function_anchor('Pipeline', fn)})"
        for fn in module_def.objects["Pipeline"].functions
    } | {
        f"[`registry {cli_name(fn)}`](docs/functions.md#{function_anchor('Registry', fn)})"
        for fn in module_def.objects["Registry"].functions
    }
    assert listed == expected
