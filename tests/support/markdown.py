"""Markdown as GitHub reads it: heading anchors, links outside code, table cells.

The generated reference pages and the link check both need GitHub's rules, stated once:
an anchor is the heading's text lower-cased, with punctuation dropped and spaces made
hyphens (a repeated heading gets ``-1``, ``-2``...), and nothing inside a code fence or
a code span is a link.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
# [text](target "title") and ![alt](target); the text may hold one level of brackets.
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text (before duplicate numbering)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def prose_lines(text: str) -> Iterator[tuple[int, str]]:
    """Numbered lines outside fenced code blocks."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        match = _FENCE.match(line)
        if match:
            mark = match.group(1)
            if fence is None:
                fence = mark
                continue
            if mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
                continue
        if fence is None:
            yield number, line


def anchors(text: str) -> set[str]:
    """Every anchor a page offers: its headings (numbered as GitHub does) and <a id>."""
    found: set[str] = set()
    counts: dict[str, int] = {}
    for _, line in prose_lines(text):
        found.update(_HTML_ANCHOR.findall(line))
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        seen = counts.get(base, 0)
        counts[base] = seen + 1
        found.add(base if seen == 0 else f"{base}-{seen}")
    return found


@dataclass(frozen=True)
class Link:
    """One link of a page: where it is and where it points."""

    line: int
    target: str


def links(text: str) -> list[Link]:
    """Every link outside code: inline links and images."""
    found = []
    for number, line in prose_lines(text):
        bare = _CODE_SPAN.sub("", line)
        found += [Link(number, target) for target in _LINK.findall(bare)]
    return found


def escape_html(text: str) -> str:
    """``<`` and ``>`` outside code spans as entities: GitHub would take ``<stage>`` for a tag."""
    parts = re.split(r"(`+[^`]*?`+)", text)
    return "".join(
        part if part.startswith("`") else part.replace("<", "&lt;").replace(">", "&gt;")
        for part in parts
    )


def cell(text: str) -> str:
    """Text made safe for one table cell: one line, its pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def table_rows(page: str, heading: str) -> list[list[str]]:
    """The body rows of the first table after the line ``heading`` (header row skipped)."""
    lines = page.splitlines()
    start = lines.index(heading)
    found: list[list[str]] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            found.append([c.strip() for c in cells])
    return [row for row in found[1:] if not all(set(c) <= set("-:") for c in row)]


def broken_links(page: Path, root: Path) -> list[str]:
    """Each link of ``page`` to a missing file or heading under ``root``, one line each.

    Links with a scheme (``https:``, ``mailto:``) are left alone: no network here.
    """
    text = page.read_text(encoding="utf-8")
    name = page.relative_to(root).as_posix()
    found = []
    for link in links(text):
        if _SCHEME.match(link.target):
            continue
        path, _, anchor = link.target.partition("#")
        target = (page.parent / path).resolve() if path else page
        where = f"{name}:{link.line}: {link.target}"
        if not target.is_relative_to(root.resolve()):
            found.append(f"{where}: outside the repository")
        elif not target.exists():
            found.append(f"{where}: no such file")
        elif anchor and (target.is_dir() or anchor not in anchors(target.read_text("utf-8"))):
            found.append(f"{where}: no such heading in {target.relative_to(root.resolve())}")
    return found
