"""Supply-chain attestations: an SBOM and a build provenance on every pushed digest.

``statement`` writes the SLSA v1 provenance (an in-toto statement) and reads any
statement back; ``sbom`` checks Trivy's CycloneDX output; ``dsse`` signs and verifies
DSSE envelopes with an ECDSA key; ``attach`` pushes both, signed, as OCI artifacts whose
subject is the image digest; ``verify`` finds and checks them; ``cli`` is
``python -m main.core.attest attach|verify``.
"""
