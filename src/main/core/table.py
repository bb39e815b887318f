"""What every settings table of ``[tool.pipeline]`` shares: kebab-case keys, no surprises.

``[tool.pipeline]`` and its sub-tables (``deploy``, ``load``) are read the same way:
keys are kebab-case like most ``[tool.*]`` tables, an unknown key is refused (a typo
must never be silently ignored), values are taken as written (no "30" for 30), and a
read table cannot change afterwards.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from main.core.limits import MAX_SECONDS

# A finite number of seconds up to a day: a timeout (more than none), or a wait (maybe none).
Seconds = Annotated[float, Field(gt=0, le=MAX_SECONDS, allow_inf_nan=False)]
WaitSeconds = Annotated[float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)]


def kebab(name: str) -> str:
    """A field name as its key in the table: ``startup_timeout`` -> ``startup-timeout``."""
    return name.replace("_", "-")


class SettingsTable(BaseModel):
    """A validated TOML table of the pipeline's settings."""

    model_config = ConfigDict(
        alias_generator=kebab,
        populate_by_name=True,
        extra="forbid",
        strict=True,
        frozen=True,
    )
