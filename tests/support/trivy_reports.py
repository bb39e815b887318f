"""Trivy JSON reports for tests, written from Trivy's documented SchemaVersion 2 layout.

``tests/fixtures/trivy/*.json`` are whole documents with keys this module ignores;
the builders here make small, exact reports for one behaviour at a time.
"""

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures" / "trivy"


def fixture(name: str) -> str:
    """The text of ``tests/fixtures/trivy/<name>``."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def vuln(  # noqa: PLR0913 - one keyword per report field
    vid: str,
    severity: str = "HIGH",
    *,
    fixed: str | None = "2.0",
    status: str | None = None,
    package: str = "pkg",
    installed: str = "1.0",
    title: str = "",
    url: str | None = None,
) -> dict[str, Any]:
    """One ``Vulnerabilities[]`` entry; ``fixed=None`` leaves FixedVersion out, as Trivy does."""
    entry: dict[str, Any] = {
        "VulnerabilityID": vid,
        "PkgName": package,
        "InstalledVersion": installed,
        "Status": status or ("fixed" if fixed else "affected"),
        "Severity": severity,
        "Title": title or f"{package}: {vid}",
        "PrimaryURL": url if url is not None else f"https://avd.aquasec.com/nvd/{vid.lower()}",
    }
    if fixed is not None:
        entry["FixedVersion"] = fixed
    return entry


def report(*vulnerabilities: dict[str, Any], target: str = "image.tar (debian 12.8)") -> str:
    """A SchemaVersion 2 document with one result holding ``vulnerabilities``."""
    result: dict[str, Any] = {"Target": target, "Class": "os-pkgs", "Type": "debian"}
    if vulnerabilities:
        result["Vulnerabilities"] = list(vulnerabilities)
    return json.dumps({"SchemaVersion": 2, "ArtifactName": "image.tar", "Results": [result]})
