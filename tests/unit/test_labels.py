from datetime import UTC, datetime

from main.core.labels import CREATED, REVISION, SOURCE, TITLE, VERSION, oci_labels, source_url
from main.core.revision import Revision

REVISION_AT = Revision(
    sha="abc123def4567890abc123def4567890abc12345",
    committed_at=datetime(2025, 10, 15, 14, 30, 52, tzinfo=UTC),
)


def test_the_five_labels_come_from_the_commit() -> None:
    labels = oci_labels(
        title="sample-service",
        version="0.1.0",
        revision=REVISION_AT,
        source="https://github.com/example/sample-service",
    )
    assert labels == {
        "org.opencontainers.image.title": "sample-service",
        "org.opencontainers.image.version": "0.1.0",
        "org.opencontainers.image.revision": REVISION_AT.sha,
        "org.opencontainers.image.created": "2025-10-15T14:30:52Z",
        "org.opencontainers.image.source": "https://github.com/example/sample-service",
    }
    assert list(labels) == [TITLE, VERSION, REVISION, CREATED, SOURCE]


def test_same_commit_same_labels() -> None:
    def make() -> dict[str, str]:
        return oci_labels(title="t", version="1.0", revision=REVISION_AT, source=None)

    assert make() == make()


def test_without_a_commit_there_is_no_revision_and_no_clock_time() -> None:
    labels = oci_labels(title="t", version="1.0", revision=None, source=None)
    assert labels == {TITLE: "t", VERSION: "1.0"}


def test_source_prefers_configuration_then_ghcr_convention() -> None:
    assert source_url("ghcr.io/acme/api", "https://git.example/acme/api") == (
        "https://git.example/acme/api"
    )
    assert source_url("ghcr.io/acme/api", None) == "https://github.com/acme/api"
    assert source_url("registry.example.com/acme/api", None) is None
    assert source_url("ghcr.io/acme/team/api", None) is None
    assert source_url(None, None) is None
