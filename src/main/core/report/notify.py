"""Tell a chat channel how a run went: Slack, Discord or Microsoft Teams webhooks.

Each service gets the payload its documentation describes, built from the same
:class:`~main.core.report.model.Report`: Slack's incoming webhook (``text`` plus Block Kit
``blocks``), Discord's execute-webhook (``content`` plus ``embeds``), and a Teams
Workflows webhook (a ``message`` whose attachment is an Adaptive Card). Every text is
cut to the service's documented limits, because an over-long field makes the whole
message bounce.

Sending is one attempt with a timeout: a chat message is not worth delaying or failing
a deployment, so :func:`send` never raises and never retries; it returns a
:class:`NotifyResult` that the report records. Error texts never contain the webhook
URL (it is a secret: whoever has it can post to the channel).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

import anyio
import httpx

from main.core.errors import PipelineError
from main.core.http import LazyTlsTransport
from main.core.redact import scrub, scrub_values
from main.core.report.markdown import MARKS, duration
from main.core.report.model import DeploySummary, Report, StageResult
from main.core.text import chat_markdown, clip, cut, no_autolinks, no_mentions, slack_text

NotifyKind = Literal["slack", "discord", "teams"]
KINDS: tuple[NotifyKind, ...] = get_args(NotifyKind)
DEFAULT_TIMEOUT = 10.0
USER_AGENT = "pipeline-notify/1"

# Documented limits.
SLACK_HEADER = 150  # header block plain_text
SLACK_SECTION = 3000  # section text
SLACK_FIELD = 2000  # each section field
SLACK_FIELDS = 10  # fields per section
DISCORD_CONTENT = 2000
DISCORD_TITLE = 256
DISCORD_DESCRIPTION = 4096
DISCORD_FIELDS = 25
DISCORD_FIELD_NAME = 256
DISCORD_FIELD_VALUE = 1024
DISCORD_EMBED_TOTAL = 6000
DISCORD_STAGES_ROOM = 1500  # of the 6000, kept for the stage list
TEAMS_TEXT = 4000  # Teams refuses messages over about 28 KB; keep cards far below
TEAMS_FACTS = 12
ADAPTIVE_CARD_VERSION = "1.4"  # rendered by Teams on every client
TEAMS_ATTACHMENT = "application/vnd.microsoft.card.adaptive"

GREEN, RED = 0x2EB67D, 0xE01E5A


def check_kind(kind: str) -> NotifyKind:
    """The notification kind, checked.

    Raises:
        PipelineError: for a kind this module cannot send.
    """
    for known in KINDS:
        if kind.strip().lower() == known:
            return known
    msg = f"unknown notification kind {kind!r}: use one of {', '.join(KINDS)}"
    raise PipelineError(msg)


# --- what every message says ----------------------------------------------------------


def headline(report: Report) -> str:
    """One line: the verdict, the service, and where it failed."""
    subject = f"{report.service} {report.version}".strip()
    where = f" ({report.ref}@{report.sha[:7]})" if report.sha else f" ({report.ref})"
    if report.ok:
        return f"✅ {report.workflow} passed: {subject}{where}"
    return f"❌ {report.failure_message} [{subject}{where}]"


def stage_lines(report: Report) -> list[str]:
    """``✅ validate (41.2 s): detail`` for every stage."""
    lines = []
    for stage in report.stages:
        took = "" if stage.status == "skipped" else f" ({duration(stage.duration_seconds)})"
        detail = f": {clip(stage.detail, SLACK_FIELD)}" if stage.detail else ""
        lines.append(f"{MARKS[stage.status]} {stage.name}{took}{detail}")
    return lines or ["no stage ran"]


def facts(report: Report) -> list[tuple[str, str]]:
    """Name/value pairs worth a glance: ref, commit, image, scan and smoke results."""
    pairs = [("Ref", report.ref or "working tree")]
    if report.sha:
        pairs.append(("Commit", report.sha[:12]))
    if report.actor:  # early: the chats' field limits cut from the end
        pairs.append(("Actor", report.actor))
    publication = report.publication
    if publication is not None and publication.pushed:
        pairs.append(("Pushed", "\n".join(publication.pushed)))
    if publication is not None and publication.not_pushed:
        reason = f" ({publication.reason})" if publication.reason else ""
        pairs.append(("Not pushed" + reason, "\n".join(publication.not_pushed)))
    elif report.digest and (publication is None or not publication.pushed):
        pairs.append(("Digest", report.digest))
    if report.scan is not None:
        counts = ", ".join(f"{k} {v}" for k, v in report.scan.counted.items() if v) or "none"
        verdict = "blocked" if report.scan.blocked else report.scan.mode
        pairs.append((f"Scan ({verdict})", counts))
    if report.smoke is not None:
        passed = sum(check.passed for check in report.smoke.checks)
        startup = report.smoke.startup_seconds
        took = f", startup {startup:.1f} s" if startup is not None else ", never started"
        pairs.append(("Smoke tests", f"{passed}/{len(report.smoke.checks)} passed{took}"))
    if report.deploy is not None:
        pairs.append(("Staging", _deployed(report.deploy)))
    return pairs


def _deployed(deploy: DeploySummary) -> str:
    """What the staging environment runs after this run, in a few words."""
    if deploy.outcome == "deployed":
        return f"deployed, live at {deploy.url}"
    now = f"{deploy.running} runs again" if deploy.running else "nothing runs"
    if deploy.running_unknown:
        now = "what runs now is unknown: check the host"
    if deploy.outcome == "rolled-back":
        return f"rolled back ({deploy.error}); {now}"
    return f"deploy failed ({deploy.error}); {now}"


# --- Slack ----------------------------------------------------------------------------


def _mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object Slack renders as given: ``verbatim``, so it links nothing itself.

    Without ``verbatim`` Slack turns bare URLs and domain names into links; our own
    ``<url|label>`` links still work.
    """
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _slack_field(name: str, value: str) -> dict[str, Any]:
    return _mrkdwn(cut(f"*{slack_text(name, 200)}*\n{slack_text(value, SLACK_FIELD)}", SLACK_FIELD))


def slack_payload(report: Report, *, link: str = "") -> dict[str, Any]:
    """An incoming-webhook message: ``text`` (the notification line) plus Block Kit."""
    title = headline(report)
    fields = [_slack_field(name, value) for name, value in facts(report)[:SLACK_FIELDS]]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": slack_text(title, SLACK_HEADER)}},
        {
            "type": "section",
            "text": _mrkdwn(slack_text("\n".join(stage_lines(report)), SLACK_SECTION)),
        },
    ]
    if fields:
        blocks.append({"type": "section", "fields": fields})
    if link:
        blocks.append({"type": "context", "elements": [_mrkdwn(f"<{link}|View the run>")]})
    return {"text": slack_text(title, SLACK_SECTION), "blocks": blocks}


# --- Discord --------------------------------------------------------------------------


def discord_payload(report: Report, *, link: str = "") -> dict[str, Any]:
    """An execute-webhook body: ``content`` plus one embed, mentions disabled.

    Discord refuses an embed over 6000 characters in all, so fields are added while
    they fit, keeping room for the stage list in the description.
    """
    title = headline(report)
    footer = f"{report.workflow} · pipeline"
    shown_title = cut(no_autolinks(no_mentions(clip(title, DISCORD_TITLE))), DISCORD_TITLE)
    room = DISCORD_EMBED_TOTAL - len(shown_title) - len(footer) - DISCORD_STAGES_ROOM
    fields = []
    for name, value in facts(report)[:DISCORD_FIELDS]:
        shown_name = clip(name, DISCORD_FIELD_NAME)
        shown_value = cut(chat_markdown(value, DISCORD_FIELD_VALUE), DISCORD_FIELD_VALUE) or "-"
        size = len(shown_name) + len(shown_value)
        if size > room:
            break
        fields.append({"name": shown_name, "value": shown_value, "inline": "\n" not in value})
        room -= size
    # What the fields left, but never past the description's own limit.
    described = min(DISCORD_STAGES_ROOM + room, DISCORD_DESCRIPTION)
    embed: dict[str, Any] = {
        "title": shown_title,
        "description": cut(chat_markdown("\n".join(stage_lines(report)), described), described),
        "color": GREEN if report.ok else RED,
        "fields": fields,
        "footer": {"text": footer},
    }
    if link:
        embed["url"] = link
    return {
        "content": cut(chat_markdown(title, DISCORD_CONTENT), DISCORD_CONTENT),
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    }


# --- Microsoft Teams ------------------------------------------------------------------


def teams_payload(report: Report, *, link: str = "") -> dict[str, Any]:
    """A Workflows-webhook message carrying one Adaptive Card."""
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "body": [
            {
                "type": "TextBlock",
                "text": chat_markdown(headline(report), TEAMS_TEXT),
                "weight": "Bolder",
                "size": "Medium",
                "color": "Good" if report.ok else "Attention",
                "wrap": True,
            },
            {
                "type": "TextBlock",
                "text": cut(
                    chat_markdown("\n\n".join(stage_lines(report)), TEAMS_TEXT), TEAMS_TEXT
                ),
                "wrap": True,
            },
            {
                "type": "FactSet",
                "facts": [
                    {"title": clip(name, 200), "value": cut(chat_markdown(value, 1000), 1000)}
                    for name, value in facts(report)[:TEAMS_FACTS]
                ],
            },
        ],
    }
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "View the run", "url": link}]
    attachment = {"contentType": TEAMS_ATTACHMENT, "contentUrl": None, "content": card}
    return {"type": "message", "attachments": [attachment]}


BUILDERS: dict[NotifyKind, Callable[..., dict[str, Any]]] = {
    "slack": slack_payload,
    "discord": discord_payload,
    "teams": teams_payload,
}


def build_payload(kind: str, report: Report, *, link: str = "") -> dict[str, Any]:
    """The documented payload of ``kind`` for ``report``, credentials scrubbed.

    Raises:
        PipelineError: for an unknown kind.
    """
    payload = BUILDERS[check_kind(kind)](report, link=link)
    return cast("dict[str, Any]", scrub_values(payload))


# --- sending --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotifyResult:
    """What happened to one notification: delivered, or the error (never the URL)."""

    kind: str
    delivered: bool
    status_code: int | None = None
    error: str = ""
    duration_seconds: float = 0.0

    def stage(self) -> StageResult:
        """The report's ``notify`` stage: a failed notification never fails the run."""
        detail = f"{self.kind}: delivered" if self.delivered else f"{self.kind}: {self.error}"
        return StageResult(
            "notify",
            "passed" if self.delivered else "failed",
            self.duration_seconds,
            detail,
            blocking=False,
        )


def _answer(response: httpx.Response, said: str) -> str:
    body = clip(said, 200)
    return f"webhook answered {response.status_code}" + (f": {body}" if body else "")


async def _start_of(response: httpx.Response, limit: int = 4096) -> str:
    """At most ``limit`` bytes of an answer: a webhook's error text, never a flood."""
    taken = b""
    async for chunk in response.aiter_bytes():
        taken += chunk
        if len(taken) >= limit:
            break
    return taken[:limit].decode(response.encoding or "utf-8", errors="replace")


async def _post(url: str, payload: dict[str, Any], wait_seconds: float) -> tuple[int | None, str]:
    """One POST, all of it within ``wait_seconds``: the status, and an error text.

    The limit covers the whole exchange, not each read, so a webhook that trickles its
    answer is cut at the deadline. A URL that cannot even be parsed (a host that does
    not encode as IDNA) is a failed notification like any other, never an exception.
    """
    if not url.startswith(("https://", "http://")):
        return None, "the webhook URL must start with https://"
    try:
        with anyio.fail_after(wait_seconds):
            # The verifying SSL context is read once per process, and never for http://.
            async with httpx.AsyncClient(
                timeout=wait_seconds, follow_redirects=False, transport=LazyTlsTransport()
            ) as client:
                headers = {"User-Agent": USER_AGENT}
                async with client.stream("POST", url, json=payload, headers=headers) as response:
                    said = await _start_of(response)
    except (TimeoutError, httpx.TimeoutException):
        return None, f"webhook did not answer within {wait_seconds:g} s"
    except httpx.ConnectError:
        return None, "could not connect to the webhook host (refused or unreachable)"
    except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # ValueError: bad IDNA
        return None, f"webhook request failed ({type(exc).__name__})"
    return response.status_code, "" if response.is_success else _answer(response, said)


async def send(
    kind: str,
    url: str,
    report: Report,
    *,
    link: str = "",
    wait_seconds: float = DEFAULT_TIMEOUT,
) -> NotifyResult:
    """POST the ``kind`` payload for ``report`` to ``url`` once; report, never raise.

    ``wait_seconds`` bounds the whole exchange; there is no retry, so a dead or
    trickling webhook costs one timeout at most.
    """
    started = time.monotonic()
    status: int | None = None
    try:
        payload = build_payload(kind, report, link=link)
    except PipelineError as exc:
        error = str(exc)
    else:
        status, error = await _post(url, payload, wait_seconds)
    took = round(time.monotonic() - started, 3)
    error = scrub(error, [url]) if error else ""
    return NotifyResult(
        kind, delivered=not error, status_code=status, error=error, duration_seconds=took
    )
