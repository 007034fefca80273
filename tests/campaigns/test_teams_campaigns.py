"""Campaigns in Teams: the team's members over paged calls, personal chats, and the channel fallback
where the app is not installed for someone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.campaigns.install import CAMPAIGNS
from tests.campaigns.conftest import LAUNCH, Clock
from tests.channels.teams.activities import (
    BOT_ID,
    TEAM_CHANNEL,
    Person,
    actions_of,
    in_channel,
    press,
    text_of,
)
from tests.channels.teams.conftest import post, settle, teams_settings
from tests.fakes.bot_connector import FakeBotConnector

BOSS = Person("Pat Manager")


@pytest.fixture
async def bot(tmp_path: Path, database_url: str) -> AsyncIterator[TestClient]:
    settings = teams_settings(
        tmp_path, teams_dev_mode=True, managers=f"teams:{BOSS.aad}", database_url=database_url, pacing_scale=0
    )
    async with TestClient(TestServer(build_app(settings, clock=Clock(LAUNCH)))) as client:
        yield client


def team(connector: FakeBotConnector, count: int) -> list[Person]:
    """``count`` people in the team (and the bot itself, which is left out)."""
    people = [Person(f"Staff member {i}") for i in range(count)]
    connector.rosters[TEAM_CHANNEL] = [
        *({"id": p.teams_id, "aadObjectId": p.aad, "name": p.name} for p in people),
        {"id": BOT_ID, "name": "Guidebot"},
    ]
    return people


def said(call: object) -> str:
    card = call.card  # type: ignore[attr-defined]
    return text_of(card) if card else str(call.body.get("text", ""))  # type: ignore[attr-defined]


def in_thread(connector: FakeBotConnector) -> list:
    return [c for c in connector.posts() if (c.conversation_id or "").startswith(TEAM_CHANNEL)]


async def test_a_team_over_pages_is_asked_in_personal_chats_and_the_not_installed_in_the_channel(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    people = team(connector, 120)
    connector.page_size = 50
    connector.not_installed = {people[3].teams_id, people[70].teams_id}

    assert await post(bot, in_channel(BOSS, connector.url, "campaign pain-points closes 8 January")) == 201
    await settle(bot)
    [confirmation] = in_thread(connector)
    asked = said(confirmation)
    assert (
        "I will ask 120 people (the people in this conversation) in a personal chat (1 bot left out)" in asked
    )
    assert "invited here in the channel instead" in asked
    pages = [c for c in connector.calls if c.method == "GET"]
    assert len(pages) == 3 and pages[1].body["continuationToken"] == "50"
    assert connector.created() == []

    start = press(confirmation.card, "Start")
    assert await post(bot, in_channel(BOSS, connector.url, value=start, replyToId=confirmation.new_id)) == 201
    await settle(bot)

    def invited() -> list:
        return [c for c in connector.posts() if (c.conversation_id or "").startswith("a:personal-")]

    await connector.wait_for(lambda: len(invited()) >= 118 and len(in_thread(connector)) >= 3, within=60)
    assert sorted(c.conversation_id for c in invited()) == sorted(
        f"a:personal-{p.teams_id}" for p in people if p.teams_id not in connector.not_installed
    )
    fallback = [c for c in in_thread(connector) if "this invitation is for you" in said(c)]
    assert len(fallback) == 1  # one channel invitation, however many were refused
    assert [a["title"] for a in actions_of(fallback[0].card)] == ["Start"]
    refused = [c for c in connector.calls if c.status == 403]
    assert len(refused) == 2

    # Someone the app could not reach presses Start in the channel: the survey opens in private.
    value = press(fallback[0].card, "Start")
    assert (
        await post(bot, in_channel(people[3], connector.url, value=value, replyToId=fallback[0].new_id))
        == 201
    )
    await settle(bot)
    # The refusal is counted once the status is asked (the outcome is recorded with the outbox row).
    campaigns = bot.server.app[CAMPAIGNS]
    assert await campaigns.run_due() == []
    assert await post(bot, in_channel(BOSS, connector.url, "campaign status")) == 201
    await settle(bot)
    status = said(in_thread(connector)[-1])
    assert "Invited: 120." in status
    assert "Reached: 118 by personal chat, 2 in the channel (the app isn't installed for them)." in status
