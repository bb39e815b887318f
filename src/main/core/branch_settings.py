"""The ``[tool.pipeline.branches]`` table: the branch names a team already has.

Read with the rest of ``[tool.pipeline]`` so a bad name is one line naming
``[tool.pipeline.branches].KEY`` before anything runs. The defaults are today's git
flow; a team on ``dev``/``master``/``trunk`` states its own. The rules that use them
stay in :mod:`main.core.triggers` (:class:`~main.core.triggers.Branches`).
"""

from pydantic import Field, field_validator

from main.core.table import SettingsTable
from main.core.triggers import (
    CI_BRANCH_PATTERNS,
    PRODUCTION_BRANCH,
    RELEASE_PATTERN,
    STAGING_BRANCH,
    Branches,
    glob_problem,
    ref_problem,
)


class BranchSettings(SettingsTable):
    """Which branch deploys staging, which is production, which run CI and publish."""

    staging: str = Field(
        default=STAGING_BRANCH,
        description="Pushes to this branch deploy to staging; a dispatch without a ref deploys it.",
    )
    production: str = Field(
        default=PRODUCTION_BRANCH,
        description="Pull requests to this branch run CI and may be labeled for staging.",
    )
    ci: list[str] = Field(
        default_factory=lambda: list(CI_BRANCH_PATTERNS),
        min_length=1,
        description="Branch globs whose pushes run CI ('*' one part, '**' any parts).",
    )
    release: str = Field(
        default=RELEASE_PATTERN,
        description="Branch glob whose CI runs publish the production tags.",
    )

    @field_validator("staging", "production")
    @classmethod
    def _branch(cls, value: str) -> str:
        problem = ref_problem(value) if value else "it is empty"
        if problem is not None:
            msg = f"not a branch name: {problem}"
            raise ValueError(msg)
        return value

    @field_validator("ci")
    @classmethod
    def _globs(cls, value: list[str]) -> list[str]:
        for pattern in value:
            cls._glob(pattern)
        return value

    @field_validator("release")
    @classmethod
    def _glob(cls, value: str) -> str:
        problem = glob_problem(value)
        if problem is not None:
            msg = f"{value[:80]!r} is not a branch glob: {problem}"
            raise ValueError(msg)
        return value

    def branches(self) -> Branches:
        """These names as the trigger rules take them."""
        return Branches(
            staging=self.staging,
            production=self.production,
            ci_patterns=tuple(self.ci),
            release_pattern=self.release,
        )
