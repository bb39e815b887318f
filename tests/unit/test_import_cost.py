"""Loading `main:Pipeline` must not load the stage recipes: every `dagger call` pays it.

The figure itself is measured by benchmarks/import_overhead.py; this guards the
mechanism (lazy stage modules, pydantic only when settings are read) in a fresh process.
"""

import json
import subprocess
import sys

HEAVY = [
    "pydantic",
    "main.workflows",
    "main.core.registry.promotion",
    "main.core.scan.sarif",
    "main.core.mcp.client",
    "main.core.registry.client",
    "main.core.smoke.checks",
    "main.core.scan.trivy",
    "main.core.report.model",
    "main.core.config",
    "main.core.load.cli",
    "main.core.load.result",
]


def test_loading_the_module_leaves_the_stage_code_unloaded() -> None:
    probe = (
        "import json, sys, importlib.util, main; main.Pipeline; "
        "print(json.dumps({n: type(sys.modules[n]).__name__ "
        "for n in sys.modules if n.startswith(('main', 'pydantic'))}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: dict[str, str] = json.loads(done.stdout)
    assert "main.pipeline" in loaded
    for name in HEAVY:
        assert loaded.get(name, "_LazyModule") == "_LazyModule", f"{name} loaded eagerly"
