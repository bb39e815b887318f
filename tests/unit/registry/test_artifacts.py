"""Artifact manifests and referrer descriptors, without a registry."""

import json

import pytest

from main.core.errors import PipelineError
from main.core.registry.artifacts import (
    EMPTY_TYPE,
    TITLE,
    Descriptor,
    artifact_manifest,
)
from main.core.registry.manifests import OCI_MANIFEST, sha256_digest
from main.core.registry.referrers import fallback_tag

DIGEST = "sha256:" + "ab" * 32


def test_the_fallback_tag_is_the_digest_with_a_dash() -> None:
    assert fallback_tag(DIGEST) == "sha256-" + "ab" * 32


def test_an_artifact_manifest_follows_the_image_spec_1_1_guidance() -> None:
    layer = Descriptor(
        "application/vnd.dsse.envelope.v1+json", DIGEST, 10, annotations={TITLE: "p"}
    )
    subject = Descriptor(OCI_MANIFEST, "sha256:" + "cd" * 32, 500)
    manifest = artifact_manifest(
        "application/vnd.dsse.envelope.v1+json", layer, subject, {"a": "b"}
    )
    document = json.loads(manifest.content)
    assert manifest.media_type == OCI_MANIFEST
    assert document["artifactType"] == "application/vnd.dsse.envelope.v1+json"
    assert document["config"] == {
        "mediaType": EMPTY_TYPE,
        "digest": sha256_digest(b"{}"),
        "size": 2,
    }
    assert document["layers"] == [layer.to_dict()]
    assert document["subject"] == {"mediaType": OCI_MANIFEST, "digest": subject.digest, "size": 500}
    assert document["annotations"] == {"a": "b"}


def test_a_descriptor_reads_back_what_it_wrote() -> None:
    entry = Descriptor(OCI_MANIFEST, DIGEST, 7, "application/x", {"k": "v"})
    assert Descriptor.from_dict(entry.to_dict(), "here") == entry


@pytest.mark.parametrize(
    "entry",
    [
        "x",
        {"mediaType": OCI_MANIFEST, "digest": "sha256:abc", "size": 1},
        {"mediaType": OCI_MANIFEST, "digest": DIGEST, "size": -1},
        {"mediaType": OCI_MANIFEST, "digest": DIGEST, "size": True},
        {"mediaType": OCI_MANIFEST, "digest": DIGEST, "size": 1, "annotations": {"a": 1}},
        {"mediaType": OCI_MANIFEST, "digest": DIGEST, "size": 1, "artifactType": 3},
        {"digest": DIGEST, "size": 1},
    ],
)
def test_an_entry_that_is_not_a_descriptor_is_one_line(entry: object) -> None:
    with pytest.raises(PipelineError, match="the fallback tag x holds an entry") as caught:
        Descriptor.from_dict(entry, "the fallback tag x")
    assert "\n" not in str(caught.value)
