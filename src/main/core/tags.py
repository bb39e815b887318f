"""Image tags: which tags an image gets in staging and production, and reading them back.

Staging tags carry version, UTC build time and short commit so that a person can read
the history from a tag list and rollback can order deployments by time. Production
tags are the moving ``latest``, the version and the full commit. Every tag produced
here matches the OCI rule ``[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}``, or the input is refused.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from main.core.errors import PipelineError
from main.core.versioning import normalize_version

OCI_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
STAGING_LATEST = "staging-latest"
PRODUCTION_LATEST = "latest"
STAGING_PREFIX = "staging-v"
TIMESTAMP_FORMAT = "%Y%m%d-%H%M%S"
_SHA = re.compile(r"[0-9a-f]{7,64}")
# A final release in PEP 440's normal form: release segments and at most a post-release.
_RELEASE = re.compile(r"(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:\.\d+)*(?:\.post\d+)?")
_STAGING = re.compile(
    rf"{STAGING_PREFIX}(?P<version>[A-Za-z0-9_.-]+)-(?P<stamp>\d{{8}}-\d{{6}})-(?P<sha>[0-9a-f]{{7}})"
)


def is_oci_tag(tag: str) -> bool:
    """Whether ``tag`` is a valid OCI distribution tag."""
    return OCI_TAG.fullmatch(tag) is not None


def oci_version(version: str) -> str:
    """The tag form of a PEP 440 version.

    The rule: the version is normalized as PEP 440 prescribes (``1.0-RC1`` becomes
    ``1.0rc1``); the ``+`` before a local label, which tags cannot hold, becomes ``-``
    (``1.0.0+local.7`` becomes ``1.0.0-local.7``; normal forms have no other ``-``, so
    this stays unambiguous). Epochs (``1!2.0``) have no tag form and are refused.

    Raises:
        PipelineError: for a version that is not PEP 440, has an epoch, or is too long.
    """
    normal = normalize_version(version)
    if "!" in normal:
        msg = f"version {version!r} has an epoch, which no image tag can express: drop the 'N!'"
        raise PipelineError(msg)
    tag = normal.replace("+", "-")
    if not is_oci_tag(tag):
        msg = f"version {version!r} gives the tag {tag!r}, longer than 128 characters"
        raise PipelineError(msg)
    return tag


def _commit(sha: str) -> str:
    commit = sha.strip().lower()
    if not _SHA.fullmatch(commit):
        msg = f"{sha!r} is not a commit sha (7 to 64 hex digits)"
        raise PipelineError(msg)
    return commit


def _utc(when: datetime) -> datetime:
    """Aware times are converted; naive ones are taken to be UTC already."""
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _checked(tags: list[str]) -> list[str]:
    for tag in tags:
        if not is_oci_tag(tag):
            msg = f"tag {tag!r} is longer than 128 characters: shorten the version"
            raise PipelineError(msg)
    return tags


def staging_tags(version: str, sha: str, when: datetime) -> list[str]:
    """``staging-v{version}-{YYYYMMDD-HHMMSS}-{sha7}`` (UTC), then ``staging-latest``.

    Raises:
        PipelineError: (a ``ValueError``) for a bad version or sha.
    """
    stamp = _utc(when).strftime(TIMESTAMP_FORMAT)
    timestamped = f"{STAGING_PREFIX}{oci_version(version)}-{stamp}-{_commit(sha)[:7]}"
    return _checked([timestamped, STAGING_LATEST])


def release_aliases(version: str) -> list[str]:
    """``major.minor`` and ``major`` of a final release (``1.4.2`` gives ``1.4``, ``1``).

    These are what docker/metadata-action's semver patterns give.

    A pre-release, development or local version moves no alias: a release candidate
    must never become what ``1.4`` pulls. A post-release is a release and moves them.
    For ``0.x`` only ``0.x`` is given: semantic versioning promises nothing across
    ``0.x`` minors, so a bare ``0`` would name an image with no compatibility promise.

    Raises:
        PipelineError: for a version that is not PEP 440.
    """
    match = _RELEASE.fullmatch(normalize_version(version))
    if match is None:  # not a release (is_release)
        return []
    major, minor = int(match["major"]), int(match["minor"] or 0)
    return [f"{major}.{minor}", str(major)] if major else [f"{major}.{minor}"]


def is_release(version: str) -> bool:
    """Whether ``version`` is a final (or post) release: no pre, dev or local part.

    Raises:
        PipelineError: for a version that is not PEP 440.
    """
    return _RELEASE.fullmatch(normalize_version(version)) is not None


def production_tags(version: str, sha: str, *, aliases: bool = False) -> list[str]:
    """``latest``, the version, and the commit sha as given.

    ``latest`` is what ``docker pull`` without a tag gets, so only a release moves it:
    a pre-release, development or local version (``2.0.0rc1``, ``2.0.0.dev4``,
    ``2.0.0+local``) gets its version and commit tags only.

    ``aliases`` (a setting, off by default) adds :func:`release_aliases`.

    The pipeline passes the full 40-character sha that git reports, so the tag names
    exactly one commit; a shorter one is accepted for callers that only have that.

    Raises:
        PipelineError: (a ``ValueError``) for a bad version or sha.
    """
    latest = [PRODUCTION_LATEST] if is_release(version) else []
    tags = [*latest, oci_version(version), _commit(sha)]
    if aliases:
        tags += release_aliases(version)
    return _checked(tags)


@dataclass(frozen=True, order=True, slots=True)
class StagingTag:
    """A timestamped staging tag read back: orders by build time, then commit."""

    built_at: datetime
    sha7: str
    version: str
    tag: str


def parse_staging_tag(tag: str) -> StagingTag | None:
    """Read a timestamped staging tag; ``None`` for any other tag (``staging-latest`` too)."""
    match = _STAGING.fullmatch(tag)
    if match is None:
        return None
    try:
        built_at = datetime.strptime(match["stamp"], TIMESTAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    return StagingTag(built_at=built_at, sha7=match["sha"], version=match["version"], tag=tag)
