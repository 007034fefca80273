"""After whole surveys in Slack and Teams, no table holds a raw platform id: not beside a pseudonym
or an answer, not in a row sharing a timestamp with one, not anywhere. What must be kept to write to
people again is sealed; what rows are found by is a keyed hash."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import build_app
from storage.models import SQLModel
from tests.channels.slack.slack_bot import SlackBot, question_id, slack_settings
from tests.channels.teams.activities import Person, typed
from tests.channels.teams.conftest import post, settle
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import TEAM, FakeSlack
from tests.helpers import PAIN_POINTS_TYPED, responses

SLACK_USER, SLACK_DM = "URAWIDS01", "DRAWIDS01"
WORKER = Person("Rae Example")


@pytest.fixture
async def both(tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> AsyncIterator[SlackBot]:
    settings = slack_settings(tmp_path, fake_slack, database_url=database_url, teams_dev_mode=True)
    async with TestClient(TestServer(build_app(settings))) as client:
        yield SlackBot(client, fake_slack)


async def rows(bot: SlackBot) -> list[tuple[str, tuple[Any, ...]]]:
    def dump(conn: Any) -> list[tuple[str, tuple[Any, ...]]]:
        return [(t.name, tuple(r)) for t in SQLModel.metadata.sorted_tables for r in conn.execute(select(t))]

    return await bot.services.db.read(dump)


async def test_no_table_keeps_a_raw_platform_id(both: SlackBot, connector: FakeBotConnector) -> None:
    # Slack: start by typing, answer the first question with its button, type the rest.
    await both.dm(SLACK_USER, "start pain-points")
    await both.settle()
    role = both.last_question(SLACK_DM)
    assert role is not None
    await both.click(role, "Social worker", user=SLACK_USER)
    await both.settle()
    asked = ["role"]
    while (message := both.last_question(SLACK_DM)) is not None and question_id(message) not in asked:
        asked.append(str(question_id(message)))
        await both.dm(SLACK_USER, PAIN_POINTS_TYPED[asked[-1]])
        await both.settle()
    # Teams: a whole survey typed in the personal chat.
    client: TestClient = both.client
    for text in ["start pain-points", *PAIN_POINTS_TYPED.values()]:
        assert await post(client, typed(WORKER, connector.url, text)) == 201
        await settle(client)
    done = [r for r in await responses(both.services.db) if r["status"] == "completed"]
    assert len(done) == 2  # both surveys finished, so every kind of row was written

    raw_ids = [SLACK_USER, SLACK_DM, TEAM, WORKER.teams_id, WORKER.aad, WORKER.personal_chat]
    found = [(table, value) for table, row in await rows(both) for value in row for raw in raw_ids
             if isinstance(value, str) and raw in value]  # fmt: skip
    assert found == []
    # What is kept to write to the Teams chat again opens, with the key, to the right conversation.
    keys = both.services.turns.keys
    refs = [row for table, row in await rows(both) if table == "conversation_ref"]
    assert refs and all(WORKER.personal_chat not in str(r) for r in refs)
    assert any(keys.open(v)["conversation"]["id"] == WORKER.personal_chat for r in refs for v in r
               if isinstance(v, str) and v.startswith("s1:"))  # fmt: skip
