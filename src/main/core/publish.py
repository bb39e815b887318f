"""Where an image goes, who may push it, and whether the push really happened.

Every rule here guards "nothing half-done": credentials are checked before anything is
built, every pushed tag must name one and the same digest, and a failed push says which
tag failed and which tags already moved, so a person knows exactly what to clean up.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from main.core.errors import PipelineError
from main.core.image import GHCR, LOCALHOST, MAX_PORT
from main.core.revision import NO_HISTORY, Revision
from main.core.tags import production_tags, staging_tags
from main.core.text import clip

# GitHub ignores the user name when the password is a token; any non-empty name works.
GHCR_USERNAME = "pipeline"
TOKEN_HINT = "--registry-token env://GITHUB_TOKEN"  # noqa: S105 - how to pass it, not a secret
_PUBLISHED = re.compile(
    r"(?P<name>[^@\s]+):(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})@(?P<digest>sha256:[0-9a-f]{64})"
)


TAG_KINDS = ("staging", "production")


def now() -> datetime:
    """The time a deployment starts, in UTC (the one clock staging tags read)."""
    return datetime.now(UTC)


def tags_for(
    kind: str,
    version: str,
    revision: Revision | None,
    deployed_at: datetime | None = None,
    *,
    aliases: bool = False,
) -> list[str]:
    """The tags an image of ``revision`` gets: staging or production (``core/tags.py``).

    The staging tag's timestamp is the deployment's (``deployed_at``, the run's start,
    default :func:`now`):
    each deployment gets its own tag and the tags order deployments, which rollback and
    retention rely on. The image's ``created`` label stays the commit time, so builds
    remain reproducible and cached: the tag is a name, not part of the image.
    ``aliases`` (the ``tag-aliases`` setting) adds ``major.minor`` and ``major`` to the
    production tags of a final release.

    Raises:
        PipelineError: for an unknown kind, or when there is no commit to name.
    """
    if kind not in TAG_KINDS:
        msg = f"--kind {kind!r} is not a tag kind: use staging or production"
        raise PipelineError(msg)
    if revision is None:
        msg = f"tags name a commit, and {NO_HISTORY}"
        raise PipelineError(msg)
    if kind == "staging":
        return staging_tags(version, revision.sha, deployed_at or now())
    return production_tags(version, revision.sha, aliases=aliases)


def local_registry_host(endpoint: str) -> str:
    """``localhost:PORT`` for the registry service whose Dagger endpoint is ``endpoint``.

    A push to a registry service goes through ``publish(registry_service=...)``: the
    engine binds the address's host name to the service and dials it there. It speaks
    plain HTTP only to ``localhost`` (any other host gets HTTPS, which a local registry
    does not serve), while the service's own endpoint names a generated host. So the
    image is addressed as ``localhost`` on the service's port, the same address the
    registry has on the machine that passed ``--local-registry tcp://localhost:PORT``.

    Raises:
        PipelineError: when ``endpoint`` is not ``host:port``.
    """
    _, colon, port = endpoint.rpartition(":")
    if not colon or not port.isdigit():
        msg = f"the local registry's endpoint {endpoint[:120]!r} has no port: pass tcp://HOST:PORT"
        raise PipelineError(msg)
    number = int(port) if len(port) <= len(str(MAX_PORT)) else 0
    if not 0 < number <= MAX_PORT:
        msg = f"the local registry's port {port[:12]!r} is not 1-{MAX_PORT}: pass tcp://HOST:PORT"
        raise PipelineError(msg)
    return f"{LOCALHOST}:{number}"


def registry_username(configured: str | None, host: str) -> str:
    """The user name to log in with: the configured one, or any name for GHCR's tokens.

    Raises:
        PipelineError: for another registry when no user name is configured.
    """
    if configured:
        return configured
    if host == GHCR:
        return GHCR_USERNAME
    msg = (
        f"the registry {host} needs a user name with the token: "
        "pass --registry-username or set registry-username in [tool.pipeline]"
    )
    raise PipelineError(msg)


def require_credentials(*, has_token: bool, local_registry: bool, host: str) -> None:
    """Refuse a push that would fail for lack of credentials, before anything is built.

    A local registry (a laptop run) takes pushes without credentials.

    Raises:
        PipelineError: saying how to pass the token.
    """
    if has_token or local_registry:
        return
    msg = (
        f"publishing to {host} needs a registry token: pass it as a secret, e.g. "
        f"{TOKEN_HINT} (or --local-registry tcp://localhost:5000 for a local run)"
    )
    raise PipelineError(msg)


@dataclass(frozen=True, slots=True)
class Published:
    """One pushed tag as the engine reported it: ``name:tag@sha256:...``."""

    name: str
    tag: str
    digest: str

    def __str__(self) -> str:
        """The full reference, pinned by digest."""
        return f"{self.name}:{self.tag}@{self.digest}"


def parse_published(reference: str) -> Published:
    """Read a ``name:tag@sha256:<64 hex>`` reference that a push returned.

    Raises:
        PipelineError: when it is not one (the push did not report a digest).
    """
    match = _PUBLISHED.fullmatch(reference.strip())
    if match is None:
        msg = f"the registry answered {reference!r}, not name:tag@sha256:<digest>"
        raise PipelineError(msg)
    return Published(name=match["name"], tag=match["tag"], digest=match["digest"])


def one_digest(published: Sequence[Published]) -> str:
    """The digest all pushed tags share.

    Tags pushed from one image must name one manifest; if they do not, a tag points at
    something other than what was built and tested, which must stop the pipeline.

    Raises:
        PipelineError: when nothing was pushed, or the tags name different digests.
    """
    digests = sorted({item.digest for item in published})
    if not digests:
        msg = "nothing was pushed: no tags to publish"
        raise PipelineError(msg)
    if len(digests) > 1:
        detail = ", ".join(f"{item.tag}@{item.digest[:19]}" for item in published)
        msg = f"the pushed tags name different images ({detail}): do not use them; push again"
        raise PipelineError(msg)
    return digests[0]


def push_failure(tag: str, error: str, pushed: Sequence[str]) -> str:
    """One line naming the failed tag, the registry's reason and what already moved."""
    reason = clip(error, 300) or "no reason given"
    moved = ", ".join(pushed) if pushed else "none"
    return f"pushing tag {tag!r} failed: {reason}; tags already pushed: {moved}"
