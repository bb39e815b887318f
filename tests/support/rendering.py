"""Drawing a Markdown summary as a person sees it: scripts/render-summary, and what it needs.

The script draws the Markdown with GitHub's CSS and Mermaid 11 in Debian's headless
Chromium and prints what it drew (errors, every series' colours and bar heights, the x
labels); a test skips, saying why, where the browser or the npm packages are missing.
"""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.constants import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "render-summary"
NODE_MODULES = REPO_ROOT / "tests" / "render" / "node_modules"
CHROMIUM = Path("/usr/bin/chromium")
RENDER_TIMEOUT = 120  # seconds: a cold Chromium start on a loaded two-core machine
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def missing() -> str | None:
    """Why a summary cannot be drawn here, or None when it can."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; scripts/install installs it)"
    if shutil.which("node") is None:
        return "no node on PATH (apt-get install nodejs npm; .ci/run installs it)"
    if not (NODE_MODULES / "mermaid").is_dir() or not (NODE_MODULES / "playwright-core").is_dir():
        return "the renderer's npm packages are missing: run (cd tests/render && npm ci)"
    return None


@dataclass(frozen=True)
class Drawn:
    """What render-summary drew: its exit status and the document it printed."""

    status: int
    facts: dict[str, Any]
    stderr: str

    @property
    def charts(self) -> list[dict[str, Any]]:
        """What each Mermaid block became, in the summary's order."""
        return list(self.facts["charts"])


def draw(markdown: str, folder: Path, png: Path) -> Drawn:
    """Draw ``markdown`` (written under ``folder``) and screenshot it to ``png``."""
    source = folder / "summary.md"
    source.write_text(markdown, encoding="utf-8")
    done = subprocess.run(
        [str(SCRIPT), str(source), "--png", str(png)],
        capture_output=True,
        text=True,
        timeout=RENDER_TIMEOUT,
        check=False,
    )
    if done.returncode == 2:
        msg = f"render-summary refused: {done.stderr.strip()}"
        raise AssertionError(msg)
    return Drawn(done.returncode, json.loads(done.stdout), done.stderr)
