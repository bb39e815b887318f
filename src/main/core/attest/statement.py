"""In-toto statements: the SLSA v1 provenance this pipeline writes, and reading any back.

A statement binds a predicate to artifacts by digest (``subject``); the provenance
predicate says how the image was built: from which source repository and full commit,
with which Containerfile and build arguments, by which builder (this module at its
version, on which Dagger engine) and when. Writing is a pure function of those facts;
the same facts give the same bytes (sorted keys, no whitespace), so a re-run attaches
an identical payload. Reading is strict about the statement's frame and lenient about
the predicate, which other tools extend.

Build arguments are recorded as given: secrets reach a build as ``dagger.Secret``
mounts, never as build arguments (which land in the image's history anyway).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from main.core.attest.errors import COMMIT, AttestationError, checked_digest
from main.core.revision import rfc3339

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
SLSA_PROVENANCE = "https://slsa.dev/provenance/v1"
CYCLONEDX = "https://cyclonedx.org/bom"
SPDX = "https://spdx.dev/Document"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
BUILD_TYPE_FRAGMENT = "#containerfile-build-v1"
MAX_STATEMENT_BYTES = 64 * 1024 * 1024
MAX_DEPENDENCIES = 1000  # resolved dependencies looked through for the git source


@dataclass(frozen=True, slots=True)
class Builder:
    """Who built: this module (its source URI and version) on a Dagger engine version."""

    module: str
    version: str
    engine: str

    @property
    def id(self) -> str:
        """SLSA ``builder.id``: the module's address at the tag of its version (``@v1.2.0``)."""
        return f"{self.module}@v{self.version.removeprefix('v')}"


@dataclass(frozen=True, slots=True)
class Build:
    """What was built and from what: the facts the provenance records."""

    image: str
    digest: str
    repository: str
    commit: str
    ref: str
    containerfile: str
    started: datetime
    finished: datetime
    build_args: Mapping[str, str] = field(default_factory=dict)
    target: str = ""


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement as read back: subject digests, predicate type, predicate."""

    digests: frozenset[str]
    predicate_type: str
    predicate: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SourceFacts:
    """What a provenance says about where the image came from and who built it."""

    repository: str
    commit: str
    builder: str


def canonical(document: object) -> bytes:
    """JSON with sorted keys and no whitespace: the same facts, the same bytes."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def statement(image: str, digest: str, predicate_type: str, predicate: object) -> bytes:
    """An in-toto Statement v1 about ``image@digest``."""
    hex_digest = checked_digest(digest, "the image digest").removeprefix("sha256:")
    return canonical(
        {
            "_type": STATEMENT_TYPE,
            "subject": [{"name": image, "digest": {"sha256": hex_digest}}],
            "predicateType": predicate_type,
            "predicate": predicate,
        }
    )


def provenance(build: Build, builder: Builder) -> bytes:
    """The SLSA v1 provenance statement of ``build``; bad facts are one clear line."""
    _check(build)
    source = {"repository": build.repository, "ref": build.ref}
    parameters: dict[str, object] = {
        "source": source,
        "containerfile": build.containerfile,
        "buildArgs": dict(build.build_args),
    }
    if build.target:
        parameters["target"] = build.target
    at = f"@{build.ref}" if build.ref else ""
    predicate = {
        "buildDefinition": {
            "buildType": f"{builder.module}{BUILD_TYPE_FRAGMENT}",
            "externalParameters": parameters,
            "internalParameters": {},
            "resolvedDependencies": [
                {"uri": f"git+{build.repository}{at}", "digest": {"gitCommit": build.commit}}
            ],
        },
        "runDetails": {
            "builder": {
                "id": builder.id,
                "version": {"pipeline": builder.version, "dagger-engine": builder.engine},
            },
            "metadata": {
                "startedOn": rfc3339(build.started),
                "finishedOn": rfc3339(build.finished),
            },
        },
    }
    return statement(build.image, build.digest, SLSA_PROVENANCE, predicate)


def _check(build: Build) -> None:
    if not build.image:
        msg = "the provenance needs the image repository it describes"
        raise AttestationError(msg)
    checked_digest(build.digest, "the image digest")
    if not build.repository:
        msg = "the provenance needs the source repository URL (e.g. https://github.com/org/svc)"
        raise AttestationError(msg)
    if not COMMIT.fullmatch(build.commit):
        msg = f"commit {build.commit[:80]!r} is not a full 40-character commit sha"
        raise AttestationError(msg)
    for name, when in (("start", build.started), ("end", build.finished)):
        if when.utcoffset() != timedelta(0):
            msg = f"the run's {name} {when.isoformat()} must be a UTC time"
            raise AttestationError(msg)
    if build.finished < build.started:
        end, start = rfc3339(build.finished), rfc3339(build.started)
        msg = f"the run ends before it starts ({end} < {start}): check the run's clock"
        raise AttestationError(msg)


def read_statement(payload: bytes) -> Statement:
    """Parse an in-toto Statement v1, checking its frame (type, subject, predicate type)."""
    if len(payload) > MAX_STATEMENT_BYTES:
        msg = f"the statement is {len(payload)} bytes, more than {MAX_STATEMENT_BYTES}"
        raise AttestationError(msg)
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict):
        msg = "the payload is not an in-toto statement (not a JSON object)"
        raise AttestationError(msg)
    if document.get("_type") != STATEMENT_TYPE:
        kind = str(document.get("_type"))[:80]
        msg = f"the payload is not an in-toto Statement v1 statement (_type {kind!r})"
        raise AttestationError(msg)
    predicate_type = document.get("predicateType")
    predicate = document.get("predicate", {})
    if not isinstance(predicate_type, str) or not isinstance(predicate, dict):
        msg = "the statement has no predicateType (or its predicate is not an object)"
        raise AttestationError(msg)
    return Statement(_subject_digests(document.get("subject")), predicate_type, predicate)


def _subject_digests(subject: object) -> frozenset[str]:
    entries = subject if isinstance(subject, list) else []
    found = set()
    for entry in entries:
        digests = entry.get("digest") if isinstance(entry, dict) else None
        value = digests.get("sha256") if isinstance(digests, dict) else None
        if isinstance(value, str):
            found.add(f"sha256:{value.lower()}")
    if not found:
        msg = "the statement names no subject with a sha256 digest"
        raise AttestationError(msg)
    return frozenset(found)


def source_of(provenance_statement: Statement) -> SourceFacts:
    """The source repository, commit and builder an SLSA v1 provenance names.

    The commit is the first resolved dependency with a ``gitCommit`` digest (ours is
    the first entry; other builders list base images too). The repository is where the
    builder says it built from: ours in ``externalParameters.source``, GitHub's
    workflow build type in ``externalParameters.workflow``, and otherwise the git
    dependency's own URI (``git+https://github.com/org/svc@refs/heads/main``).
    """
    predicate = provenance_statement.predicate
    definition = _object(predicate.get("buildDefinition"))
    parameters = _object(definition.get("externalParameters"))
    dependencies = definition.get("resolvedDependencies")
    git = next(
        (
            _object(d)
            for d in (dependencies[:MAX_DEPENDENCIES] if isinstance(dependencies, list) else [])
            if isinstance(_object(_object(d).get("digest")).get("gitCommit"), str)
        ),
        {},
    )
    commit = _object(git.get("digest")).get("gitCommit")
    builder = _object(_object(predicate.get("runDetails")).get("builder")).get("id")
    repository = next(
        (
            value
            for value in (
                _object(parameters.get("source")).get("repository"),
                _object(parameters.get("workflow")).get("repository"),
                _repository_of(git.get("uri")),
            )
            if isinstance(value, str) and value
        ),
        "",
    )
    if not isinstance(commit, str) or not COMMIT.fullmatch(commit):
        msg = "the provenance names no source commit (a resolvedDependencies digest.gitCommit)"
        raise AttestationError(msg)
    if not repository:
        msg = "the provenance names no source repository (externalParameters.source)"
        raise AttestationError(msg)
    return SourceFacts(repository, commit, builder if isinstance(builder, str) else "")


def _repository_of(uri: object) -> str:
    """``git+https://host/org/svc@refs/heads/main`` is ``https://host/org/svc``."""
    if not isinstance(uri, str) or not uri.startswith("git+"):
        return ""
    address = uri.removeprefix("git+").split("#", 1)[0]
    scheme, _, rest = address.partition("://")
    authority, slash, path = rest.partition("/")
    if not (authority and slash):
        return ""
    return f"{scheme}://{authority}/{path.split('@', 1)[0]}"


def _object(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def run_time(provenance_statement: Statement) -> str:
    """When the run ended (``finishedOn``, else ``startedOn``), as RFC 3339 UTC; else empty."""
    details = _object(provenance_statement.predicate.get("runDetails"))
    metadata = _object(details.get("metadata"))
    for key in ("finishedOn", "startedOn"):
        value = metadata.get(key)
        if not isinstance(value, str):
            continue
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            continue
        if when.tzinfo is not None:
            return rfc3339(when)
    return ""
