"""The command line with what an outsider hands it, against the real docker-registry.

Another tool's SBOM (SPDX JSON, syft's CycloneDX), a provenance GitHub's
``actions/attest-build-provenance`` would write, keys from openssl (P-256, P-384), and
the registry addresses people type: with or without ``http://``, ``localhost`` or
``127.0.0.1``, with or without a trailing slash.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from main.core.registry.client import Registry
from main.core.registry.referrers import find_referrers
from tests.support.attestations import COMMIT, Pushed, pushed_image
from tests.support.signing_keys import ecdsa_pair
from tests.support.staging import new_repo
from tests.unit.attest.test_outsider_inputs import GITHUB_PROVENANCE, SPDX, SYFT_CYCLONEDX

P256 = ecdsa_pair("outsider-p256")
P384 = ecdsa_pair("outsider-p384", ec.SECP384R1)


def run(*args: str) -> tuple[int, dict[str, Any], str]:
    result = subprocess.run(
        [sys.executable, "-m", "main.core.attest", *args],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return result.returncode, json.loads(result.stdout), lines[0]


def push(url: str, repo: str) -> Pushed:
    async def go() -> Pushed:
        async with Registry(url) as client:
            return await pushed_image(client, repo)

    return anyio.run(go)


def write(tmp_path: Path, name: str, content: bytes) -> str:
    (tmp_path / name).write_bytes(content)
    return str(tmp_path / name)


def github_provenance(image: str, digest: str) -> bytes:
    statement = json.loads(json.dumps(GITHUB_PROVENANCE))
    statement["subject"] = [{"name": image, "digest": {"sha256": digest.removeprefix("sha256:")}}]
    return json.dumps(statement, indent=2).encode()


@pytest.mark.parametrize(
    ("sbom", "fmt", "packages", "predicate_type"),
    [
        (SPDX, "SPDX SPDX-2.3", 2, "https://spdx.dev/Document"),
        (SYFT_CYCLONEDX, "CycloneDX 1.5", 2, "https://cyclonedx.org/bom"),
    ],
    ids=["spdx", "syft-cyclonedx"],
)
def test_another_tools_sbom_and_githubs_provenance_attach_and_verify(  # noqa: PLR0913 - cases
    registry: str,
    tmp_path: Path,
    sbom: dict[str, object],
    *,
    fmt: str,
    packages: int,
    predicate_type: str,
) -> None:
    repo = new_repo("attest-outsider")
    pushed = push(registry, repo)
    host = registry.removeprefix("http://")
    image = f"{repo}@{pushed.digest}"
    code, out, line = run(
        "attach",
        "--registry",
        registry,
        "--image",
        image,
        "--sbom",
        write(tmp_path, "sbom.json", json.dumps(sbom).encode()),
        "--provenance",
        write(tmp_path, "prov.json", github_provenance(f"{host}/{repo}", pushed.digest)),
        "--key",
        write(tmp_path, "p384.key", P384.private),
    )
    assert code == 0, line
    assert out["sbom"]["packages"] == packages
    # cosign's predicate types: `cosign verify-attestation --type spdxjson|cyclonedx` finds it.
    assert out["artifacts"][1]["predicateType"] == predicate_type
    code, out, line = run(
        "verify",
        "--registry",
        registry,
        "--image",
        image,
        "--key",
        write(tmp_path, "p384.pub", P384.public),
        "--source-repo",
        "https://github.com/acme/svc.git",
        "--commit",
        COMMIT,
    )
    assert (code, out["verified"]) == (0, True), line
    assert out["sbom"]["format"] == fmt
    assert out["sbom"]["packages"] == packages
    assert out["provenance"]["builder"].endswith("release.yml@refs/heads/main")


def test_the_registry_addresses_people_type_reach_the_same_registry(
    registry: str, tmp_path: Path
) -> None:
    repo = new_repo("attest-forms")
    pushed = push(registry, repo)
    port = registry.rsplit(":", 1)[1]
    files = [
        "--sbom",
        write(tmp_path, "sbom.json", json.dumps(SYFT_CYCLONEDX).encode()),
        "--provenance",
        write(tmp_path, "prov.json", github_provenance(f"x/{repo}", pushed.digest)),
        "--key",
        write(tmp_path, "p256.key", P256.private),
    ]
    code, _, line = run(
        "attach", "--registry", f"127.0.0.1:{port}/", "--image", f"{repo}@{pushed.digest}", *files
    )
    assert code == 0, line
    forms = [
        registry,
        f"{registry}/",
        f"127.0.0.1:{port}",
        f"localhost:{port}",
        f"localhost:{port}/",
    ]
    for form in forms:
        key = write(tmp_path, "p256.pub", P256.public)
        code, out, line = run(
            "verify", "--registry", form, "--image", f"{repo}@{pushed.digest}", "--key", key
        )
        assert (code, out["verified"]) == (0, True), f"{form}: {line}"
    # The image may name the registry's host too, as `docker push` does.
    named = f"127.0.0.1:{port}/{repo}@{pushed.digest}"
    code, _, line = run("verify", "--registry", f"127.0.0.1:{port}", "--image", named)
    assert code == 0, line

    async def listed() -> int:
        async with Registry(registry) as client:
            return len((await find_referrers(client, repo, pushed.digest)).entries)

    assert anyio.run(listed) == 2  # attached once, whatever address reached it


def test_an_image_on_another_registry_than_the_one_given_is_bad_usage() -> None:
    digest = "sha256:" + "a" * 64
    code, out, line = run(
        "verify", "--registry", "127.0.0.1:9", "--image", f"ghcr.io/acme/svc@{digest}"
    )
    assert code == 2
    assert "ghcr.io" in line
    assert "--registry" in line
    assert out["error"]


@pytest.mark.parametrize(
    ("option", "content"),
    [("--sbom", b"not json"), ("--sbom", b'{"spdxVersion": 2}'), ("--provenance", b"[]")],
)
def test_an_input_that_is_not_what_it_claims_names_its_option_and_file(
    tmp_path: Path, option: str, content: bytes
) -> None:
    digest = "sha256:" + "a" * 64
    files = {
        "--sbom": write(tmp_path, "sbom.json", json.dumps(SPDX).encode()),
        "--provenance": write(tmp_path, "prov.json", github_provenance("x/y", digest)),
    }
    files[option] = write(tmp_path, "bad.json", content)
    code, _, line = run(
        "attach",
        "--registry",
        "127.0.0.1:9",
        "--image",
        f"acme/svc@{digest}",
        *[part for pair in files.items() for part in pair],
    )
    assert code == 2
    assert f"{option} {tmp_path / 'bad.json'}: " in line
