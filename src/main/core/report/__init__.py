"""The run's report: one model, the rules that fill it, and its renderings.

``model`` holds what a run did; ``rules`` turns stage outcomes into report rows and
decides what may be published; ``markdown`` renders the job summary; ``notify`` posts
it to Slack, Discord or Teams. Renderers are functions over the model, never methods
that import back.
"""

from typing import TYPE_CHECKING

from main.core.lazy import lazy_exports

if TYPE_CHECKING:
    from main.core.report.model import Report, StageResult, Stopwatch

__all__ = ["Report", "StageResult", "Stopwatch"]

__getattr__ = lazy_exports(
    __name__,
    {
        "Report": "model",
        "StageResult": "model",
        "Stopwatch": "model",
    },
)
