"""The builder the provenance names: this module's source address at the tag of its version."""

import tomllib
from pathlib import Path

from main.core.attest.builder import MODULE_SOURCE, module_version, this_module
from main.core.attest.statement import Builder

ROOT = Path(__file__).resolve().parents[3]


def test_the_builder_id_is_the_modules_address_at_the_tag_of_its_version() -> None:
    builder = Builder(module="https://github.com/acme/pipeline", version="0.4.0", engine="v0.21.11")
    assert builder.id == "https://github.com/acme/pipeline@v0.4.0"


def test_this_module_carries_the_version_of_its_pyproject() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert module_version() == declared
    builder = this_module("v0.21.11")
    assert builder.id == f"{MODULE_SOURCE}@v{declared}"
    assert builder.id.startswith("https://github.com/")
    assert (builder.version, builder.engine) == (declared, "v0.21.11")


def test_a_version_already_written_with_a_v_is_not_doubled() -> None:
    builder = Builder(module="https://github.com/acme/pipeline", version="v1.2.0", engine="")
    assert builder.id == "https://github.com/acme/pipeline@v1.2.0"
