"""The provenance statement: an in-toto Statement v1 with an SLSA v1 predicate."""

import json
from datetime import UTC, datetime

import pytest

from main.core.attest.statement import (
    SLSA_PROVENANCE,
    STATEMENT_TYPE,
    Build,
    Builder,
    provenance,
    read_statement,
    source_of,
)
from main.core.errors import PipelineError

DIGEST = "sha256:" + "ab" * 32
COMMIT = "0123456789abcdef0123456789abcdef01234567"
START = datetime(2026, 12, 7, 5, 0, 0, tzinfo=UTC)
END = datetime(2026, 12, 7, 5, 3, 20, tzinfo=UTC)
BUILDER = Builder(module="https://github.com/acme/pipeline", version="0.4.0", engine="v0.21.11")


def build(**changes: object) -> Build:
    fields: dict[str, object] = {
        "image": "ghcr.io/acme/svc",
        "digest": DIGEST,
        "repository": "https://github.com/acme/svc",
        "commit": COMMIT,
        "ref": "refs/heads/develop",
        "containerfile": "Containerfile",
        "build_args": {"PYTHON": "3.12"},
        "started": START,
        "finished": END,
    }
    fields.update(changes)
    return Build(**fields)  # type: ignore[arg-type]


def test_the_statement_names_the_digest_the_source_and_the_builder() -> None:
    statement = json.loads(provenance(build(), BUILDER))
    assert statement["_type"] == STATEMENT_TYPE
    assert statement["subject"] == [{"name": "ghcr.io/acme/svc", "digest": {"sha256": "ab" * 32}}]
    assert statement["predicateType"] == SLSA_PROVENANCE
    definition = statement["predicate"]["buildDefinition"]
    assert definition["externalParameters"]["source"] == {
        "repository": "https://github.com/acme/svc",
        "ref": "refs/heads/develop",
    }
    assert definition["externalParameters"]["containerfile"] == "Containerfile"
    assert definition["externalParameters"]["buildArgs"] == {"PYTHON": "3.12"}
    assert definition["resolvedDependencies"] == [
        {
            "uri": "git+https://github.com/acme/svc@refs/heads/develop",
            "digest": {"gitCommit": COMMIT},
        }
    ]
    run = statement["predicate"]["runDetails"]
    assert run["builder"]["id"] == "https://github.com/acme/pipeline@v0.4.0"
    assert run["builder"]["version"] == {"pipeline": "0.4.0", "dagger-engine": "v0.21.11"}
    assert run["metadata"]["startedOn"] == "2026-12-07T05:00:00Z"
    assert run["metadata"]["finishedOn"] == "2026-12-07T05:03:20Z"


def test_the_same_build_gives_the_same_bytes() -> None:
    assert provenance(build(), BUILDER) == provenance(build(), BUILDER)


def test_reading_it_back_gives_the_source_facts() -> None:
    statement = read_statement(provenance(build(), BUILDER))
    assert statement.digests == {DIGEST}
    assert statement.predicate_type == SLSA_PROVENANCE
    facts = source_of(statement)
    assert (facts.repository, facts.commit) == ("https://github.com/acme/svc", COMMIT)
    assert facts.builder == "https://github.com/acme/pipeline@v0.4.0"


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"digest": "sha256:abc"}, "digest"),
        ({"digest": "latest"}, "digest"),
        ({"commit": "abc1234"}, "full 40-character commit"),
        ({"repository": ""}, "source repository"),
        ({"image": ""}, "image"),
        ({"finished": datetime(2026, 12, 7, 4, 0, tzinfo=UTC)}, "ends before it starts"),
        ({"started": datetime(2026, 12, 7, 5, 0)}, "UTC"),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_bad_build_facts_are_refused_with_one_line(changes: dict[str, object], words: str) -> None:
    with pytest.raises(PipelineError, match=words) as caught:
        provenance(build(**changes), BUILDER)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[]",
        b'{"_type": "https://in-toto.io/Statement/v0.1", "subject": [], "predicateType": "x"}',
        json.dumps({"_type": STATEMENT_TYPE, "subject": "x", "predicateType": "p"}).encode(),
        json.dumps(
            {"_type": STATEMENT_TYPE, "subject": [{"digest": {}}], "predicateType": "p"}
        ).encode(),
        json.dumps({"_type": STATEMENT_TYPE, "subject": [{"name": "a"}]}).encode(),
    ],
)
def test_a_statement_that_is_not_one_is_refused(payload: bytes) -> None:
    with pytest.raises(PipelineError, match="statement") as caught:
        read_statement(payload)
    assert "\n" not in str(caught.value)


def test_a_provenance_without_source_facts_is_refused() -> None:
    statement = json.loads(provenance(build(), BUILDER))
    del statement["predicate"]["buildDefinition"]["resolvedDependencies"]
    with pytest.raises(PipelineError, match="commit"):
        source_of(read_statement(json.dumps(statement).encode()))
