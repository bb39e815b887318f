"""docs/settings.md is generated from the settings models, and a test holds it to them."""

from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag

from main.core.config import PipelineConfig
from main.core.deploy.target_settings import MODELS
from main.core.flat_keys import FLAT_KEYS
from main.core.load.settings import LoadSettings
from main.core.table import Seconds, SettingsTable, kebab
from tests.support.constants import REPO_ROOT
from tests.support.markdown import table_rows
from tests.support.settings_page import render_settings, rows, table_names, variant_rows

PAGE = REPO_ROOT / "docs" / "settings.md"


def test_the_page_is_what_the_models_say() -> None:
    assert PAGE.read_text(encoding="utf-8") == render_settings(), (
        "docs/settings.md disagrees with the settings models: run scripts/docs"
    )


def test_every_key_of_every_table_has_a_row() -> None:
    page = render_settings()
    for table, model in (
        ("[tool.pipeline]", PipelineConfig),
        ("[tool.pipeline.load]", LoadSettings),
    ):
        keys = [row[0] for row in rows(page, table)]
        assert keys == [
            f"`{info.alias or kebab(name)}`" for name, info in model.model_fields.items()
        ], table
    for target, form in MODELS.items():  # the deploy table's forms, one per target
        keys = [row[0] for row in variant_rows(page, "[tool.pipeline.deploy]", "target", target)]
        assert keys == [f"`{kebab(name)}`" for name in form.model_fields], target


class Inner(SettingsTable):
    """A sub-table of the future, as helper F adds them."""

    retries: int = Field(default=3, ge=0, description="How often to try again.")
    where: str = Field(min_length=1, description="Must be given.")


class Outer(SettingsTable):
    """The outer table."""

    mode: Literal["fail", "warn"] = Field(default="fail", description="What a breach does.")
    wait: Seconds = Field(default=30.0, description="Seconds to wait.")
    tags: list[str] = Field(default_factory=lambda: ["a"], description="Some tags.")
    inner: Inner | None = Field(default=None, description="[tool.x.inner]: optional.")
    old: int = Field(default=1, description="An old key.", deprecated="use inner.retries")
    checks: list[Inner] = Field(default_factory=list, description="Checks, each a table.")


def test_a_new_sub_table_is_found_and_rendered_without_touching_the_generator() -> None:
    page = render_settings(Outer, "tool.x")
    assert table_names(Outer, "tool.x") == ["[tool.x]", "[tool.x.inner]", "[[tool.x.checks]]"]
    outer = {row[0]: row for row in rows(page, "[tool.x]")}
    assert outer["`mode`"][1:3] == ['`"fail"` or `"warn"`', '`"fail"`']
    assert outer["`wait`"][1:3] == ["number", "`30`"]
    assert outer["`tags`"][1:3] == ["array of strings", '`["a"]`']
    assert outer["`inner`"][1] == "table: [`[tool.x.inner]`](#toolxinner)"
    assert "deprecated: use inner.retries" in outer["`old`"][3]
    assert outer["`checks`"][1:3] == [
        "array of tables: [`[[tool.x.checks]]`](#toolxchecks)",
        "`[]`",
    ]
    assert [row[0] for row in rows(page, "[[tool.x.checks]]")] == ["`retries`", "`where`"]
    inner = {row[0]: row for row in rows(page, "[tool.x.inner]")}
    assert inner["`retries`"][1:] == ["integer", "`3`", "How often to try again. (at least 0)"]
    assert inner["`where`"][2] == "**required**"
    assert "A sub-table of the future" in page


class Red(SettingsTable):
    """The red form."""

    kind: Literal["red"] = Field(default="red", description="Picks red.")
    shade: int = Field(default=1, description="How red.")


class Blue(SettingsTable):
    """The blue form."""

    kind: Literal["blue"] = Field(description="Picks blue.")
    depth: str = Field(description="How deep.")


class Tagged(SettingsTable):
    """A table holding a tagged union of tables, as [tool.pipeline.deploy] is."""

    paint: (
        Annotated[
            Annotated[Red, Tag("red")] | Annotated[Blue, Tag("blue")],
            Discriminator(
                lambda data: data.get("kind", "red") if isinstance(data, dict) else data.kind
            ),
        ]
        | None
    ) = Field(default=None, description="[tool.x.paint]: one of two forms.")


def test_a_tagged_union_of_tables_is_one_table_with_a_section_per_form() -> None:
    page = render_settings(Tagged, "tool.x")
    assert table_names(Tagged, "tool.x") == ["[tool.x]", "[tool.x.paint]"]
    outer = {row[0]: row for row in rows(page, "[tool.x]")}
    assert outer["`paint`"][1:3] == ["table: [`[tool.x.paint]`](#toolxpaint)", "unset"]
    assert "Its `kind` key picks the form" in page
    assert [row[0] for row in variant_rows(page, "[tool.x.paint]", "kind", "red")] == [
        "`kind`",
        "`shade`",
    ]
    blue = {row[0]: row for row in variant_rows(page, "[tool.x.paint]", "kind", "blue")}
    assert blue["`kind`"][1:3] == ['`"blue"`', "**required**"]
    assert blue["`depth`"][2] == "**required**"
    assert "The blue form." in page


def test_the_family_tables_and_the_flat_keys_they_replace_are_on_the_page() -> None:
    page = render_settings()
    names = table_names()
    for family in ("validate", "scan", "smoke", "retention", "deploy", "load", "branches"):
        assert f"[tool.pipeline.{family}]" in names, family
    assert "[[tool.pipeline.smoke.checks]]" not in names  # a list of plain tables, not models
    flat = table_rows(page, "## Flat keys (deprecated)")
    assert [row[0] for row in flat] == [f"`{key}`" for key in FLAT_KEYS]
    assert ["`smoke-timeout`", "`[tool.pipeline.smoke] timeout`"] in flat
    assert ["`staging-keep`", "`[tool.pipeline.retention] keep`"] in flat
