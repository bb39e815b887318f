"""`dagger call` of validate, the checks, build, tags and publish on the sample service."""

import subprocess
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import DaggerCall, git

# The integration tier's real docker-registry fixture, registered here under its name.

SAMPLE = ("call", "--subpath", SAMPLE_SUBPATH)


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("check", ["lint", "typecheck", "test", "lint-containerfile"])
def test_each_check_passes_on_the_sample(dagger: DaggerCall, check: str) -> None:
    output = "\n".join(lines(dagger(*SAMPLE, check)))
    assert f"{check} passed after" in output


def test_validate_reports_every_check(dagger: DaggerCall) -> None:
    summary = lines(dagger(*SAMPLE, "validate", "summary"))
    assert [line.split()[:2] for line in summary] == [
        ["lint", "passed"],
        ["typecheck", "passed"],
        ["test", "passed"],
        ["lint-containerfile", "passed"],
    ]
    skipped = lines(dagger(*SAMPLE, "validate", "--skip-tests", "summary"))
    assert skipped[2].split()[:2] == ["test", "skipped"]


def test_build_labels_the_image_from_the_commit(dagger: DaggerCall) -> None:
    def label(name: str) -> str:
        return lines(
            dagger(*SAMPLE, "build", "label", "--name", f"org.opencontainers.image.{name}")
        )[0]

    committed = datetime.fromtimestamp(int(git("log", "-1", "--format=%ct")), tz=UTC)
    assert label("title") == "sample-service"
    assert label("version") == "0.1.0"
    assert label("revision") == git("rev-parse", "HEAD")
    assert label("created") == committed.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert label("source") == "https://github.com/example/sample-service"


def test_tags_of_head(dagger: DaggerCall) -> None:
    sha = git("rev-parse", "HEAD")
    assert lines(dagger(*SAMPLE, "tags", "--kind", "production")) == ["latest", "0.1.0", sha]
    staging = lines(dagger(*SAMPLE, "tags"))
    assert staging[0].startswith("staging-v0.1.0-")
    assert staging[0].endswith(sha[:7])
    assert staging[1] == "staging-latest"


def test_publish_without_a_token_refuses_and_says_how(dagger: DaggerCall) -> None:
    result = dagger(*SAMPLE, "publish")
    assert result.returncode != 0
    assert "--registry-token env://GITHUB_TOKEN" in result.stdout + result.stderr


def test_publish_to_a_local_registry_pushes_every_tag_on_one_digest(
    dagger: DaggerCall,
    registry: str,
) -> None:
    port = urlsplit(registry).port
    published = lines(dagger(*SAMPLE, "publish", "--local-registry", f"tcp://localhost:{port}"))
    assert len(published) == 2
    digests = {reference.rsplit("@", 1)[1] for reference in published}
    assert len(digests) == 1
    tags = [reference.rsplit("@", 1)[0].rsplit(":", 1)[1] for reference in published]
    assert tags[1] == "staging-latest"
    for tag in tags:
        reply = httpx.head(
            f"{registry}/v2/example/sample-service/manifests/{tag}",
            headers={"Accept": "application/vnd.oci.image.manifest.v1+json"},
            timeout=10,
        )
        assert reply.status_code == 200
        assert reply.headers["Docker-Content-Digest"] in digests
