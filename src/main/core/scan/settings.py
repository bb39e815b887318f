"""The ``[tool.pipeline.scan]`` table: what Trivy looks for and what counts as a finding.

Validated with the rest of ``[tool.pipeline]`` (``PipelineConfig.scan``), so a typo is
one line naming ``[tool.pipeline.scan].KEY`` before anything is built. The policy that
uses these values (warn or block) stays in :mod:`main.core.scan.trivy`.
"""

from typing import Literal

from pydantic import Field, field_validator

from main.core.scan.trivy import DB_REPOSITORIES, SCANNERS, Scanner
from main.core.table import SettingsTable

Severity = Literal["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]


def _all_severities() -> list[Severity]:
    return ["CRITICAL", "HIGH", "MEDIUM", "LOW"]


def _vulnerabilities_only() -> list[Scanner]:
    return ["vuln"]


class ScanSettings(SettingsTable):
    """Settings of the image scan, as read from ``[tool.pipeline.scan]``."""

    severities: list[Severity] = Field(
        default_factory=_all_severities,
        min_length=1,
        description="Trivy severities that count as findings.",
    )
    ignore_unfixed: bool = Field(
        default=True, description="Leave out findings that have no fixed version yet."
    )
    db_repositories: list[str] = Field(
        default_factory=lambda: list(DB_REPOSITORIES),
        min_length=1,
        description="Where Trivy downloads its vulnerability DB, in order (mirrors first); "
        "a rate-limited or failing one falls back to the next.",
    )
    scanners: list[Scanner] = Field(
        default_factory=_vulnerabilities_only,
        min_length=1,
        description="Trivy scanners to run: vuln (vulnerable packages) and secret (keys, "
        "tokens and passwords in the image's files); findings of both are judged alike.",
    )
    trivyignore: str = Field(
        default=".trivyignore",
        min_length=1,
        description="Trivy ignore file (IDs, '#' comments, 'exp:YYYY-MM-DD'), relative to "
        "the service root; a missing file ignores nothing.",
    )

    @field_validator("scanners", mode="before")
    @classmethod
    def _scanners(cls, value: object) -> object:
        # Before the type check, so an unknown name gets the one line that lists the choices.
        for name in value if isinstance(value, list) else ():
            if name not in SCANNERS:
                msg = f"unknown scanner {name!r}: choose from {', '.join(SCANNERS)}"
                raise ValueError(msg)
        return list(dict.fromkeys(value)) if isinstance(value, list) else value
