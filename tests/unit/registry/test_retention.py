from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.errors import PipelineError
from main.core.registry.retention import orphaned_children, parse_age, prune_plan, rollback_target
from main.core.tags import STAGING_LATEST, parse_staging_tag, staging_tags
from tests.support.constants import SHA

START = datetime(2026, 11, 1, 12, tzinfo=UTC)


def staged(day: int, sha: str = SHA) -> str:
    return staging_tags("0.1.0", sha, START + timedelta(days=day))[0]


def digest(n: int) -> str:
    return f"sha256:{n:064x}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("2w", timedelta(weeks=2)),
        ("90s", timedelta(seconds=90)),
        ("1d12h", timedelta(days=1, hours=12)),
        (" 3D ", timedelta(days=3)),
    ],
)
def test_ages_read_like_people_write_them(text: str, expected: timedelta) -> None:
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d7", "7x", "1.5d", "-1d", "7 days"])
def test_anything_else_is_not_an_age(text: str) -> None:
    with pytest.raises(PipelineError, match="is not an age: write it like 7d"):
        parse_age(text)


def test_rollback_goes_to_the_deployment_before_the_current_one() -> None:
    tags = {staged(0): digest(0), staged(1): digest(1), staged(2): digest(2)}
    tags[STAGING_LATEST] = digest(2)
    choice = rollback_target(tags)
    assert (choice.current_tag, choice.target_tag, choice.target_digest) == (
        staged(2),
        staged(1),
        digest(1),
    )
    assert choice.moves


def test_after_one_rollback_the_next_goes_further_back() -> None:
    tags = {staged(0): digest(0), staged(1): digest(1), staged(2): digest(2)}
    tags[STAGING_LATEST] = digest(1)
    assert rollback_target(tags).target_tag == staged(0)


def test_a_named_target_wins_and_may_be_a_no_op() -> None:
    tags = {staged(0): digest(0), staged(1): digest(1), STAGING_LATEST: digest(1)}
    assert rollback_target(tags, staged(0)).target_digest == digest(0)
    assert not rollback_target(tags, staged(1)).moves


@pytest.mark.parametrize(
    ("tags", "to", "expected"),
    [
        ({"latest": digest(0)}, None, "there is no staging-latest tag"),
        ({STAGING_LATEST: digest(9), staged(0): digest(0)}, None, "which no timestamped"),
        ({STAGING_LATEST: digest(0), staged(0): digest(0)}, None, "no staging deployment before"),
        ({STAGING_LATEST: digest(0), staged(0): digest(0)}, "latest", "not a timestamped"),
        ({STAGING_LATEST: digest(0), staged(0): digest(0)}, staged(5), "does not exist"),
    ],
)
def test_rollbacks_that_cannot_be_chosen_say_why(
    tags: dict[str, str], to: str | None, expected: str
) -> None:
    with pytest.raises(PipelineError, match=expected):
        rollback_target(tags, to)


def test_prune_keeps_newest_and_young_and_spares_protected_digests() -> None:
    tags = {staged(day): digest(day) for day in range(6)}
    tags[STAGING_LATEST] = digest(5)
    tags["latest"] = tags["0.1.0"] = digest(1)
    tags[staged(-1)] = digest(4)  # old alias of a kept image
    plan = prune_plan(tags, keep=2, newer_than=timedelta(days=3), now=START + timedelta(days=5))
    assert plan.kept == [staged(5), staged(4), staged(3)]
    assert plan.delete == {digest(2): [staged(2)], digest(0): [staged(0)]}
    assert set(plan.spared) == {staged(1), staged(-1)}
    assert "latest" in plan.spared[staged(1)]


def test_a_digest_goes_only_when_every_tag_on_it_expired() -> None:
    tags = {staged(0): digest(0), staged(1): digest(0), staged(2): digest(2)}
    plan = prune_plan(tags, keep=1, newer_than=None, now=START)
    assert plan.delete == {digest(0): [staged(1), staged(0)]}


def test_keep_must_not_be_negative() -> None:
    with pytest.raises(PipelineError, match="--keep must be 0 or more"):
        prune_plan({}, keep=-1, newer_than=None, now=START)


@given(
    st.dictionaries(
        st.one_of(
            st.integers(0, 40).map(staged),
            st.sampled_from([STAGING_LATEST, "latest", "1.0.0", SHA, "other"]),
        ),
        st.integers(0, 8).map(digest),
        max_size=30,
    ),
    st.integers(0, 5),
    st.one_of(st.none(), st.integers(0, 30).map(lambda d: timedelta(days=d))),
)
def test_prune_never_deletes_a_digest_a_surviving_tag_needs(
    tags: dict[str, str], keep: int, newer_than: timedelta | None
) -> None:
    plan = prune_plan(tags, keep=keep, newer_than=newer_than, now=START + timedelta(days=40))
    deleted_tags = {tag for group in plan.delete.values() for tag in group}
    for tag, pointed in tags.items():
        if tag not in deleted_tags:
            assert pointed not in plan.delete, f"{tag} would lose {pointed}"
        if parse_staging_tag(tag) is None:
            assert tag not in deleted_tags
    newest = sorted((t for t in tags if parse_staging_tag(t)), reverse=True)[:keep]
    assert not deleted_tags & set(newest)


def test_orphaned_children_leave_out_what_survivors_use() -> None:
    deleted = {digest(1): [digest(10), digest(11)], digest(2): [digest(11), digest(12)]}
    protected = {digest(3): [digest(12)], digest(10): []}
    assert orphaned_children(deleted, protected) == [digest(11)]


@pytest.mark.parametrize("text", ["1" * 5000 + "d", "9" * 4400 + "h"])
def test_an_age_of_thousands_of_digits_is_one_line(text: str) -> None:
    with pytest.raises(PipelineError, match="longer than"):
        parse_age(text)


@pytest.mark.parametrize("text", ["\u0667d", "\uff17d"])  # Arabic-Indic and fullwidth seven
def test_an_age_is_written_in_ascii_digits(text: str) -> None:
    with pytest.raises(PipelineError, match="is not an age"):
        parse_age(text)
