"""CI/CD and staging deployment of a containerized Python service, in one Dagger module.

Validate, build, tag, scan, smoke test, publish and report a service exactly as CI
does: `dagger call deploy-staging --ref develop` on a laptop runs what the GitHub
workflow runs. Settings come from the service's `[tool.pipeline]` table in
pyproject.toml; command-line arguments override them.
"""

from typing import TYPE_CHECKING

from main.core.lazy import lazy_exports

if TYPE_CHECKING:
    from main.pipeline import Pipeline

__all__ = ["Pipeline"]

# Lazy, so that `main.core` (and `python -m main.core.smoke`) import without the
# Dagger SDK, which alone takes over a second to import.
__getattr__ = lazy_exports(__name__, {"Pipeline": "pipeline"})
