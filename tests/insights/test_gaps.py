"""``gaps``: the guidance questions the bot could not answer well, grouped, counted and anonymous,
through the web chat over real HTTP on SQLite and PostgreSQL; and the plan's appendix of them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from bot.app import build_app
from bot.reports.gaps import gaps_appendix, group_questions
from bot.reports.plan_document import Table
from bot.reports.routes import INSIGHTS
from bot.settings import load_settings
from storage.guidance_gaps import UnansweredQuestion
from tests.helpers import SECRET, without_notice

PAPER = [
    "can you order more printer paper",
    "please order more printer paper",
    "order printer paper for the office",
    "can you order more printer paper",
]
CHIEF = ["who is the council chief executive", "who is the chief executive of the council"]


@pytest.fixture
async def chat(database_url: str, tmp_path: Path) -> AsyncIterator[TestClient]:
    settings = load_settings(
        data_dir=tmp_path / "data", secret_key=SECRET, database_url=database_url,
        digital_leads="web:lead", min_group_size=3,
    )  # fmt: skip
    async with TestClient(TestServer(build_app(settings))) as client:
        yield client


async def say(client: TestClient, user: str, text: str | None = None, value: Any = None) -> list[dict]:
    body: dict[str, Any] = {"user_id": user, "message_id": uuid.uuid4().hex}
    body.update({"text": text} if text is not None else {"value": value})
    response = await client.post("/api/chat", json=body)
    assert response.status == 200, await response.text()
    return without_notice((await response.json())["replies"])


async def ask_everything(client: TestClient) -> None:
    for question in [*PAPER, *CHIEF]:
        await say(client, "practitioner", question)
    # A confident answer marked not helpful is a gap too; one marked helpful is not.
    answered = await say(client, "practitioner", "how do we buy a new case management system")
    await say(client, "practitioner", value=answered[-1]["choices"][1]["value"])
    helped = await say(client, "practitioner", "how do we move our old records across")
    await say(client, "practitioner", value=helped[-1]["choices"][0]["value"])


async def test_gaps_groups_similar_questions_and_shows_small_groups_as_counts_only(chat: TestClient) -> None:
    await ask_everything(chat)
    [reply] = await say(chat, "lead", "gaps")
    lines = reply["text"].splitlines()
    assert lines[0] == (
        "Guidance questions I could not answer well, the last 30 days: "
        "7 questions in 3 groups of similar wording, most asked first."
    )
    # More than the threshold (3): the commonest wording, with the count.
    assert (
        lines[1] == "1. \u201ccan you order more printer paper\u201d and similar: 4 questions (4 not sure)."
    )
    # Fewer than the threshold: the count, never the words.
    assert lines[2] == "2. 2 questions (2 not sure): fewer than 3, so the wording is not shown."
    assert lines[3] == "3. 1 question (1 marked not helpful): fewer than 3, so the wording is not shown."
    assert "chief executive" not in reply["text"] and "buy" not in reply["text"]


async def test_gaps_for_a_period_with_none_says_so(chat: TestClient) -> None:
    await ask_everything(chat)
    [reply] = await say(chat, "lead", "gaps 2020")
    assert reply["text"].startswith("No guidance questions went unanswered in 2020")
    [bad] = await say(chat, "lead", "gaps fortnight-ish")
    assert "fortnight-ish" in bad["text"] or "period" in bad["text"].lower()


async def test_anyone_else_is_refused_politely_and_the_refusal_is_logged(chat: TestClient) -> None:
    with capture_logs() as logs:
        [reply] = await say(chat, "practitioner", "gaps")
    assert "only for managers and digital leads" in reply["text"]
    [refusal] = [e for e in logs if e["event"] == "insights.refused"]
    assert refusal["command"] == "gaps" and "practitioner" not in str(refusal)


async def test_the_plans_appendix_carries_the_top_gaps(chat: TestClient) -> None:
    await ask_everything(chat)
    insights = chat.server.app[INSIGHTS]
    plan = await insights.plan(insights.period("this-month"), with_charts=False)
    [section] = [s for s in plan.sections if s.id == "gaps"]
    [table] = [b for b in section.blocks if isinstance(b, Table)]
    assert table.rows == (
        ("can you order more printer paper", "4", "4", "0"),
        ("(fewer than 3 questions: wording not shown)", "2", "2", "0"),
        ("(fewer than 3 questions: wording not shown)", "1", "0", "1"),
    )
    markdown = await chat.get(
        insights.plan_url(insights.period("this-month"), "md").removeprefix(insights.settings.base_url)
    )
    assert markdown.status == 200
    assert "can you order more printer paper" in await markdown.text()


def test_grouping_by_wording_and_the_threshold() -> None:
    def q(text: str) -> UnansweredQuestion:
        return UnansweredQuestion(text, True, False)

    groups = group_questions([q("my printer is broken"), q("printer broken again"), q("lunch menu")], 2)
    assert [(g.questions, g.wording) for g in groups] == [(2, "my printer is broken"), (1, None)]
    assert gaps_appendix(None).blocks[0].text.startswith("No guidance questions went unanswered")
