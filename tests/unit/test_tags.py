from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.errors import PipelineError
from main.core.tags import (
    OCI_TAG,
    is_oci_tag,
    oci_version,
    parse_staging_tag,
    production_tags,
    staging_tags,
)
from tests.support.constants import SHA

WHEN = datetime(2025, 10, 15, 14, 30, 52, tzinfo=UTC)


def test_the_seed_example() -> None:
    assert staging_tags("0.1.0", SHA, WHEN) == [
        "staging-v0.1.0-20251015-143052-abc123d",
        "staging-latest",
    ]
    assert production_tags("0.1.0", SHA) == ["latest", "0.1.0", SHA]


def test_naive_times_are_utc_and_aware_ones_are_converted() -> None:
    naive = datetime(2025, 10, 15, 14, 30, 52)  # noqa: DTZ001 - naive on purpose
    cest = datetime(2025, 10, 15, 16, 30, 52, tzinfo=timezone(timedelta(hours=2)))
    assert staging_tags("0.1.0", SHA, naive)[0] == staging_tags("0.1.0", SHA, cest)[0]


@pytest.mark.parametrize(
    ("version", "tag"),
    [
        ("1.0.0+local", "1.0.0-local"),
        ("1.0.0+Local_7", "1.0.0-local.7"),
        ("1.0-RC1", "1.0rc1"),
        ("v2.0", "2.0"),
        ("1.0-1", "1.0.post1"),
        ("1.0.0.dev3", "1.0.0.dev3"),
    ],
)
def test_versions_map_to_tags_by_the_documented_rule(version: str, tag: str) -> None:
    assert oci_version(version) == tag
    assert production_tags(version, SHA)[-2] == tag  # after `latest` when a release


@pytest.mark.parametrize(
    ("version", "sha", "expected"),
    [
        ("1!2.0", SHA, "epoch"),
        ("not-a-version", SHA, "not a PEP 440 version"),
        ("0.1.0", "xyz", "not a commit sha"),
        ("0.1.0", "abc12", "not a commit sha"),
        ("0.1.0", "", "not a commit sha"),
        ("1." + "1" * 200, SHA, "128 characters"),
    ],
)
def test_bad_input_is_refused_with_a_clear_value_error(
    version: str, sha: str, expected: str
) -> None:
    with pytest.raises(ValueError, match=expected):
        staging_tags(version, sha, WHEN)
    with pytest.raises(PipelineError, match=expected):
        production_tags(version, sha)


def test_staging_tags_read_back() -> None:
    tag = staging_tags("0.1.0+local.7", SHA, WHEN)[0]
    parsed = parse_staging_tag(tag)
    assert parsed is not None
    assert parsed.built_at == WHEN
    assert parsed.sha7 == "abc123d"
    assert parsed.version == "0.1.0-local.7"
    assert parse_staging_tag("staging-latest") is None
    assert parse_staging_tag("staging-v0.1.0-20251399-143052-abc123d") is None
    assert parse_staging_tag("latest") is None


versions = st.builds(
    lambda release, pre, post, dev, local: release + pre + post + dev + local,
    st.lists(st.integers(0, 10**5), min_size=1, max_size=4).map(
        lambda parts: ".".join(map(str, parts))
    ),
    st.sampled_from(["", "a1", "b2", "rc3", "-RC4", ".alpha5", "c6"]),
    st.sampled_from(["", ".post1", "-2", ".rev3"]),
    st.sampled_from(["", ".dev0", "-dev7"]),
    st.sampled_from(["", "+local", "+Ubuntu_1.2", "+abc-def.9"]),
)
shas = st.text(alphabet="0123456789abcdefABCDEF", min_size=7, max_size=40)
times = st.datetimes(
    min_value=datetime(1970, 1, 1),  # noqa: DTZ001
    max_value=datetime(9999, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5))]),
)


@given(versions, shas, times)
def test_every_tag_is_a_valid_oci_tag_and_stable(version: str, sha: str, when: datetime) -> None:
    first = staging_tags(version, sha, when) + production_tags(version, sha)
    again = staging_tags(version, sha, when) + production_tags(version, sha)
    assert first == again
    assert all(OCI_TAG.fullmatch(tag) for tag in first)
    assert all(is_oci_tag(tag) for tag in first)


@given(versions, shas, times)
def test_staging_tags_order_by_time(version: str, sha: str, when: datetime) -> None:
    later = when + timedelta(seconds=1)
    if later.astimezone(UTC).year > 9999:
        return
    first = parse_staging_tag(staging_tags(version, sha, when)[0])
    second = parse_staging_tag(staging_tags(version, sha, later)[0])
    assert first is not None
    assert second is not None
    assert first < second


@given(st.text())
def test_arbitrary_text_never_yields_an_invalid_tag(text: str) -> None:
    try:
        tag = oci_version(text)
    except PipelineError:
        return
    assert is_oci_tag(tag)


# --- major and major.minor aliases (docker/metadata-action's semver patterns) -----------


@pytest.mark.parametrize(
    ("version", "aliases"),
    [
        ("1.4.2", ["1.4", "1"]),
        ("2.0", ["2.0", "2"]),
        ("3", ["3.0", "3"]),
        ("1.4.2.post1", ["1.4", "1"]),
        ("0.4.1", ["0.4"]),  # 0.x promises no compatibility: no bare "0"
    ],
)
def test_a_release_adds_its_major_and_minor_tags_when_asked(
    version: str, aliases: list[str]
) -> None:
    sha = "a" * 40
    assert production_tags(version, sha, aliases=True) == [
        "latest",
        oci_version(version),
        sha,
        *aliases,
    ]
    assert production_tags(version, sha) == ["latest", oci_version(version), sha]


@pytest.mark.parametrize("version", ["1.4.0rc1", "1.4.0.dev3", "1.4.0+local", "2.0b1"])
def test_a_prerelease_or_local_build_moves_no_alias(version: str) -> None:
    # A release candidate must never become what "1", "1.4" or an untagged pull gets.
    assert production_tags(version, "b" * 40, aliases=True) == [oci_version(version), "b" * 40]
