"""Keep credentials out of everything the pipeline writes for people to read.

Reports, job summaries and notifications end in places many people can read (a public
repository's Actions tab, a chat channel). Stage details come from tool output and
error messages, which may quote a URL with a token in it. Every rendered string goes
through :func:`scrub` first: it removes the values the caller knows to be secret and
the credential shapes that are recognisable on sight.
"""

import re
from collections.abc import Iterable, Mapping, Sequence

MASK = "***"

# Shapes that are credentials wherever they appear.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # GitHub tokens (classic, fine-grained, app, refresh)
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"), MASK),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"), MASK),
    # Slack tokens and incoming-webhook paths
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]+"), MASK),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), MASK),
    # AWS access key ids (the secret key has no shape; it is masked as a known value)
    (re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b"), MASK),
    # Legacy Teams incoming webhooks (Office 365 connectors)
    (re.compile(r"(webhook\.office\.com/webhookb2/)[^\s\"'<>)]+"), rf"\1{MASK}"),
    (re.compile(r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[^\s\"'<>)]+"), rf"\1{MASK}"),
    # Discord webhook id/token paths
    (re.compile(r"(discord(?:app)?\.com/api/webhooks/)[^\s\"'<>)]+"), rf"\1{MASK}"),
    # Signed URLs (Teams Workflows / Logic Apps `sig=`) and token-like query values
    (
        re.compile(
            r"([?&;](?:sig|signature|token|access_token|code|key|password|secret)=)[^&\s\"'<>]+",
            re.IGNORECASE,
        ),
        rf"\1{MASK}",
    ),
    # Authorization headers quoted in an error
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {MASK}"),
)


_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{0,15}://\S+")


def _userinfo(match: re.Match[str]) -> str:
    """A URL with its user-info masked, however many ``@`` or ``/`` the password has.

    The user-info ends at the URL's last ``@``; it is masked when it holds a ``:``
    (user:password) or no ``/`` (a bare token). A path with an ``@`` and no colon
    before it (``https://host/repo@sha256:...``) is left alone.
    """
    url = match.group(0)
    scheme_end = url.index("://") + 3
    at = url.rfind("@")
    if at <= scheme_end:
        return url
    userinfo = url[scheme_end:at]
    if ":" in userinfo or "/" not in userinfo:
        return url[:scheme_end] + MASK + url[at:]
    return url


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret value and recognisable credential masked."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL.sub(_userinfo, text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub_values(value: object) -> object:
    """A JSON-like ``value`` with :func:`scrub` applied to every string inside it.

    Mappings keep their keys; other sequences come back as lists. Reports and
    notification payloads are scrubbed whole this way, so no field can be forgotten.
    """
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return {key: scrub_values(item) for key, item in value.items()}
    if isinstance(value, Sequence):
        return [scrub_values(item) for item in value]
    return value
