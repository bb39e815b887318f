"""Keep credentials out of everything the pipeline writes for people to read.

Reports, job summaries and notifications end in places many people can read (a public
repository's Actions tab, a chat channel). Stage details come from tool output and
error messages, which may quote a URL with a token in it. Every rendered string goes
through :func:`scrub` first: it removes the values the caller knows to be secret and
the credential shapes that are recognisable on sight.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MASK = "***"

# Where a token may start: not inside a longer word, but right after an underscore
# (``MY_TOKEN_ghp_...``), which ``\b`` would not allow.
_START = r"(?<![A-Za-z0-9])"
_END = r"(?![A-Za-z0-9])"
# What ends a value quoted in a log line, a URL or a JSON document.
_VALUE = r"[^\s\"'<>),;&\\]+"
_IGNORE_CASE = re.IGNORECASE


@dataclass(frozen=True, slots=True)
class _Shape:
    """A credential shape, and the lower-case hints without one of which it cannot match.

    Every rendered string is scrubbed, many times per report: a pattern runs only on
    text holding one of its hints (a substring test), which keeps ordinary text cheap.
    """

    pattern: re.Pattern[str]
    replacement: str
    hints: tuple[str, ...]

    def sub(self, text: str, lowered: str) -> str:
        if not any(hint in lowered for hint in self.hints):
            return text
        return self.pattern.sub(self.replacement, text)


# Shapes that are credentials wherever they appear.
_SHAPES: tuple[_Shape, ...] = (
    # GitHub tokens (classic, fine-grained, app, refresh)
    _Shape(
        re.compile(_START + r"gh[pousr]_[A-Za-z0-9]{20,}"),
        MASK,
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    ),
    _Shape(re.compile(_START + r"github_pat_[A-Za-z0-9_]{20,}"), MASK, ("github_pat_",)),
    # Slack tokens
    _Shape(re.compile(_START + r"xox[abposr]-[A-Za-z0-9-]+"), MASK, ("xox",)),
    _Shape(re.compile(_START + r"xapp-[A-Za-z0-9-]+"), MASK, ("xapp-",)),
    # Publishing tokens a service's pipeline meets: GitLab (personal, deploy, CI job),
    # PyPI upload (a macaroon, ``pypi-`` then base64url), npm, Docker Hub.
    _Shape(
        re.compile(_START + r"gl(?:pat|dt|cbt|rt|ptt)-[A-Za-z0-9_-]{20,}"),
        MASK,
        ("glpat-", "gldt-", "glcbt-", "glrt-", "glptt-"),
    ),
    _Shape(re.compile(_START + r"pypi-[A-Za-z0-9_-]{50,}"), MASK, ("pypi-",)),
    _Shape(re.compile(_START + r"npm_[A-Za-z0-9]{36}" + _END), MASK, ("npm_",)),
    _Shape(re.compile(_START + r"dckr_(?:pat|oat)_[A-Za-z0-9_-]{20,}"), MASK, ("dckr_",)),
    # A PEM private key block, whole (its body spans lines; an unended block to the end).
    _Shape(
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)",
            re.DOTALL,
        ),
        f"-----BEGIN \\1PRIVATE KEY-----{MASK}",
        ("private key-----",),
    ),
    # A Docker config's ``"auth": "base64(user:password)"`` (``~/.docker/config.json``).
    _Shape(
        re.compile(r"(\\?\"(?:auth|identitytoken)\\?\"\s*:\s*\\?\")[^\"\\]+", _IGNORE_CASE),
        rf"\1{MASK}",
        ('auth"', 'identitytoken"'),
    ),
    # JSON Web Tokens: base64url header (always ``{"`` -> ``eyJ``), payload, signature
    _Shape(
        re.compile(_START + r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?"),
        MASK,
        ("eyj",),
    ),
    # AWS access key ids
    _Shape(
        re.compile(_START + r"(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}" + _END),
        MASK,
        ("akia", "asia", "aroa", "aida"),
    ),
    # A value assigned to a name that says it is secret, in env, YAML, INI or JSON form:
    # ``aws_secret_access_key=...``, ``AWS_SESSION_TOKEN: ...``, ``"client_secret": "..."``
    _Shape(
        re.compile(
            r"((?:secret_access_key|secretaccesskey|session_token|sessiontoken|client_secret"
            r"|password|passwd|api_?key|access_token|auth_token|private_key)"
            r"(?:\\?[\"'])?\s*[:=]\s*(?:\\?[\"'])?)" + _VALUE,
            _IGNORE_CASE,
        ),
        rf"\1{MASK}",
        ("secret", "token", "passw", "key"),
    ),
    # Incoming-webhook paths: legacy Teams (Office 365 connectors), Slack, Discord
    # (``/api/webhooks/`` or a versioned ``/api/v10/webhooks/``); host names any case.
    _Shape(
        re.compile(r"(webhook\.office\.com/webhookb2/)[^\s\"'<>)]+", _IGNORE_CASE),
        rf"\1{MASK}",
        ("webhookb2",),
    ),
    _Shape(
        re.compile(
            r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[^\s\"'<>)]+", _IGNORE_CASE
        ),
        rf"\1{MASK}",
        ("hooks.slack",),
    ),
    _Shape(
        re.compile(r"(discord(?:app)?\.com/api/(?:v\d+/)?webhooks/)[^\s\"'<>)]+", _IGNORE_CASE),
        rf"\1{MASK}",
        ("webhooks/",),
    ),
    # Signed URLs (Teams Workflows / Logic Apps `sig=`) and token-like query values
    _Shape(
        re.compile(
            r"([?&;](?:sig|signature|token|access_token|code|key|password|secret)=)[^&\s\"'<>]+",
            _IGNORE_CASE,
        ),
        rf"\1{MASK}",
        ("=",),
    ),
    # Authorization headers quoted in an error: the header's value whatever its case,
    # and a capitalised scheme anywhere else.
    _Shape(
        re.compile(
            r"((?:proxy-)?authorization\\?[\"']?\s*[:=]\s*\\?[\"']?"
            r"(?:(?:bearer|basic|token|digest|negotiate)\s+)?)" + _VALUE,
            _IGNORE_CASE,
        ),
        rf"\1{MASK}",
        ("authorization",),
    ),
    _Shape(
        re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
        rf"\1 {MASK}",
        ("bearer", "basic"),
    ),
)


# Any hint at all: most strings have none, and one search then settles them.
_ANY_HINT = re.compile(
    "|".join(re.escape(hint) for shape in _SHAPES for hint in shape.hints), _IGNORE_CASE
)

# A URL, its slashes possibly JSON-escaped (``https:\/\/user:pw@host``).
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]{0,15}:(?:\\?/){2}\S+")
_AUTHORITY_START = re.compile(r":(?:\\?/){2}")


def _userinfo(match: re.Match[str]) -> str:
    """A URL with its user-info masked, however many ``@`` or ``/`` the password has.

    The user-info ends at the URL's last ``@``; it is masked when it holds a ``:``
    (user:password) or no ``/`` (a bare token). A path with an ``@`` and no colon
    before it (``https://host/repo@sha256:...``) is left alone.
    """
    url = match.group(0)
    scheme = _AUTHORITY_START.search(url)
    if scheme is None:
        return url
    scheme_end = scheme.end()
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
    if "/" in text:
        text = _URL.sub(_userinfo, text)
    if not _ANY_HINT.search(text):
        return text
    lowered = text.lower()  # masking adds no hint, so one lowering serves every shape
    for shape in _SHAPES:
        text = shape.sub(text, lowered)
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
