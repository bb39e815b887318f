"""The ``[tool.pipeline.attest]`` table: whether ``deploy`` checks provenance, and with which key.

``verify-on-deploy = true`` makes ``deploy`` and ``deploy-staging`` refuse a digest whose
provenance is missing, unsigned by the key, about another digest or from another
repository, before anything on the staging host changes. The public key is given
as ``--verify-key`` or, since a public key is no secret, as a file committed to the
service repository (``verify-key = "keys/signing.pub"``), which ``registry promote``
reads too, so both check against the same key. Validated with the rest of
``[tool.pipeline]``, so a typo is one line naming ``[tool.pipeline.attest].KEY``.
"""

from pathlib import PurePosixPath

from pydantic import Field, field_validator

from main.core.table import SettingsTable

ATTEST = (
    "[tool.pipeline.attest]: whether deploy and deploy-staging verify the digest's signed "
    "provenance first, and the public key they and registry promote verify it with."
)


class AttestSettings(SettingsTable):
    """Settings of the supply-chain checks, as read from ``[tool.pipeline.attest]``."""

    verify_on_deploy: bool = Field(
        default=False,
        description="deploy and deploy-staging verify the digest's signed provenance first "
        "(--skip-verify skips it, and says so).",
    )
    verify_key: str = Field(
        default="",
        description="Path in the service repository of the public key (PEM) that verifies "
        "the provenance on deploy and on registry promote; --verify-key overrides it.",
    )

    @field_validator("verify_key")
    @classmethod
    def _inside_the_repository(cls, value: str) -> str:
        if not value:
            return value
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts or "\\" in value:
            msg = "must be a relative path inside the service repository, e.g. keys/signing.pub"
            raise ValueError(msg)
        return value
