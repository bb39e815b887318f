"""Branches and tags a team already has: [tool.pipeline.branches] and tag-aliases.

Today's names are the defaults; every mistake is one line naming the key.
"""

import pytest

from main.core.config import load_config
from main.core.errors import PipelineError
from main.core.tags import production_tags
from main.core.triggers import DEFAULT_BRANCHES, Branches

T = "[tool.pipeline.branches]"
TRUNK = """
[tool.pipeline.branches]
staging = "dev"
production = "trunk"
ci = ["topic/**", "rel/*"]
release = "rel/*"
"""


def test_the_branches_table_gives_the_trigger_rules_their_names() -> None:
    assert load_config(TRUNK).branches.branches() == Branches(
        staging="dev",
        production="trunk",
        ci_patterns=("topic/**", "rel/*"),
        release_pattern="rel/*",
    )


def test_without_the_table_the_branches_are_todays() -> None:
    assert load_config("[tool.pipeline]\n").branches.branches() == DEFAULT_BRANCHES
    assert load_config(None).branches.branches() == DEFAULT_BRANCHES


def test_a_partial_table_keeps_the_other_defaults() -> None:
    branches = load_config('[tool.pipeline.branches]\nproduction = "master"\n').branches.branches()
    assert (branches.staging, branches.production) == ("develop", "master")
    assert branches.ci_patterns == DEFAULT_BRANCHES.ci_patterns


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('stagin = "dev"', f"{T} has an unknown key 'stagin' (did you mean 'staging'?)"),
        ('staging = "-dev"', f"{T}.staging: not a branch name"),
        ('production = "a..b"', f"{T}.production: not a branch name"),
        ('staging = ""', f"{T}.staging: not a branch name: it is empty"),
        ("ci = []", f"{T}.ci"),
        ('ci = ["feature/**", "bad glob"]', f"{T}.ci: 'bad glob' is not a branch glob"),
        ('release = "rel/[0-9]*"', f"{T}.release: 'rel/[0-9]*' is not a branch glob"),
        ("staging = 1", f"{T}.staging"),
    ],
    ids=["typo", "option-like", "dot-dot", "empty", "no-ci", "bad-ci", "bad-release", "number"],
)  # fmt: skip
def test_a_bad_branch_setting_is_one_line_naming_its_key(table: str, expected: str) -> None:
    with pytest.raises(PipelineError) as caught:
        load_config(f"{T}\n{table}\n")
    message = str(caught.value)
    assert message.startswith(expected), message
    assert "\n" not in message


def test_tag_aliases_add_major_minor_and_major_to_the_production_tags() -> None:
    config = load_config("[tool.pipeline]\ntag-aliases = true\n")
    assert config.tag_aliases
    assert not load_config(None).tag_aliases, "off unless asked for"
    assert production_tags("1.4.2", "a" * 40, aliases=config.tag_aliases) == [
        "latest", "1.4.2", "a" * 40, "1.4", "1",
    ]  # fmt: skip


def test_a_tag_aliases_value_that_is_not_a_boolean_names_the_key() -> None:
    with pytest.raises(PipelineError, match=r"^\[tool.pipeline\].tag-aliases: "):
        load_config('[tool.pipeline]\ntag-aliases = "yes"\n')
