"""Every link in the README and docs/ to a repository file or heading leads somewhere."""

from pathlib import Path

import pytest

from tests.support.constants import REPO_ROOT
from tests.support.markdown import anchors, broken_links, slug

PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
REFERENCE = ["functions", "settings", "deploy", "load-tests", "reliability", "troubleshooting"]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO_ROOT)) for p in PAGES])
def test_every_link_leads_somewhere(page: Path) -> None:
    assert broken_links(page, REPO_ROOT) == []


def test_the_readme_is_a_door_to_every_reference_page() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300, "the README is a door: move reference to docs/"
    for name in REFERENCE:
        assert f"](docs/{name}.md" in readme, f"the README does not link docs/{name}.md"
    for heading in ("reliability", "deploy"):
        assert any(a.startswith(heading) for a in anchors(readme)), f"no {heading} heading"


def test_a_broken_file_anchor_or_heading_is_found(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Twice\n\n## Twice\n", encoding="utf-8")
    page = tmp_path / "README.md"
    page.write_text(
        "# Title\n\n"
        "[ok](docs/a.md) [ok](docs/a.md#a-page) [ok](docs/a.md#twice-1) [ok](#title)\n"
        "[gone](docs/b.md) [no heading](docs/a.md#nope) [here](#missing) [up](../x.md)\n"
        "[web](https://example.com/x) `[code](docs/c.md)`\n\n"
        "```md\n[fenced](docs/d.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page, tmp_path) == [
        "README.md:4: docs/b.md: no such file",
        "README.md:4: docs/a.md#nope: no such heading in docs/a.md",
        "README.md:4: #missing: no such heading in README.md",
        "README.md:4: ../x.md: outside the repository",
    ]


def test_anchors_are_githubs() -> None:
    assert slug("`[tool.pipeline.deploy]`") == "toolpipelinedeploy"
    assert slug("Reproducing a CI failure locally") == "reproducing-a-ci-failure-locally"
    assert slug("deploy-staging and ci") == "deploy-staging-and-ci"
    assert slug("The `Scan` object") == "the-scan-object"
    assert slug("421 from a host check: Misdirected Request") == (
        "421-from-a-host-check-misdirected-request"
    )
