"""CycloneDX SBOMs as Trivy writes them: shape checked enough to count packages."""

import json

import pytest

from main.core.attest.sbom import read_sbom
from main.core.errors import PipelineError


def bom(components: list[dict[str, object]]) -> bytes:
    return json.dumps(
        {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components}
    ).encode()


def test_packages_are_the_library_components_nested_or_not() -> None:
    data = bom(
        [
            {"type": "operating-system", "name": "debian", "version": "12.8"},
            {"type": "library", "name": "libc6", "purl": "pkg:deb/debian/libc6@2.36"},
            {
                "type": "application",
                "name": "uv.lock",
                "components": [
                    {"type": "library", "name": "httpx", "purl": "pkg:pypi/httpx@0.28.1"},
                    {"type": "library", "name": "anyio", "purl": "pkg:pypi/anyio@4.6.0"},
                ],
            },
        ]
    )
    sbom = read_sbom(data)
    assert (sbom.format, sbom.spec_version, sbom.packages) == ("CycloneDX", "1.6", 3)
    assert sbom.document["bomFormat"] == "CycloneDX"


def test_an_sbom_with_no_components_has_no_packages() -> None:
    data = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5"}).encode()
    assert read_sbom(data).packages == 0


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "no CycloneDX"),
        (json.dumps({"spdxVersion": "SPDX-2.3"}).encode(), "SPDXRef-DOCUMENT"),
        (json.dumps({"bomFormat": "SPDX"}).encode(), "no CycloneDX or SPDX"),
        (json.dumps({"bomFormat": "CycloneDX"}).encode(), "specVersion"),
        (
            json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {}}).encode(),
            "components",
        ),
        (
            json.dumps(
                {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": ["x"]}
            ).encode(),
            "components",
        ),
    ],
)
def test_what_is_not_a_cyclonedx_bom_is_one_line(data: bytes, words: str) -> None:
    with pytest.raises(PipelineError, match=words) as caught:
        read_sbom(data)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("depth", [100, 5000])
def test_deeply_nested_components_end_in_one_line_not_a_crash(depth: int) -> None:
    nested = '{"type": "library", "name": "x", "components": [' * depth + "]}" * depth
    data = '{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [' + nested + "]}"
    with pytest.raises(PipelineError, match="nested") as caught:
        read_sbom(data.encode())
    assert "\n" not in str(caught.value)
