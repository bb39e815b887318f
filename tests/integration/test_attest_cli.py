"""`python -m main.core.attest attach|verify` as a user runs it, against a real registry."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from main.core.registry.client import Registry
from tests.support.attestations import COMMIT, SOURCE, Pushed, pushed_image
from tests.support.auth_proxy import ProxyState, auth_front
from tests.support.signing_keys import ecdsa_pair
from tests.support.staging import new_repo

KEY = ecdsa_pair("cli")
OTHER = ecdsa_pair("cli-other")
SECRET = "s3cret"  # noqa: S105 - the test front's password


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    result = subprocess.run(
        [sys.executable, "-m", "main.core.attest", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return result.returncode, json.loads(result.stdout), lines[0]


def push(url: str, repo: str, *, username: str | None = None) -> Pushed:
    async def go() -> Pushed:
        async with Registry(url, username, SECRET if username else None) as client:
            return await pushed_image(client, repo)

    return anyio.run(go)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"key": tmp_path / "cosign.key", "pub": tmp_path / "cosign.pub"}
    paths["key"].write_bytes(KEY.private)
    paths["pub"].write_bytes(KEY.public)
    (tmp_path / "other.pub").write_bytes(OTHER.public)
    paths["other"] = tmp_path / "other.pub"
    return paths


def inputs(tmp_path: Path, pushed: Pushed) -> list[str]:
    (tmp_path / "sbom.json").write_bytes(pushed.sbom)
    (tmp_path / "provenance.json").write_bytes(pushed.provenance)
    return [
        "--sbom",
        str(tmp_path / "sbom.json"),
        "--provenance",
        str(tmp_path / "provenance.json"),
    ]


def test_attach_then_verify_with_the_key(
    registry: str, tmp_path: Path, files: dict[str, Path]
) -> None:
    repo = new_repo("attest-cli")
    pushed = push(registry, repo)
    image = f"{repo}@{pushed.digest}"
    code, out, line = run(
        "attach",
        "--registry",
        registry,
        "--image",
        image,
        *inputs(tmp_path, pushed),
        "--key",
        str(files["key"]),
    )
    assert (code, out["attached"], out["via"]) == (0, True, "fallback tag"), line
    assert [a["kind"] for a in out["artifacts"]] == ["provenance", "sbom"]
    assert out["sbom"] == {"packages": 3}
    code, out, line = run(
        "verify",
        "--registry",
        registry,
        "--image",
        image,
        "--key",
        str(files["pub"]),
        "--source-repo",
        SOURCE,
        "--commit",
        COMMIT,
    )
    assert (code, out["verified"]) == (0, True), line
    assert out["provenance"]["commit"] == COMMIT
    assert line.startswith("verified: ")


def test_verify_with_another_key_or_nothing_attached_exits_1(
    registry: str, tmp_path: Path, files: dict[str, Path]
) -> None:
    repo = new_repo("attest-cli")
    pushed = push(registry, repo)
    image = f"{repo}@{pushed.digest}"
    code, out, line = run("verify", "--registry", registry, "--image", image)
    assert (code, out["verified"]) == (1, False)
    none = f"provenance: none attached to {pushed.digest} (looked via the fallback tag)"
    assert line == f"not verified: {none}"
    run(
        "attach",
        "--registry",
        registry,
        "--image",
        image,
        *inputs(tmp_path, pushed),
        "--key",
        str(files["key"]),
    )
    code, out, line = run(
        "verify", "--registry", registry, "--image", image, "--key", str(files["other"])
    )
    assert (code, out["verified"]) == (1, False)
    assert "signature: the envelope is not signed by the given key" in line


def test_credentials_come_from_the_environment_and_never_show(
    registry: str, tmp_path: Path, files: dict[str, Path]
) -> None:
    state = ProxyState(upstream=registry, mode="basic", password=SECRET)
    with auth_front(state) as url:
        repo = new_repo("attest-cli")
        pushed = push(url, repo, username=state.username)
        image = f"{repo}@{pushed.digest}"
        env = {"REGISTRY_USERNAME": state.username, "REGISTRY_PASSWORD": SECRET}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "main.core.attest",
                "attach",
                "--registry",
                url,
                "--image",
                image,
                *inputs(tmp_path, pushed),
                "--key",
                str(files["key"]),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **env},
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        code, _, line = run("verify", "--registry", url, "--image", image, env=env)
        anonymous, _, refused = run("verify", "--registry", url, "--image", image)
    assert code == 0, line
    assert anonymous == 1
    assert "REGISTRY_USERNAME" in refused
    for text in (result.stdout, result.stderr, line, refused):
        assert SECRET not in text
        assert "PRIVATE KEY" not in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["verify", "--registry", "http://127.0.0.1:9"], "--image"),
        (
            ["verify", "--registry", "http://127.0.0.1:9", "--image", "acme/svc:latest"],
            "REPO@sha256:",
        ),
        (
            ["verify", "--registry", "ftp://x", "--image", "acme/svc@sha256:" + "a" * 64],
            "--registry",
        ),
        (["sign"], "invalid choice"),
        (
            [
                "attach",
                "--registry",
                "http://127.0.0.1:9",
                "--image",
                "acme/svc@sha256:" + "a" * 64,
                "--sbom",
                "/nonexistent/sbom.json",
                "--provenance",
                "/nonexistent/p.json",
            ],
            "/nonexistent/p.json: No such file",
        ),
        (
            [
                "verify",
                "--registry",
                "http://127.0.0.1:9",
                "--image",
                "acme/svc@sha256:" + "a" * 64,
                "--commit",
                "abc",
            ],
            "--commit",
        ),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(args: list[str], words: str) -> None:
    code, out, line = run(*args)
    assert code == 2
    assert words in line
    assert out["error"]


def test_inputs_that_are_not_what_they_claim_are_exit_2_before_any_write(
    registry: str, tmp_path: Path, files: dict[str, Path]
) -> None:
    repo = new_repo("attest-cli")
    pushed = push(registry, repo)
    other = push(registry, f"{repo}-other")
    wrong = tmp_path / "wrong.json"
    wrong.write_bytes(other.provenance)
    args = inputs(tmp_path, pushed)
    args[3] = str(wrong)
    code, _, line = run(
        "attach",
        "--registry",
        registry,
        "--image",
        f"{repo}@{pushed.digest}",
        *args,
        "--key",
        str(files["key"]),
    )
    assert code == 2
    assert f"not the image {pushed.digest}" in line
    code, _, line = run(
        "attach",
        "--registry",
        registry,
        "--image",
        f"{repo}@{pushed.digest}",
        *inputs(tmp_path, pushed),
        "--key",
        str(files["pub"]),
    )
    assert code == 2
    assert "--key" in line
    assert "not a PEM private key" in line

    async def tags() -> list[str]:
        return await Registry(registry).tags(repo)

    assert anyio.run(tags) == ["v1"]


def test_an_unreachable_registry_is_exit_1() -> None:
    code, out, line = run(
        "verify", "--registry", "http://127.0.0.1:9", "--image", "acme/svc@sha256:" + "a" * 64
    )
    assert (code, out["verified"]) == (1, False)
    assert "cannot reach 127.0.0.1:9" in line
