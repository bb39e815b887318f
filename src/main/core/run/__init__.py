"""The run: deploy-staging and ci as a pure flow over a small :class:`Stages` interface.

``flow`` says what runs after what; ``publishing`` and ``deploying`` what may be pushed
or deployed after which outcome; ``sections`` how each outcome reads in the report;
``stages`` the interface an engine implements (the Dagger shell's ``DaggerStages``).
"""

from main.core.run.flow import Run, ci, deploy_staging, new_report
from main.core.run.reproduce import reproduction
from main.core.run.stages import Deployed, Reach, Scanned, StageError, Stages, Verify
from main.core.run.target import Occasion, Target

__all__ = [
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
    "reproduction",
]
