"""Supply-chain attestations: an SBOM and a build provenance on every pushed digest.

``statement`` writes the SLSA v1 provenance (an in-toto statement) and reads any
statement back; ``sbom`` checks Trivy's CycloneDX output; ``dsse`` signs and verifies
DSSE envelopes with an ECDSA key; ``attach`` pushes both, signed, as OCI artifacts whose
subject is the image digest; ``verify`` finds and checks them; ``cli`` is
``python -m main.core.attest attach|verify``. docs/attestations.md describes the format.
The ``attach`` and ``verify`` functions are imported from their modules (the package
attributes of those names are the modules).
"""

from typing import TYPE_CHECKING

from main.core.lazy import lazy_exports

if TYPE_CHECKING:
    from main.core.attest.attach import Attached, Attachment, prepare
    from main.core.attest.dsse import load_private_key, load_public_key, sign
    from main.core.attest.errors import AttestationError
    from main.core.attest.sbom import Sbom, read_sbom
    from main.core.attest.statement import Build, Builder, provenance, read_statement
    from main.core.attest.verify import Policy, Verdict

__all__ = [
    "Attached",
    "Attachment",
    "AttestationError",
    "Build",
    "Builder",
    "Policy",
    "Sbom",
    "Verdict",
    "load_private_key",
    "load_public_key",
    "prepare",
    "provenance",
    "read_sbom",
    "read_statement",
    "sign",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Attached": "attach",
        "Attachment": "attach",
        "prepare": "attach",
        "load_private_key": "dsse",
        "load_public_key": "dsse",
        "sign": "dsse",
        "AttestationError": "errors",
        "Sbom": "sbom",
        "read_sbom": "sbom",
        "Build": "statement",
        "Builder": "statement",
        "provenance": "statement",
        "read_statement": "statement",
        "Policy": "verify",
        "Verdict": "verify",
    },
)
