"""SBOMs: the CycloneDX JSON Trivy writes (``trivy image --format cyclonedx``), or SPDX JSON.

Trivy runs in the engine; here the document is only checked enough to be sure it is an
SBOM and to count its packages. A CycloneDX package is a ``library`` component, nested
ones included (Trivy nests a lock file's packages under an ``application`` component).
An SPDX 2.x package counts unless it is what the document describes (the image itself)
or its ``primaryPackagePurpose`` says it is no library (the container, the operating
system, a file): syft and Trivy write both. The bytes are attached as they came, inside
a signed in-toto statement whose predicate type names the format, as ``cosign attest
--type cyclonedx|spdxjson`` does.
"""

import json
from dataclasses import dataclass
from typing import Any

from main.core.attest.errors import AttestationError
from main.core.attest.statement import CYCLONEDX, SPDX

MAX_SBOM_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 64  # components within components; Trivy writes two levels
SBOM_TYPES = (CYCLONEDX, SPDX)
_NOT_LIBRARIES = {"CONTAINER", "OPERATING-SYSTEM", "FILE", "SOURCE", "ARCHIVE", "INSTALL"}


@dataclass(frozen=True, slots=True)
class Sbom:
    """A checked SBOM document, its format and its package count."""

    format: str
    spec_version: str
    packages: int
    document: dict[str, Any]

    @property
    def predicate_type(self) -> str:
        """The in-toto predicate type of this format (cosign's, for both)."""
        return SPDX if self.format == "SPDX" else CYCLONEDX


def read_sbom(data: bytes) -> Sbom:
    """Check that ``data`` is a CycloneDX or SPDX JSON SBOM and count its packages."""
    if len(data) > MAX_SBOM_BYTES:
        msg = f"the SBOM is {len(data)} bytes, more than {MAX_SBOM_BYTES}"
        raise AttestationError(msg)
    try:
        document = json.loads(data)
    except RecursionError:
        msg = f"the SBOM's components are nested more than {MAX_DEPTH} levels deep"
        raise AttestationError(msg) from None
    except ValueError:
        msg = "the SBOM is not JSON: give Trivy's `--format cyclonedx` output (or SPDX JSON)"
        raise AttestationError(msg) from None
    if isinstance(document, dict) and "spdxVersion" in document:
        return _spdx(document)
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        msg = "the SBOM is no CycloneDX or SPDX JSON document (no bomFormat, no spdxVersion)"
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


def _spdx(document: dict[str, Any]) -> Sbom:
    version = document.get("spdxVersion")
    if not isinstance(version, str) or not version.startswith("SPDX-"):
        msg = f"the SPDX document's spdxVersion {str(version)[:40]!r} is not SPDX-2.x"
        raise AttestationError(msg)
    if document.get("SPDXID") != "SPDXRef-DOCUMENT":
        msg = "the SPDX document's SPDXID is not SPDXRef-DOCUMENT: give an SPDX 2.x JSON document"
        raise AttestationError(msg)
    packages = document.get("packages", [])
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        msg = "the SPDX document's packages are not a list of objects"
        raise AttestationError(msg)
    described = _described(document)
    count = sum(
        p.get("SPDXID") not in described and p.get("primaryPackagePurpose") not in _NOT_LIBRARIES
        for p in packages
    )
    return Sbom("SPDX", version, count, document)


def _described(document: dict[str, Any]) -> set[str]:
    """What the document describes (the image): ``documentDescribes`` and DESCRIBES links."""
    named = document.get("documentDescribes")
    found = {n for n in named if isinstance(n, str)} if isinstance(named, list) else set()
    relationships = document.get("relationships")
    for link in relationships if isinstance(relationships, list) else []:
        if (
            isinstance(link, dict)
            and link.get("spdxElementId") == "SPDXRef-DOCUMENT"
            and link.get("relationshipType") == "DESCRIBES"
            and isinstance(link.get("relatedSpdxElement"), str)
        ):
            found.add(link["relatedSpdxElement"])
    return found
