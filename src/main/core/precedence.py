"""Which of production's moving tags a promoted version may take: never backwards.

``latest``, ``major.minor`` and ``major`` name the newest release of what they cover,
so a hotfix 1.3.6 promoted after 1.4.2 moves ``1.3`` but leaves ``latest`` and ``1`` on
1.4.2: a user pulling ``:latest`` or ``:1`` must never get an older release. The
versions already released are read from the repository's tag names, the only record
the registry keeps; a tag counts when it is a final release in the normal form this
pipeline writes (``1.4.2``, ``1.4.2.post1``, and the aliases ``1.4`` and ``1``, which
never exceed the release they point to). Everything else is ignored: pre-releases
(never the newest: they get no ``latest``), local versions (their tag form has a
``-``), staging tags, ``v1.2``, and commit tags (a 7-character sha can be all digits).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from main.core.tags import PRODUCTION_LATEST, is_release, release_aliases
from main.core.versioning import is_pep440, normalize_version

# Shortest commit tag the pipeline writes: an undotted tag this long may be a sha.
_SHORTEST_SHA = 7
_POST = re.compile(r"\.post(\d+)$")

# A number as (digit count, digits): orders like the integer without int()'s size limit.
Number = tuple[int, str]
ReleaseKey = tuple[tuple[Number, ...], tuple[Number, ...]]


@dataclass(frozen=True, slots=True)
class Held:
    """A moving tag the promoted ``version`` does not take: ``highest`` is newer."""

    tag: str
    highest: str
    version: str

    def describe(self) -> str:
        """One line for the summary: which tag stays where, and why."""
        return f"{self.tag} stays on {self.highest}: {self.version} is older"


def _number(digits: str) -> Number:
    digits = digits.lstrip("0") or "0"
    return len(digits), digits


def release_key(version: str) -> ReleaseKey:
    """PEP 440 order of final (and post) releases: ``1.0 == 1.0.0 < 1.0.post0 < 1.0.1``.

    Raises:
        PipelineError: for a version that is not PEP 440.
    """
    normal = normalize_version(version)
    post = _POST.search(normal)
    release = normal[: post.start()] if post else normal
    numbers = [_number(part) for part in release.split(".")]
    while len(numbers) > 1 and numbers[-1] == (1, "0"):
        numbers.pop()  # trailing zeros do not change a release
    return tuple(numbers), (_number(post[1]),) if post else ()


def released(tag: str) -> bool:
    """Whether ``tag`` names a final release as this pipeline writes it (see the module)."""
    if "." not in tag and len(tag) >= _SHORTEST_SHA:
        return False
    return is_pep440(tag) and normalize_version(tag) == tag and is_release(tag)


def held_back(version: str, existing: Iterable[str], *, aliases: bool) -> list[Held]:
    """The moving tags (``latest``, then the aliases when ``aliases``) ``version`` may not take.

    A tag is held when a release among ``existing`` that it covers is newer than
    ``version``; an equal one (a re-promotion, ``1.4`` beside ``1.4.0``) moves it.
    A version that is not a final release takes no moving tag, so none is held.

    Raises:
        PipelineError: for a version that is not PEP 440.
    """
    if not is_release(version):
        return []
    mine = release_key(version)
    # Each release with the aliases it falls under, worked out once for the whole list.
    releases = {
        tag: {PRODUCTION_LATEST, *release_aliases(tag)} for tag in existing if released(tag)
    }
    held: list[Held] = []
    for tag in [PRODUCTION_LATEST, *(release_aliases(version) if aliases else ())]:
        covered = [r for r, covers in releases.items() if tag in covers]
        highest = max(covered, key=release_key, default=None)
        if highest is not None and release_key(highest) > mine:
            held.append(Held(tag, highest, version))
    return held
