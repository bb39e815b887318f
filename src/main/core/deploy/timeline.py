"""Timed steps: every deployment step records how long it took and how it ended."""

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from main.core.deploy.result import Step
from main.core.text import clip, one_line


class StepNote:
    """What a step may say about itself once it is done (e.g. which Compose ran)."""

    def __init__(self) -> None:
        """Nothing said yet; a step is ok unless it says otherwise or raises."""
        self.detail = ""
        self.ok = True


class Timeline:
    """The steps of one deployment, in the order they ran."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        """An empty timeline; ``clock`` is injectable so tests need not sleep."""
        self._clock = clock
        self.steps: list[Step] = []
        self.notes: list[str] = []  # what a target noticed beside its steps, for the result

    def note(self, text: str) -> None:
        """Keep a remark for the result's notes (e.g. skipped history lines)."""
        if text not in self.notes:
            self.notes.append(text)

    @asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[StepNote]:
        """Time the body; an exception marks the step failed and goes on up."""
        note = StepNote()
        started = self._clock()
        try:
            yield note
        except BaseException as exc:
            reason = clip(one_line(str(exc)) or type(exc).__name__, 300)
            self.steps.append(Step(name, self._clock() - started, ok=False, detail=reason))
            raise
        self.steps.append(Step(name, self._clock() - started, ok=note.ok, detail=note.detail))
