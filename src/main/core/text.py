"""One rule for every text the pipeline renders for people: scrub, flatten, cut, escape.

Stage details, error lines, finding titles and server answers come from tools and
servers, so they may hold credentials and characters that mean something to Markdown
or to a chat. Every renderer (the job summary, the JSON report, Slack, Discord, Teams,
the smoke report) goes through these functions, always in this order:

0. **clean** (:func:`printable`): terminal escape sequences go, and every other control
   character (NUL, bell, a bidi override that makes a line read backwards, half a
   surrogate pair) becomes U+FFFD, so nothing a tool printed can steer a terminal, hide
   a line, break a UTF-8 file, or split a token out of the scrubber's sight;
1. **scrub** (``redact.scrub``) the whole text, so that no cut can split a secret and
   leave its tail, and no escaping can hide a signed query string from the scrubber;
2. **flatten** whitespace where one line is wanted;
3. **cut** to the limit, with an ellipsis;
4. **escape** for the destination, so the text cannot leave its table cell, heading
   or code fence, nor become a link (bare URLs included), an image, HTML or a mention.

Standard library only (the smoke checker uses it inside a bare container).
"""

import re

from main.core.redact import scrub

ELLIPSIS = "…"
# Characters that make Markdown syntax inside a line: emphasis, code spans, links and
# images, table cells, strike-through. (List and heading markers only count at the
# start of a line, and the text here never starts one.) Angle brackets become
# entities, so no HTML tag and no autolink can form.
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")
_BACKTICKS = re.compile(r"`+")
# What GitHub, Slack, Discord and Teams turn into a link on their own: a scheme and its
# ``//`` (``https://host``), or ``www.``. A zero-width space breaks each, invisibly.
_AUTOLINK = re.compile(r"(?i)(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:)(?=//)|\b(www)(?=\.)")
# GFM's extended email autolink (and Discord's): ``local@domain.tld``, ``mailto:`` and
# ``xmpp:`` before one. Breaking the ``@`` (and the scheme) leaves no address to link.
# A digest reference (``repo@sha256:...``) has no dot after its ``@`` and stays whole.
_EMAIL = re.compile(r"(?i)(?<=[a-z0-9._+-])@(?=[a-z0-9_-]+\.[a-z0-9_-])|\b(?:mailto|xmpp)(?=:)")
ZERO_WIDTH_SPACE = "\u200b"
REPLACEMENT = "\ufffd"
# Terminal escape sequences: CSI (colours, cursor moves, erase line) and OSC (titles,
# hyperlinks), ended by BEL or ST; then any lone ESC left.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
# Control characters but tab and newline, DEL and C1, the bidi embeddings, overrides
# and isolates (U+202A-E, U+2066-9), and surrogates (only ever half a pair in a str).
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def printable(text: str) -> str:
    """``text`` without escape sequences or control characters; lines and tabs kept.

    A carriage return (alone or before a newline) becomes a newline: on a terminal it
    would let a line overwrite the one before it.
    """
    if text.isprintable():  # the common case: one C-level scan, nothing to do
        return text
    text = _ESCAPES.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return _UNPRINTABLE.sub(REPLACEMENT, text)


def one_line(text: str) -> str:
    """Whitespace (newlines too) collapsed into single spaces."""
    return " ".join(text.split())


def cut(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters, an ellipsis marking a cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def clip(text: str, limit: int, secrets: tuple[str, ...] = ()) -> str:
    """Scrubbed, one line, cut: a detail for a report row or an error line."""
    return cut(one_line(scrub(printable(text), secrets)), limit)


def clip_block(text: str, limit: int, secrets: tuple[str, ...] = ()) -> str:
    """Scrubbed and cut, line breaks kept: a body excerpt or a log tail."""
    return cut(scrub(printable(text), secrets), limit)


def _markdown_escape(text: str) -> str:
    """No Markdown syntax, HTML or link in ``text``, bare URLs included."""
    return no_autolinks(_markdown_syntax_escape(text))


def _markdown_syntax_escape(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text).replace("<", "&lt;").replace(">", "&gt;")


def no_autolinks(text: str) -> str:
    """``text`` in which no bare URL (``https://...``, ``www....``) becomes a link.

    GitHub's autolink extension, Slack, Discord and Teams link such text on their own;
    a stage detail quoting a server could plant a link in a trusted place that way. A
    zero-width space after the scheme's colon (or after ``www``) breaks the pattern
    and leaves the text readable as it was. An email address (``someone@host.tld``)
    is linked as ``mailto:`` the same way, so its ``@`` is broken too.
    """
    text = _AUTOLINK.sub(lambda match: match.group(0) + ZERO_WIDTH_SPACE, text)
    return _EMAIL.sub(lambda match: match.group(0) + ZERO_WIDTH_SPACE, text)


def markdown_inline(text: str, limit: int) -> str:
    """Plain text inside a Markdown line, table cell or heading: nothing is syntax."""
    return _markdown_escape(clip(text, limit))


def markdown_code(text: str, limit: int) -> str:
    """An inline code span that holds whatever backticks or pipes the text has."""
    line = clip(text, limit).replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return f"{fence}{pad}{line}{pad}{fence}"


def markdown_fence(text: str, limit: int, info: str = "text") -> list[str]:
    """A fenced code block no line of ``text`` can close early."""
    body = clip_block(text, limit).rstrip("\n")
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, body, fence]


def slack_text(text: str, limit: int) -> str:
    """Slack mrkdwn: ``&``, ``<`` and ``>`` escaped, so no link or mention (``<!channel>``).

    Bare URLs are broken too (:func:`no_autolinks`); the payload's mrkdwn objects are
    also ``verbatim``, so Slack links no bare domain name either. The result holds at
    most ``limit`` characters *after* escaping (Slack's limits count what it receives,
    and ``&`` grows fivefold), and a cut never leaves half an entity.
    """
    escaped = clip_block(text, limit).replace("&", "&amp;").replace("<", "&lt;")
    return _cut_escaped(no_autolinks(escaped.replace(">", "&gt;")), limit)


_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def _cut_escaped(text: str, limit: int) -> str:
    """``cut`` for escaped text: an entity the cut went through goes whole."""
    if len(text) <= limit:
        return text
    head = _PARTIAL_ENTITY.sub("", text[: max(limit - 1, 0)])
    return head.rstrip() + ELLIPSIS


def chat_markdown(text: str, limit: int) -> str:
    """Discord and Teams Markdown: no link, image, mention or formatting from the text."""
    return no_mentions(_markdown_escape(clip_block(text, limit)))


def no_mentions(text: str) -> str:
    """``@everyone`` and ``@here`` no longer match: a zero-width space after each ``@``."""
    return text.replace("@", "@" + ZERO_WIDTH_SPACE)


def markdown_link(label: str, url: str, limit: int) -> str:
    """``[label](url)`` for an https URL that cannot leave its parentheses; else the label.

    Only links the pipeline itself vouches for (a finding's advisory) are made, and
    never from a URL with a space or a scheme other than https.
    """
    if not url.startswith("https://") or any(char.isspace() for char in url):
        return markdown_inline(label, limit)
    # Inside a link's text no autolink forms, so a URL label may stay as it reads.
    text = _markdown_syntax_escape(clip(label, limit))
    safe = scrub(url)
    for char, code in (("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E"), ("|", "%7C")):
        safe = safe.replace(char, code)
    return f"[{text}]({safe})"
