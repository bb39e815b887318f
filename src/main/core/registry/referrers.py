"""Which artifacts refer to a digest: the referrers API, or the fallback tag index.

OCI distribution 1.1 gives registries ``GET /v2/<name>/referrers/<digest>``: an image
index listing every manifest whose ``subject`` is that digest. Registries without it
(distribution 2.8, the one Debian ships) answer 404; for them the spec's fallback is a
tag named after the digest, ``sha256-<hex>``, holding such an index that clients keep up
to date themselves. Both read the same here, so a verifier never cares which it got.
Only that 404 means "no API". A 5xx is an outage, retried like every registry call
(``core/http.RetryPolicy``: four repeats after 0.5, 1, 2 and 4 s) and then one line,
never the fallback: read in an outage, the tag (usually absent where the API exists)
would report an attested image as unattested; written, it would add a tag the registry
does not need. Nothing is pushed before that answer (``has_referrers_api``).

Writing the fallback is read-modify-write: the index as the registry has it, plus the
new entry, every other entry kept byte for byte as it was (other tools' attestations
live there too). Distribution has no conditional PUT, so after writing the index is
read again, and a write that lost a race with another writer is redone, a bounded
number of times. An index is bounded too: at most ``MAX_ENTRIES`` entries are read or
written, and a list past that is one clear line, never an unbounded walk.
"""

import json
from dataclasses import dataclass
from typing import Any, Literal

from main.core.errors import PipelineError
from main.core.registry.artifacts import Descriptor
from main.core.registry.client import Registry, RegistryError
from main.core.registry.manifests import OCI_INDEX, Manifest

MAX_ENTRIES = 1000
MAX_PAGES = 10
WRITE_ATTEMPTS = 3
Via = Literal["referrers API", "fallback tag"]


def fallback_tag(digest: str) -> str:
    """The OCI 1.1 fallback tag of ``digest``: ``sha256:abc...`` becomes ``sha256-abc...``."""
    return digest.replace(":", "-", 1)


@dataclass(frozen=True, slots=True)
class Referrers:
    """The artifacts that refer to a digest, and where that list came from."""

    entries: tuple[Descriptor, ...]
    via: Via


def _index_entries(content: bytes, where: str) -> list[dict[str, Any]]:
    """The raw ``manifests`` of an image index, bounded; anything else is one line."""
    try:
        document = json.loads(content)
    except (ValueError, RecursionError):
        document = None
    manifests = document.get("manifests") if isinstance(document, dict) else None
    if not isinstance(manifests, list):
        msg = f"{where} is not an OCI image index (no manifests list)"
        raise PipelineError(msg)
    if len(manifests) > MAX_ENTRIES:
        msg = f"{where} lists {len(manifests)} artifacts, more than the {MAX_ENTRIES} read here"
        raise PipelineError(msg)
    for entry in manifests:
        Descriptor.from_dict(entry, where)
    return manifests


async def find_referrers(registry: Registry, repo: str, digest: str) -> Referrers:
    """Every artifact referring to ``repo@digest``, through the API or the fallback tag."""
    where = f"{registry.host}'s referrers API for {repo}@{digest}"
    page = await registry.referrers_page(repo, digest)
    if page is not None:
        entries: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            content, following = page
            entries.extend(_index_entries(content, f"the answer of {where}"))
            if len(entries) > MAX_ENTRIES:
                msg = f"{where} lists more than {MAX_ENTRIES} artifacts"
                raise PipelineError(msg)
            if following is None:
                return Referrers(_descriptors(entries, where), "referrers API")
            page = await registry.referrers_page(repo, digest, following)
            if page is None:
                break
        msg = f"{where} pages without end (or lost a page); stopped after {MAX_PAGES} pages"
        raise PipelineError(msg)
    entries = await _fallback_entries(registry, repo, digest)
    return Referrers(_descriptors(entries, fallback_tag(digest)), "fallback tag")


def _descriptors(entries: list[dict[str, Any]], where: str) -> tuple[Descriptor, ...]:
    return tuple(Descriptor.from_dict(entry, where) for entry in entries)


async def _fallback_entries(registry: Registry, repo: str, digest: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = (await _fallback_index(registry, repo, digest))["manifests"]
    return entries


async def _fallback_index(registry: Registry, repo: str, digest: str) -> dict[str, Any]:
    """The fallback tag's index as stored (every field kept), or a new empty one."""
    tag = fallback_tag(digest)
    try:
        index = await registry.manifest(repo, tag)
    except RegistryError as exc:
        if exc.status == 404:  # noqa: PLR2004 - HTTP not found: no artifact yet
            return {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
        raise
    where = f"the fallback tag {repo}:{tag}"
    if index.media_type != OCI_INDEX:
        msg = f"{where} is a {index.media_type}, not an OCI image index: remove that tag"
        raise PipelineError(msg)
    _index_entries(index.content, where)
    document: dict[str, Any] = json.loads(index.content)
    return document


async def has_referrers_api(registry: Registry, repo: str, digest: str) -> bool:
    """Whether the registry answers the referrers API for ``repo@digest`` with an index.

    Asked before anything is written: a registry that answers it with garbage is one
    clear line, and nothing has been pushed yet.
    """
    page = await registry.referrers_page(repo, digest)
    if page is None:
        return False
    _index_entries(page[0], f"the answer of {registry.host}'s referrers API for {repo}@{digest}")
    return True


async def record_referrer(
    registry: Registry, repo: str, subject: str, entry: Descriptor, *, api: bool
) -> Via:
    """Make ``entry`` discoverable as a referrer of ``subject``.

    With a referrers API (``api``) the registry lists it by itself once listed there;
    otherwise the fallback tag's index gets it, every other entry kept as it was.
    """
    if api and any(
        d.digest == entry.digest for d in (await find_referrers(registry, repo, subject)).entries
    ):
        return "referrers API"
    tag = fallback_tag(subject)
    for _ in range(WRITE_ATTEMPTS):
        document = await _fallback_index(registry, repo, subject)
        entries = document["manifests"]
        if any(e.get("digest") == entry.digest for e in entries):
            return "fallback tag"
        if len(entries) >= MAX_ENTRIES:
            msg = (
                f"the fallback tag {repo}:{tag} already lists {len(entries)} artifacts, the most "
                "this keeps: delete old attestations of that digest first"
            )
            raise PipelineError(msg)
        document["manifests"] = [*entries, entry.to_dict()]
        await registry.put_manifest(repo, tag, Manifest.of(json.dumps(document).encode()))
        if any(
            e.get("digest") == entry.digest
            for e in await _fallback_entries(registry, repo, subject)
        ):
            return "fallback tag"
    msg = f"another writer kept replacing {repo}:{tag}; the artifact is pushed but not listed"
    raise PipelineError(msg)
