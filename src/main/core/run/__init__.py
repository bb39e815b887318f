"""The run: deploy-staging and ci as a pure flow over a small :class:`Stages` interface.

``flow`` says what runs after what; ``publishing`` and ``deploying`` what may be pushed
or deployed after which outcome; ``sections`` how each outcome reads in the report;
``stages`` the interface an engine implements (the Dagger shell's ``DaggerStages``).
Names load on first use (``core/lazy.py``): the module's loading pays for none of it.
"""

from typing import TYPE_CHECKING

from main.core.lazy import lazy_exports

if TYPE_CHECKING:
    from main.core.run.flow import Run, ci, deploy_staging, new_report, not_deployed
    from main.core.run.names import CI, STAGING
    from main.core.run.reproduce import reproduction
    from main.core.run.stages import Deployed, Reach, Scanned, StageError, Stages, Verify
    from main.core.run.target import Occasion, Target

__all__ = [
    "CI",
    "STAGING",
    "Deployed",
    "Occasion",
    "Reach",
    "Run",
    "Scanned",
    "StageError",
    "Stages",
    "Target",
    "Verify",
    "ci",
    "deploy_staging",
    "new_report",
    "not_deployed",
    "reproduction",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Run": "flow",
        "ci": "flow",
        "deploy_staging": "flow",
        "new_report": "flow",
        "not_deployed": "flow",
        "CI": "names",
        "STAGING": "names",
        "reproduction": "reproduce",
        "Deployed": "stages",
        "Reach": "stages",
        "Scanned": "stages",
        "StageError": "stages",
        "Stages": "stages",
        "Verify": "stages",
        "Occasion": "target",
        "Target": "target",
    },
)
