from datetime import UTC, datetime

import pytest

from main.core.errors import PipelineError
from main.core.publish import (
    Published,
    local_registry_host,
    one_digest,
    parse_published,
    push_failure,
    registry_username,
    require_credentials,
    tags_for,
)
from main.core.revision import Revision
from tests.support.constants import SHA

DIGEST = "sha256:" + "1" * 64
OTHER = "sha256:" + "2" * 64
REVISION = Revision(sha=SHA, committed_at=datetime(2025, 10, 15, 14, 30, 52, tzinfo=UTC))


@pytest.mark.parametrize(
    "endpoint", ["4bq1u8ffm1i0e:5000", "registry.dagger.local:5000", "localhost:5000"]
)
def test_a_local_registry_is_addressed_as_localhost_on_its_port(endpoint: str) -> None:
    # The engine pushes plain HTTP only to localhost; the service's endpoint names a
    # generated host, which would get HTTPS from a registry that serves none.
    assert local_registry_host(endpoint) == "localhost:5000"


@pytest.mark.parametrize("endpoint", ["4bq1u8ffm1i0e", "host:", "host:http"])
def test_a_local_registry_endpoint_without_a_port_is_refused(endpoint: str) -> None:
    with pytest.raises(PipelineError, match="has no port: pass tcp://HOST:PORT"):
        local_registry_host(endpoint)


def test_credentials_are_required_unless_local() -> None:
    require_credentials(has_token=True, local_registry=False, host="ghcr.io")
    require_credentials(has_token=False, local_registry=True, host="ghcr.io")
    with pytest.raises(PipelineError) as caught:
        require_credentials(has_token=False, local_registry=False, host="ghcr.io")
    message = str(caught.value)
    assert "--registry-token env://GITHUB_TOKEN" in message
    assert "ghcr.io" in message
    assert "\n" not in message


def test_username_defaults_only_where_the_registry_ignores_it() -> None:
    assert registry_username("alice", "ghcr.io") == "alice"
    assert registry_username(None, "ghcr.io")
    assert registry_username("bob", "registry.example.com") == "bob"
    with pytest.raises(PipelineError, match="--registry-username"):
        registry_username(None, "registry.example.com")


def test_published_references_are_read_and_printed_back() -> None:
    reference = f"ghcr.io/example/sample-service:staging-latest@{DIGEST}"
    published = parse_published(reference)
    assert published == Published("ghcr.io/example/sample-service", "staging-latest", DIGEST)
    assert str(published) == reference
    assert parse_published(f"localhost:5000/x:1.0@{DIGEST}").name == "localhost:5000/x"
    with pytest.raises(PipelineError, match="not name:tag@sha256"):
        parse_published("ghcr.io/example/sample-service:latest")


def test_all_tags_must_share_one_digest() -> None:
    same = [Published("r", "a", DIGEST), Published("r", "b", DIGEST)]
    assert one_digest(same) == DIGEST
    with pytest.raises(PipelineError, match="different images"):
        one_digest([Published("r", "a", DIGEST), Published("r", "b", OTHER)])
    with pytest.raises(PipelineError, match="nothing was pushed"):
        one_digest([])


def test_a_push_failure_names_the_tag_and_what_already_moved() -> None:
    message = push_failure("staging-latest", "denied:\n  permission\tdenied", ["staging-v0.1.0-x"])
    assert message == (
        "pushing tag 'staging-latest' failed: denied: permission denied; "
        "tags already pushed: staging-v0.1.0-x"
    )
    assert push_failure("latest", "", []).endswith("no reason given; tags already pushed: none")


def test_tags_for_the_issue_example() -> None:
    deployed = datetime(2025, 10, 15, 14, 30, 52, tzinfo=UTC)
    assert tags_for("staging", "0.1.0", REVISION, deployed) == [
        "staging-v0.1.0-20251015-143052-abc123d",
        "staging-latest",
    ]


def test_the_staging_timestamp_is_the_deployment_not_the_commit() -> None:
    later = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert tags_for("staging", "0.1.0", REVISION, later)[0] == (
        "staging-v0.1.0-20260304-050607-abc123d"
    )
    assert tags_for("production", "0.1.0", REVISION) == ["latest", "0.1.0", SHA]


def test_tags_need_a_known_kind_and_a_commit() -> None:
    with pytest.raises(PipelineError, match="use staging or production"):
        tags_for("prod", "0.1.0", REVISION)
    with pytest.raises(PipelineError, match=r"tags name a commit, and the source has no \.git"):
        tags_for("staging", "0.1.0", None)


@pytest.mark.parametrize(
    "endpoint", ["tcp://localhost:0", "tcp://localhost:65536", "localhost:" + "9" * 5000]
)
def test_a_local_registry_port_no_socket_has_is_one_line(endpoint: str) -> None:
    with pytest.raises(PipelineError, match="port") as caught:
        local_registry_host(endpoint)
    assert len(str(caught.value)) < 300
