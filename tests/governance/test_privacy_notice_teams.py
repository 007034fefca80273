"""The privacy notice in Teams: a card before the first question of a personal chat, once, and again at
``privacy``; with GUIDEBOT_PRIVACY_URL set it has a button to the council's notice, unset it says so.

Against the fake Bot Connector over real HTTP, the bot in dev mode (SQLite, and PostgreSQL where set).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, build_app
from tests.channels.teams.activities import Person, actions_of, text_of, typed
from tests.channels.teams.conftest import post, settle, teams_settings
from tests.fakes.bot_connector import Call, FakeBotConnector
from tests.helpers import stored_answers
from tests.tools.node_tools import run_script

PRIVACY_URL = "https://www.casterbridge.example/privacy"


async def teams_bot(tmp_path: Path, database_url: str, **settings: Any) -> TestClient:
    values = {"teams_dev_mode": True, "database_url": database_url, "org_name": "Casterbridge Council"}
    return TestClient(TestServer(build_app(teams_settings(tmp_path, **(values | settings)))))


@pytest.fixture
async def bot(tmp_path: Path, database_url: str) -> AsyncIterator[TestClient]:
    async with await teams_bot(tmp_path, database_url, privacy_url=PRIVACY_URL) as client:
        yield client


def is_notice(call: Call) -> bool:
    return bool(call.card) and text_of(call.card).startswith("How your answers are used")


async def say(bot: TestClient, connector: FakeBotConnector, person: Person, text: str) -> list[Call]:
    before = len(connector.posts(person.personal_chat, notices=True))
    assert await post(bot, typed(person, connector.url, text)) == 201
    await settle(bot)
    return connector.posts(person.personal_chat, notices=True)[before:]


async def test_the_first_message_gets_the_notice_card_then_the_survey(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    alex = Person("Alex Example")
    first, *rest = await say(bot, connector, alex, "start pain-points")
    assert is_notice(first)
    words = text_of(first.card)
    assert "Casterbridge Council runs this bot" in words and "at least 5 people" in words
    [button] = actions_of(first.card)
    assert button == {
        "type": "Action.OpenUrl",
        "title": "Casterbridge Council privacy notice",
        "url": PRIVACY_URL,
    }
    assert rest and text_of(rest[-1].card).startswith("Question 1 of")
    # Microsoft's renderer finds nothing wrong with the card.
    found = run_script("validate_cards.js", [first.card], needs="adaptivecards/dist/adaptivecards.js")
    assert found["results"] == [[]]
    later = await say(bot, connector, alex, "social worker")
    assert later and not any(is_notice(c) for c in later)
    assert (await stored_answers(bot.server.app[SERVICES].db))["role"][0] == "social-worker"


async def test_privacy_shows_it_again_and_asks_the_question_again(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    sam = Person("Sam Example")
    await say(bot, connector, sam, "start pain-points")
    again = await say(bot, connector, sam, "privacy")
    assert len(again) == 2 and is_notice(again[0])
    assert text_of(again[1].card).startswith("Question 1 of")


async def test_without_a_privacy_url_the_card_says_there_is_no_link_yet(
    tmp_path: Path, database_url: str, connector: FakeBotConnector
) -> None:
    async with await teams_bot(tmp_path, database_url) as client:
        kit = Person("Kit Example")
        first, *_ = await say(client, connector, kit, "hello")
        assert is_notice(first) and actions_of(first.card) == []
        assert "Casterbridge Council has not yet linked its privacy notice here" in text_of(first.card)
