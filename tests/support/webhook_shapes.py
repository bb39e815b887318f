"""The documented shape of each webhook's request body, as assertions.

Slack incoming webhooks: https://api.slack.com/messaging/webhooks and Block Kit
(header text plain_text <= 150 chars, section text <= 3000, <= 10 fields of <= 2000,
<= 50 blocks). Discord execute webhook: content <= 2000, <= 10 embeds, title <= 256,
description <= 4096, <= 25 fields (name <= 256, value <= 1024), <= 6000 characters in
all embeds. Teams Workflows webhook: a ``message`` with an Adaptive Card attachment.
"""

from typing import Any

SLACK_BLOCK_TYPES = {"header", "section", "context", "divider", "actions", "image", "rich_text"}
CARD_ELEMENTS = {"TextBlock", "FactSet", "ColumnSet", "Container", "Image", "RichTextBlock"}


def check_slack(body: dict[str, Any]) -> None:
    assert set(body) <= {"text", "blocks", "username", "icon_emoji", "icon_url"}
    assert isinstance(body["text"], str)
    assert body["text"]
    blocks = body["blocks"]
    assert isinstance(blocks, list)
    assert 0 < len(blocks) <= 50
    for block in blocks:
        assert block["type"] in SLACK_BLOCK_TYPES
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert 0 < len(block["text"]["text"]) <= 150
        if block["type"] == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert block["text"]["type"] in {"mrkdwn", "plain_text"}
                assert 0 < len(block["text"]["text"]) <= 3000
            for item in block.get("fields", []):
                assert item["type"] in {"mrkdwn", "plain_text"}
                assert 0 < len(item["text"]) <= 2000
            assert len(block.get("fields", [])) <= 10
        if block["type"] == "context":
            assert 0 < len(block["elements"]) <= 10


def check_discord(body: dict[str, Any]) -> None:
    assert set(body) <= {"content", "embeds", "allowed_mentions", "username", "avatar_url"}
    assert 0 < len(body["content"]) <= 2000
    embeds = body["embeds"]
    assert 0 < len(embeds) <= 10
    total = 0
    for embed in embeds:
        assert len(embed["title"]) <= 256
        assert len(embed.get("description", "")) <= 4096
        assert isinstance(embed["color"], int)
        assert 0 <= embed["color"] <= 0xFFFFFF
        assert len(embed["fields"]) <= 25
        for item in embed["fields"]:
            assert 0 < len(item["name"]) <= 256
            assert 0 < len(item["value"]) <= 1024
            assert isinstance(item.get("inline", False), bool)
        assert len(embed["footer"]["text"]) <= 2048
        total += len(embed["title"]) + len(embed.get("description", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
        total += len(embed["footer"]["text"])
    assert total <= 6000


def check_teams(body: dict[str, Any]) -> None:
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment.get("contentUrl") is None
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["version"] in {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}
    assert card["body"]
    for element in card["body"]:
        assert element["type"] in CARD_ELEMENTS
        if element["type"] == "TextBlock":
            assert isinstance(element["text"], str)
            assert element["text"]
        if element["type"] == "FactSet":
            assert all(set(f) == {"title", "value"} for f in element["facts"])
    for action in card.get("actions", []):
        assert action["type"] == "Action.OpenUrl"
        assert action["url"].startswith("https://")


CHECKS = {"slack": check_slack, "discord": check_discord, "teams": check_teams}
# What each service answers on success.
SUCCESS = {"slack": (200, b"ok"), "discord": (204, b""), "teams": (202, b"")}
