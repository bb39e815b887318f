"""SARIF upload against a real local HTTP server that checks GitHub's documented request."""

import json
from collections.abc import Iterator

import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.core.errors import PipelineError
from main.core.scan.sarif import build_upload, upload_sarif
from tests.support.github_stub import GitHubStub, github_stub
from tests.support.lazy import calls
from tests.support.scans import scan_result

TOKEN = "ghs_test-token-value"  # noqa: S105 - a made-up token the stub expects
SHA = "0123456789abcdef0123456789abcdef01234567"
SARIF = json.dumps(
    {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Trivy"}}, "results": []}]}
).encode()


@pytest.fixture
def github() -> Iterator[GitHubStub]:
    with github_stub(TOKEN) as stub:
        yield stub


@pytest.mark.anyio
async def test_an_accepted_upload_returns_githubs_id(github: GitHubStub) -> None:
    upload = build_upload(
        SARIF, repository="acme/api", commit_sha=SHA, ref="refs/pull/7/merge", api_url=github.url
    )
    receipt = await upload_sarif(upload, TOKEN)
    assert receipt.id == "upload-1"
    assert receipt.url == f"{github.url}/sarifs/upload-1"
    (request,) = github.received
    assert request.problems == []
    assert request.path == "/repos/acme/api/code-scanning/sarifs"
    assert request.body["commit_sha"] == SHA
    assert request.body["ref"] == "refs/pull/7/merge"
    assert request.sarif == SARIF


@pytest.mark.anyio
async def test_a_wrong_token_is_rejected_and_said_so(github: GitHubStub) -> None:
    upload = build_upload(
        SARIF, repository="acme/api", commit_sha=SHA, ref="refs/heads/main", api_url=github.url
    )
    with pytest.raises(PipelineError, match=r"HTTP 400.*Authorization is not 'Bearer <token>'"):
        await upload_sarif(upload, "wrong")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (403, "security_events write permission"),
        (404, "does not exist or the token cannot see it"),
        (413, "too large"),
        (422, "could not process"),
    ],
)
async def test_a_rejection_is_one_clear_line(github: GitHubStub, status: int, hint: str) -> None:
    github.reject_with = (status, "Resource not accessible by integration")
    upload = build_upload(
        SARIF, repository="acme/api", commit_sha=SHA, ref="refs/heads/main", api_url=github.url
    )
    with pytest.raises(PipelineError) as caught:
        await upload_sarif(upload, TOKEN)
    message = str(caught.value)
    assert f"HTTP {status}" in message
    assert hint in message
    assert "Resource not accessible by integration" in message
    assert "\n" not in message
    assert TOKEN not in message


@pytest.mark.anyio
async def test_an_unreachable_api_is_an_error_not_a_pass() -> None:
    with github_stub(TOKEN) as stub:
        url = stub.url
    upload = build_upload(
        SARIF, repository="acme/api", commit_sha=SHA, ref="refs/heads/main", api_url=url
    )
    with pytest.raises(PipelineError, match="cannot reach GitHub"):
        await upload_sarif(upload, TOKEN)


@pytest.mark.anyio
async def test_the_module_uploads_the_converted_sarif_with_the_secret(
    github: GitHubStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[list[str]] = []

    async def contents(self: dagger.File, **_: object) -> str:
        execs = [c.args["args"] for c in calls(self) if c.name == "withExec"]
        read.extend(execs)
        return SARIF.decode()

    async def plaintext(self: dagger.Secret) -> str:
        assert [c.name for c in calls(self)] == ["setSecret"]
        return TOKEN

    monkeypatch.setattr(dagger.File, "contents", contents)
    monkeypatch.setattr(dagger.Secret, "plaintext", plaintext)
    upload_id = await scan_result().upload_sarif(
        token=dag.set_secret("github-token", "unused"),
        repository="acme/api",
        commit_sha=SHA,
        ref="refs/heads/main",
        api_url=github.url,
    )
    assert upload_id == "upload-1"
    assert read == [
        [
            "trivy",
            "convert",
            "--format",
            "sarif",
            "--output",
            "/scan/converted",
            "/scan/report.json",
        ]
    ]
    (request,) = github.received
    assert request.problems == []
    assert request.sarif == SARIF


@pytest.mark.anyio
async def test_the_module_reports_a_rejection_without_a_traceback(
    github: GitHubStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def contents(_self: dagger.File, **_: object) -> str:
        return SARIF.decode()

    async def plaintext(_self: dagger.Secret) -> str:
        return TOKEN

    monkeypatch.setattr(dagger.File, "contents", contents)
    monkeypatch.setattr(dagger.Secret, "plaintext", plaintext)
    github.reject_with = (403, "Advanced Security must be enabled")
    with pytest.raises(FunctionError, match="HTTP 403") as caught:
        await scan_result().upload_sarif(
            token=dag.set_secret("github-token", "unused"),
            repository="acme/api",
            commit_sha=SHA,
            ref="refs/heads/main",
            api_url=github.url,
        )
    assert caught.value.__cause__ is None
