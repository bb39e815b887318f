"""The ``[tool.pipeline.retention]`` table: which staging tags ``registry prune`` keeps.

Validated with the rest of ``[tool.pipeline]`` (``PipelineConfig.retention``), so a bad
age is one line naming ``[tool.pipeline.retention].KEY`` before anything is deleted.
The rules that use these values live in :mod:`main.core.registry.retention`.
"""

from pydantic import Field, field_validator

from main.core.registry.retention import parse_age
from main.core.table import SettingsTable


class RetentionSettings(SettingsTable):
    """How many and how young staging tags survive a prune."""

    keep: int = Field(
        default=10,
        ge=0,
        description="registry prune keeps at least this many newest timestamped staging tags.",
    )
    keep_newer_than: str = Field(
        default="7d",
        description="registry prune also keeps staging tags younger than this (7d, 12h, 2w; "
        "empty: no age rule).",
    )

    @field_validator("keep_newer_than")
    @classmethod
    def _age(cls, value: str) -> str:
        if value:
            parse_age(value)
        return value
