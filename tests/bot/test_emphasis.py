"""Neutral emphasis: the dialogs and reports mark a command one way, and each channel shows it its own
way. No backtick reaches the web page or a Teams message; Slack shows a command as code."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.channels import web as web_channel
from bot.channels import web_render
from bot.channels.slack import render as slack
from bot.channels.teams import render as teams
from bot.reports.plan_document import Paragraph
from bot.reports.plan_render import _html_block
from bot.settings import load_settings
from dialogs import emphasis
from dialogs.replies import Image, Reply, Text
from tests.helpers import SECRET

# Commands that answer with help, lists, schedules, reports and refusals: most of what the bot says.
SAID = [
    "help",
    "surveys",
    "links",
    "start nothing-like-this",
    "skip",
    "digest",
    "digest schedule",
    "digest stop",
    "digest every blue moon",
    "digest stop 7",
    "plan",
    "guide me",
    "help",
    "stop",
    "resume",
    "stop",
    "what is the weather on mars",
]


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list | tuple):
        return [s for item in node for s in _strings(item)]
    if isinstance(node, dict):
        return [s for key, item in node.items() if key not in ("src", "url") for s in _strings(item)]
    return []


def test_spans_read_bold_and_commands_and_leave_asterisks_inside_a_command() -> None:
    text = f"Type {emphasis.command('digest cron 0 9 * * 1')} for *Mondays* at 9"
    assert emphasis.spans(text) == [
        ("plain", "Type "),
        ("command", "digest cron 0 9 * * 1"),
        ("plain", " for "),
        ("bold", "Mondays"),
        ("plain", " at 9"),
    ]
    assert emphasis.plain(text) == "Type \u201cdigest cron 0 9 * * 1\u201d for Mondays at 9"
    assert emphasis.plain("a lone ` and a lone * stay") == "a lone ` and a lone * stay"


def test_each_channel_shows_a_command_its_own_way() -> None:
    reply = Text(f"For the plan, type {emphasis.command('plan')}; a <b> stays text.")
    assert web_render.render(reply)["text"] == "For the plan, type \u201cplan\u201d; a <b> stays text."
    assert teams.render(reply)["text"] == "For the plan, type \u201cplan\u201d; a <b> stays text."
    [section] = slack.render(reply).blocks
    assert section["text"]["text"] == "For the plan, type `plan`; a &lt;b&gt; stays text."
    card = teams.render(Text("x"))  # plain text; a Prompt is a card with a bold run for the command
    assert card["textFormat"] == "plain"
    runs = teams.paragraphs(f"type {emphasis.command('plan')}")[0]["inlines"]
    assert [(r["text"], r.get("weight")) for r in runs] == [("type ", None), ("plan", "Bolder")]


def test_the_printed_plan_shows_a_command_as_code() -> None:
    html = _html_block(Paragraph(f"Not assessed yet: type {emphasis.command('guide me')} <now>."))
    assert html == "<p>Not assessed yet: type <code>guide me</code> &lt;now&gt;.</p>"


@pytest.fixture
async def said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Reply]:
    """Every neutral reply the web chat rendered while a manager typed ``SAID``, with its JSON checked."""
    seen: list[Reply] = []
    shown: list[str] = []

    def recording(reply: Reply) -> dict[str, Any]:
        seen.append(reply)
        rendered = web_render.render(reply)
        shown.extend(_strings(rendered))
        return rendered

    monkeypatch.setattr(web_channel, "render", recording)
    settings = load_settings(
        data_dir=tmp_path / "data",
        secret_key=SECRET,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        managers="web:manager",
    )
    async with TestClient(TestServer(build_app(settings))) as client:
        for text in SAID:
            body = {"user_id": "manager", "message_id": uuid.uuid4().hex, "text": text}
            resp = await client.post("/api/chat", json=body)
            assert resp.status == 200, await resp.text()
    with_backticks = [s for s in shown if "`" in s]
    assert not with_backticks, with_backticks
    return seen


async def test_no_backtick_reaches_the_web_page(said: list[Reply]) -> None:
    texts = [r.text for r in said if isinstance(r, Text)]
    # The bot did mark commands (so the check above saw some), and the page shows them quoted.
    assert any("`" in t for t in texts)


async def test_no_backtick_reaches_a_teams_message_and_slack_shows_code(said: list[Reply]) -> None:
    marked = 0
    for reply in said:
        if isinstance(reply, Image):
            continue
        activity = teams.render(reply)
        found = [s for s in _strings(activity) if "`" in s]
        assert not found, (reply, found)
        blocks = slack.render(reply).blocks
        marked += sum("`" in s for s in _strings(blocks))
    assert marked  # Slack's mrkdwn shows them as code
