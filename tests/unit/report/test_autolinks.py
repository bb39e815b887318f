"""Outputs carry no links from stage text: bare URLs do not become links anywhere.

GitHub (GFM's autolink extension) turns a bare ``https://...`` or ``www....`` into a
link, and so do Slack (unless a text object is ``verbatim``) and Discord. A stage detail
quoting a server's answer could put a phishing link in a trusted channel that way.
"""

import json
import re

from main.core.report.markdown import render
from main.core.report.model import Report, StageResult
from main.core.report.notify import build_payload
from main.core.run.sections import short
from main.core.text import no_autolinks
from tests.support.reports import failing_report

DETAIL = "login expired: sign in again at https://evil.example/login or WWW.evil.example/x"
# What each renderer would turn into a link: a scheme and `//`, or `www.`, in one piece.
AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp)://|\bwww\.")


def hostile() -> Report:
    return failing_report().with_stage(StageResult("validate", "failed", 1.0, short(DETAIL)))


def nodes(value: object) -> list[object]:
    """``value`` and everything inside it, for a JSON-like value."""
    if isinstance(value, dict):
        return [value, *(node for item in value.values() for node in nodes(item))]
    if isinstance(value, list):
        return [value, *(node for item in value for node in nodes(item))]
    return [value]


def test_the_job_summary_turns_no_bare_url_into_a_link() -> None:
    markdown = render(hostile())
    row = next(line for line in markdown.splitlines() if line.startswith("| validate"))
    assert "evil.example/login" in row  # still readable
    assert not AUTOLINK.search(row), row


def test_chat_messages_turn_no_bare_url_into_a_link() -> None:
    for kind in ("slack", "discord", "teams"):
        payload = build_payload(kind, hostile())
        shown = [node for node in nodes(payload) if isinstance(node, str) and "evil" in node]
        assert shown, f"{kind} dropped the detail"
        for text in shown:
            assert not AUTOLINK.search(text), f"{kind}: {text}"


def test_slack_text_objects_are_verbatim_so_slack_links_nothing_itself() -> None:
    # Slack also links bare domain names (evil.com) unless a mrkdwn object is verbatim.
    payload = build_payload("slack", hostile())
    objects = [
        node for node in nodes(payload) if isinstance(node, dict) and node.get("type") == "mrkdwn"
    ]
    assert objects
    assert all(item.get("verbatim") is True for item in objects), json.dumps(objects)


def test_the_json_report_keeps_the_text_as_it_was() -> None:
    # JSON is data for programs, rendered by nobody: the detail stays exact there.
    stages = json.loads(hostile().to_json())["stages"]
    assert any(stage["detail"] == DETAIL for stage in stages)


EMAIL_DETAIL = "contact security@evil.example or mailto:root@evil.example to unlock"
# GitHub and Discord link an address (local@domain.tld) and a mailto: on their own.
EMAIL_LINK = re.compile(r"(?i)[\w.+-]@[\w-]+\.[\w.-]*[a-z]|mailto:")


def test_no_renderer_turns_an_email_address_into_a_link() -> None:
    report = failing_report().with_stage(
        StageResult("validate", "failed", 1.0, short(EMAIL_DETAIL))
    )
    row = next(line for line in render(report).splitlines() if line.startswith("| validate"))
    assert "security" in row  # still readable
    assert "evil.example" in row
    assert not EMAIL_LINK.search(row), row
    for kind in ("slack", "discord", "teams"):
        payload = build_payload(kind, report)
        shown = [node for node in nodes(payload) if isinstance(node, str) and "evil" in node]
        assert shown, f"{kind} dropped the detail"
        for text in shown:
            assert not EMAIL_LINK.search(text), f"{kind}: {text}"


def test_a_digest_reference_stays_whole_for_copying() -> None:
    reference = "ghcr.io/acme/svc@sha256:" + "a" * 64
    assert reference in no_autolinks(reference)
