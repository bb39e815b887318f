"""The job summary's attestation section: the SBOM (packages, reference) and provenance."""

from main.core.report.markdown import render
from main.core.report.model import AttestationSummary, Report

SHA = "abc123def4567890abc123def4567890abc12345"
SBOM = "ghcr.io/acme/svc@sha256:" + "b" * 64
PROVENANCE = "ghcr.io/acme/svc@sha256:" + "a" * 64


def summary(*, signed: bool = True) -> AttestationSummary:
    return AttestationSummary(
        packages=42,
        sbom=SBOM,
        provenance=PROVENANCE,
        commit=SHA,
        builder="https://github.com/OWNER/pipeline@v0.1.0",
        signed=signed,
        via="fallback tag",
    )


def report(attestation: AttestationSummary | None) -> Report:
    return Report(
        workflow="ci", service="svc", version="1.0", ref="release/1", attestation=attestation
    )


def test_the_summary_names_the_sbom_and_the_provenance() -> None:
    text = render(report(summary()))
    section = text.split("### Attestations", 1)[1]
    assert "**SBOM**: 42 package(s), CycloneDX" in section
    assert f"`{SBOM}`" in section
    assert f"`{PROVENANCE}`" in section
    assert f"`{SHA}`" in section
    assert "`https://github.com/OWNER/pipeline@v0.1.0`" in section
    assert "signed" in section


def test_unsigned_attestations_say_so() -> None:
    section = render(report(summary(signed=False))).split("### Attestations", 1)[1]
    assert "unsigned" in section


def test_no_attestation_no_section() -> None:
    assert "### Attestations" not in render(report(None))
