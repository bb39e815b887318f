import base64
import gzip
import json
import os

import pytest

from main.core.errors import PipelineError
from main.core.scan.sarif import MAX_GZIP_BYTES, build_upload

SHA = "0123456789abcdef0123456789abcdef01234567"
SARIF = json.dumps({"version": "2.1.0", "runs": [{"tool": {}, "results": [{"ruleId": "CVE-1"}]}]})


def test_builds_the_documented_request() -> None:
    upload = build_upload(
        SARIF.encode(), repository="acme/api", commit_sha=SHA, ref="refs/heads/main"
    )
    assert upload.url == "https://api.github.com/repos/acme/api/code-scanning/sarifs"
    assert upload.headers["Accept"] == "application/vnd.github+json"
    assert upload.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert "Authorization" not in upload.headers
    assert upload.body["commit_sha"] == SHA
    assert upload.body["ref"] == "refs/heads/main"
    assert gzip.decompress(base64.b64decode(upload.body["sarif"])) == SARIF.encode()
    assert json.loads(upload.content()) == upload.body


def test_api_url_points_elsewhere_for_ghes() -> None:
    upload = build_upload(
        SARIF.encode(),
        repository="acme/api",
        commit_sha=SHA,
        ref="refs/pull/42/merge",
        api_url="https://ghe.example.com/api/v3/",
    )
    assert upload.url == "https://ghe.example.com/api/v3/repos/acme/api/code-scanning/sarifs"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"repository": "acme"}, "must be OWNER/NAME"),
        ({"commit_sha": "abc123"}, "full 40-character"),
        ({"commit_sha": SHA.upper()}, "full 40-character"),
        ({"ref": "main"}, "must be a full git ref"),
        ({"ref": "refs/pull/x/merge"}, "must be a full git ref"),
        ({"api_url": "ftp://x"}, "must be an http"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, str], message: str) -> None:
    arguments = {"repository": "acme/api", "commit_sha": SHA, "ref": "refs/heads/main"}
    with pytest.raises(PipelineError, match=message):
        build_upload(SARIF.encode(), **{**arguments, **kwargs})


@pytest.mark.parametrize(
    ("sarif", "message"),
    [
        (b"not json", "not JSON"),
        (b'{"version": "2.1.0"}', "no 'runs' list"),
        (
            json.dumps({"runs": [{"results": [{}] * 25_001}]}).encode(),
            "25001 results; GitHub rejects more than 25000",
        ),
    ],
)
def test_bad_sarif_is_refused(sarif: bytes, message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        build_upload(sarif, repository="acme/api", commit_sha=SHA, ref="refs/heads/main")


def test_over_ten_megabytes_compressed_is_refused_before_sending() -> None:
    noise = base64.b64encode(os.urandom(MAX_GZIP_BYTES)).decode()  # does not compress
    sarif = json.dumps({"runs": [{"results": [{"message": {"text": noise}}]}]}).encode()
    with pytest.raises(PipelineError, match=r"gzip-compressed; GitHub accepts at most 10000000"):
        build_upload(sarif, repository="acme/api", commit_sha=SHA, ref="refs/heads/main")
