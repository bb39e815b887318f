"""SBOMs: the CycloneDX JSON Trivy writes (``trivy image --format cyclonedx``).

Trivy runs in the engine; here the document is only checked enough to be sure it is a
CycloneDX BOM and to count its packages (``library`` components, nested ones included:
Trivy nests a lock file's packages under an ``application`` component). The bytes are
attached as they came, inside a signed in-toto statement.
"""

import json
from dataclasses import dataclass
from typing import Any

from main.core.attest.errors import AttestationError

MAX_SBOM_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 64  # components within components; Trivy writes two levels


@dataclass(frozen=True, slots=True)
class Sbom:
    """A checked CycloneDX document and its package count."""

    format: str
    spec_version: str
    packages: int
    document: dict[str, Any]


def read_sbom(data: bytes) -> Sbom:
    """Check that ``data`` is a CycloneDX JSON BOM and count its packages."""
    if len(data) > MAX_SBOM_BYTES:
        msg = f"the SBOM is {len(data)} bytes, more than {MAX_SBOM_BYTES}"
        raise AttestationError(msg)
    try:
        document = json.loads(data)
    except RecursionError:
        msg = f"the SBOM's components are nested more than {MAX_DEPTH} levels deep"
        raise AttestationError(msg) from None
    except ValueError:
        msg = "the SBOM is not JSON: give Trivy's `--format cyclonedx` output"
        raise AttestationError(msg) from None
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        msg = "the SBOM is not a CycloneDX JSON BOM (bomFormat is not CycloneDX)"
        raise AttestationError(msg)
    spec_version = document.get("specVersion")
    if not isinstance(spec_version, str) or not spec_version:
        msg = "the CycloneDX BOM has no specVersion"
        raise AttestationError(msg)
    packages = _count(document.get("components", []), depth=1)
    return Sbom("CycloneDX", spec_version, packages, document)


def _count(components: object, *, depth: int) -> int:
    if depth > MAX_DEPTH:
        msg = f"the SBOM's components are nested more than {MAX_DEPTH} levels deep"
        raise AttestationError(msg)
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        msg = "the CycloneDX BOM's components are not a list of objects"
        raise AttestationError(msg)
    return sum(
        (component.get("type") == "library")
        + _count(component.get("components", []), depth=depth + 1)
        for component in components
    )
