"""Manifests, retry delays and the registry settings."""

import json

import pytest

from main.core.config import load_config
from main.core.errors import PipelineError
from main.core.http import MAX_RETRY_AFTER, RetryPolicy
from main.core.registry.manifests import DOCKER_MANIFEST_LIST, OCI_MANIFEST, Manifest, config_labels


def test_manifest_bytes_are_kept_exactly_and_read_for_children() -> None:
    content = (
        b'{"schemaVersion":2,  "manifests":[{"digest":"sha256:aa","platform":{"os":"linux"}},'
        b'{"digest":"sha256:bb","platform":{"os":"unknown"}}]}'
    )
    index = Manifest.of(content, DOCKER_MANIFEST_LIST)
    assert index.content == content
    assert index.is_index
    assert index.children() == ["sha256:aa", "sha256:bb"]
    assert index.image_children() == ["sha256:aa"]
    with pytest.raises(PipelineError, match="not a single image"):
        index.config_digest()


def test_the_media_type_falls_back_to_the_document_and_must_be_known() -> None:
    image = json.dumps({"mediaType": OCI_MANIFEST, "config": {"digest": "sha256:cc"}}).encode()
    assert Manifest.of(image).config_digest() == "sha256:cc"
    assert Manifest.of(image, "application/json").media_type == OCI_MANIFEST
    with pytest.raises(PipelineError, match="unsupported manifest media type"):
        Manifest.of(b"{}")
    with pytest.raises(PipelineError, match="not a JSON object"):
        Manifest.of(b"[]", OCI_MANIFEST)


def test_labels_are_read_from_a_config_blob() -> None:
    blob = json.dumps({"config": {"Labels": {"a": "1"}}}).encode()
    assert config_labels(blob) == {"a": "1"}
    assert config_labels(b'{"config": {}}') == {}


def test_retry_delays_double_and_honour_retry_after_within_a_cap() -> None:
    policy = RetryPolicy(retries=3, backoff=0.5)
    assert [policy.delay(n) for n in range(3)] == [0.5, 1.0, 2.0]
    assert policy.delay(0, "3") == 3.0
    assert policy.delay(0, "9999") == MAX_RETRY_AFTER
    assert policy.delay(1, "Wed, 21 Oct 2015 07:28:00 GMT") == 1.0


def test_registry_settings_have_defaults_and_are_checked() -> None:
    defaults = load_config(None)
    assert (defaults.retention.keep, defaults.retention.keep_newer_than) == (10, "7d")
    assert defaults.github_api_url == "https://api.github.com"
    table = '[tool.pipeline]\nstaging-keep = 3\nstaging-keep-newer-than = "2w"\n'
    assert load_config(table).retention.keep == 3
    assert (
        load_config('[tool.pipeline]\nstaging-keep-newer-than = ""\n').retention.keep_newer_than
        == ""
    )
    with pytest.raises(PipelineError, match=r"staging-keep-newer-than: '2 weeks' is not an age"):
        load_config('[tool.pipeline]\nstaging-keep-newer-than = "2 weeks"\n')
    with pytest.raises(PipelineError, match=r"staging-keep: Input should be greater"):
        load_config("[tool.pipeline]\nstaging-keep = -1\n")
