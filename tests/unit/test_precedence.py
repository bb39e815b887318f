"""The rule that keeps production's moving tags from going backwards (core.precedence)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.precedence import Held, held_back, release_key
from main.core.tags import release_aliases

OLD = ["latest", "1.3.5", "1.3", "1.4.2", "1.4", "1", "staging-latest"]


def lines(version: str, existing: list[str], *, aliases: bool = True) -> list[str]:
    return [held.describe() for held in held_back(version, existing, aliases=aliases)]


def test_a_hotfix_after_a_newer_minor_moves_only_its_own_minor() -> None:
    assert held_back("1.3.6", OLD, aliases=True) == [
        Held("latest", "1.4.2", "1.3.6"),
        Held("1", "1.4.2", "1.3.6"),
    ]
    assert lines("1.3.6", OLD) == [
        "latest stays on 1.4.2: 1.3.6 is older",
        "1 stays on 1.4.2: 1.3.6 is older",
    ]


def test_without_aliases_only_latest_is_held() -> None:
    assert lines("1.3.6", OLD, aliases=False) == ["latest stays on 1.4.2: 1.3.6 is older"]


def test_the_highest_version_and_a_re_promotion_of_it_move_everything() -> None:
    assert held_back("1.4.3", OLD, aliases=True) == []
    assert held_back("1.4.2", OLD, aliases=True) == []
    assert held_back("1.4.2.0", OLD, aliases=True) == []  # equal to 1.4.2 under PEP 440
    assert held_back("2.0.0", OLD, aliases=True) == []


def test_an_older_patch_of_the_same_minor_holds_all_three() -> None:
    assert lines("1.4.1", OLD) == [
        "latest stays on 1.4.2: 1.4.1 is older",
        "1.4 stays on 1.4.2: 1.4.1 is older",
        "1 stays on 1.4.2: 1.4.1 is older",
    ]


def test_an_older_major_keeps_its_own_major_but_not_latest() -> None:
    existing = ["2.1.0", "2.1", "2", "1.9.0", "1.9", "1", "latest"]
    assert lines("1.9.1", existing) == ["latest stays on 2.1.0: 1.9.1 is older"]


def test_versions_compare_by_number_not_by_text() -> None:
    assert lines("1.10.0", ["1.9.0"]) == []
    assert lines("1.9.0", ["1.10.0"]) == [
        "latest stays on 1.10.0: 1.9.0 is older",
        "1 stays on 1.10.0: 1.9.0 is older",
    ]


def test_post_releases_are_newer_than_their_release() -> None:
    assert lines("1.4.2.post1", ["1.4.2"]) == []
    assert lines("1.4.2", ["1.4.2.post1"]) == [
        "latest stays on 1.4.2.post1: 1.4.2 is older",
        "1.4 stays on 1.4.2.post1: 1.4.2 is older",
        "1 stays on 1.4.2.post1: 1.4.2 is older",
    ]


@pytest.mark.parametrize(
    "tag",
    [
        "2.0.0rc1",  # a pre-release is never the highest
        "2.0.0.dev3",
        "2.0.0-local.7",  # the tag form of 2.0.0+local.7
        "9.9.9-1",  # a local label "1", not a post-release
        "v9.9.9",  # not a tag this pipeline writes
        "09.9.9",
        "1234567",  # an all-digit commit sha, not version 1234567
        "9876543210abcdef9876543210abcdef98765432",
        "staging-v9.9.9-20251015-143052-abc123d",
        "staging-latest",
        "latest",
        "sha256-" + "a" * 64 + ".sig",
    ],
)
def test_tags_that_are_not_final_release_versions_are_ignored(tag: str) -> None:
    assert lines("1.4.2", ["1.4.2", tag]) == []


def test_a_pre_release_moves_nothing_so_nothing_is_held() -> None:
    assert lines("2.0.0rc1", OLD) == []


def test_zero_x_has_no_major_alias_to_hold() -> None:
    assert lines("0.3.1", ["0.4.0", "0.3.2"]) == [
        "latest stays on 0.4.0: 0.3.1 is older",
        "0.3 stays on 0.3.2: 0.3.1 is older",
    ]


def test_release_key_orders_like_pep_440() -> None:
    ordered = ["0.9", "1", "1.0.1", "1.0.1.post1", "1.0.1.post2", "1.2", "1.10", "10.0"]
    shuffled = ["1.10", "1.0.1.post2", "10.0", "0.9", "1.2", "1.0.1", "1", "1.0.1.post1"]
    assert sorted(shuffled, key=release_key) == ordered
    assert release_key("1.0") == release_key("1.0.0") == release_key("1")
    # Numbers beyond any int() limit still order (PEP 440 sets no bound).
    assert release_key("9" * 5000) > release_key("1" + "0" * 4999)


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
        min_size=1,
        max_size=12,
    )
)
def test_in_any_promotion_order_each_moving_tag_ends_on_the_highest_it_covers(
    order: list[tuple[int, int, int]],
) -> None:
    """Promote versions in any order, as promote does: the moving tags never go back."""
    registry: dict[str, str] = {}  # tag -> the version whose image it names
    for major, minor, patch in order:
        version = f"{major}.{minor}.{patch}"
        stays = {h.tag for h in held_back(version, registry, aliases=True)}
        for tag in ["latest", version, *release_aliases(version)]:
            if tag not in stays:
                registry[tag] = version
    versions = {f"{a}.{b}.{c}" for a, b, c in order}

    def highest(covered: set[str]) -> str:
        return max(covered, key=release_key)

    assert registry["latest"] == highest(versions)
    for version in versions:
        for alias in release_aliases(version):
            covered = {v for v in versions if alias in release_aliases(v)}
            assert registry[alias] == highest(covered), alias
