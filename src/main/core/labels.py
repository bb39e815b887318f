"""The OCI labels every image carries: what it is, which version, from which commit.

Registries and scanners read ``org.opencontainers.image.*`` labels; GHCR links a
package to its repository through ``source``. Every value is derived from the commit
(never from the clock), so an unchanged commit yields byte-identical image config and
the engine serves the build from its cache.
"""

import re

from main.core.revision import Revision, rfc3339

PREFIX = "org.opencontainers.image."
TITLE = f"{PREFIX}title"
VERSION = f"{PREFIX}version"
REVISION = f"{PREFIX}revision"
CREATED = f"{PREFIX}created"
SOURCE = f"{PREFIX}source"

_GHCR = re.compile(r"ghcr\.io/(?P<owner>[^/]+)/(?P<name>[^/:@]+)")


def source_url(image: str | None, configured: str | None) -> str | None:
    """Where the image's source lives: the configured URL, else a GHCR image's repository.

    GHCR packages conventionally sit at ``ghcr.io/OWNER/REPO``, the repository at
    ``https://github.com/OWNER/REPO``; GHCR uses this label to connect the two. For any
    other registry nothing can be inferred, and ``None`` leaves the label out rather than
    writing a guess.
    """
    if configured:
        return configured
    match = _GHCR.fullmatch(image or "")
    if match is None:
        return None
    return f"https://github.com/{match['owner']}/{match['name']}"


def oci_labels(
    *,
    title: str,
    version: str,
    revision: Revision | None,
    source: str | None,
) -> dict[str, str]:
    """The labels in a fixed order; revision and created need a commit, source a URL.

    Without git history (a plain directory, no repository) there is no commit to name,
    and a build time would make every build different: both labels are left out.
    """
    labels = {TITLE: title, VERSION: version}
    if revision is not None:
        labels[REVISION] = revision.sha
        labels[CREATED] = rfc3339(revision.committed_at)
    if source:
        labels[SOURCE] = source
    return labels
