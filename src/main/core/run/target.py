"""What one run works on: the service at one commit, and where its image goes.

The settings are read once, before the run, into :class:`Target`: every decision of
the flow and every stage reads them from here, never from the repository again.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Self

from main.core.image import ImageRef
from main.core.revision import Revision
from main.core.service import Service


@dataclass(frozen=True, slots=True)
class Target:
    """The service (name, version, settings) at one commit, and its image repository."""

    service: Service
    ref: str
    revision: Revision
    repository: ImageRef

    def for_ci(self) -> Self:
        """The same target as ``ci`` validates it: its full test suite, not the fast subset."""
        return replace(self, service=replace(self.service, config=self.service.config.for_ci()))


@dataclass(frozen=True, slots=True)
class Occasion:
    """Why and when a run happens, as its report says it."""

    started: datetime | None = None  # UTC; names a staging deployment in its tag
    trigger: str = ""  # the event that decided the run, in one line
    reproduce: str = ""  # the `dagger call` that runs it again
    skip_tests: bool = False
    actor: str = ""  # who started it: the event's sender or $GITHUB_ACTOR
