"""Load tests of a running service: MCP-aware simulated users driven by Locust.

The spec, thresholds, result, Markdown and CLI parsing are plain Python (standard
library and httpx); only ``user`` and ``runner`` import Locust, which monkey-patches
the standard library for gevent on import, so nothing here loads them until a run
starts (``python -m main.core.load URL``). ``settings`` is the pipeline's side: the
``[tool.pipeline.load]`` table, read with pydantic, never in the generator's container.
"""

from typing import TYPE_CHECKING

from main.core.lazy import lazy_exports

if TYPE_CHECKING:
    from main.core.load.cli import argv_for
    from main.core.load.markdown import render_markdown
    from main.core.load.result import KindStats, LoadResult, Sample, summarize
    from main.core.load.spec import LoadSpec
    from main.core.load.thresholds import Thresholds, evaluate, judge

__all__ = [
    "KindStats",
    "LoadResult",
    "LoadSpec",
    "Sample",
    "Thresholds",
    "argv_for",
    "evaluate",
    "judge",
    "render_markdown",
    "summarize",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "argv_for": "cli",
        "render_markdown": "markdown",
        "KindStats": "result",
        "LoadResult": "result",
        "Sample": "result",
        "summarize": "result",
        "LoadSpec": "spec",
        "Thresholds": "thresholds",
        "evaluate": "thresholds",
        "judge": "thresholds",
    },
)
