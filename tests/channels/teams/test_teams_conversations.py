"""Channels, group chats and installs: mentions, invitations whose Start opens a personal chat,
commands that are coming soon, one welcome card per install, and stored conversation references."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, build_app
from storage.channels import conversation_refs
from tests.channels.teams.activities import (
    BOT_ID,
    TENANT,
    Person,
    actions_of,
    in_channel,
    installed,
    press,
    text_of,
    typed,
)
from tests.channels.teams.conftest import post, settle, teams_settings
from tests.fakes.bot_connector import FakeBotConnector
from tests.helpers import table_counts

BOSS = Person("Pat Manager")
WORKER = Person("Chris Worker")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[TestClient]:
    settings = teams_settings(tmp_path, teams_dev_mode=True, managers=f"teams:{BOSS.aad}")
    async with TestClient(TestServer(build_app(settings))) as client:
        yield client


def channel_posts(connector: FakeBotConnector) -> list:
    return [c for c in connector.posts() if c.conversation_id and c.conversation_id.startswith("19:")]


async def test_an_invitation_in_a_channel_starts_the_survey_in_a_personal_chat(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    assert await post(bot, in_channel(BOSS, connector.url, "invite pain-points")) == 201
    await settle(bot)
    [invitation] = channel_posts(connector)
    assert "Press Start" in text_of(invitation.card)
    assert invitation.activity_id is not None  # a reply in the thread it was asked in

    value = press(invitation.card, "Start")
    assert value == {"cmd": "start", "survey": "pain-points"}
    assert await post(bot, in_channel(WORKER, connector.url, value=value, replyToId=invitation.new_id)) == 201
    await settle(bot)
    [created] = connector.created()
    assert created.body["members"] == [{"id": WORKER.teams_id}]
    assert created.body["bot"] == {"id": BOT_ID}
    assert created.body["channelData"] == {"tenant": {"id": TENANT}} and created.body["isGroup"] is False
    personal = connector.posts(created.new_id)
    assert personal[0].body["text"].startswith("Your case management system")
    assert "Question 1 of" in text_of(personal[1].card)
    assert len(channel_posts(connector)) == 1  # nothing about the worker's survey appears in the channel
    refs = await bot.server.app[SERVICES].db.read(
        lambda c: conversation_refs(c, channel="teams", kind="personal")
    )
    keys = bot.server.app[SERVICES].turns.keys
    assert [r.conversation_key for r in refs] == [keys.lane("teams", created.new_id)]


async def test_only_managers_and_digital_leads_can_invite(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    await post(bot, in_channel(WORKER, connector.url, "invite pain-points"))
    await settle(bot)
    assert (
        channel_posts(connector)[0].body["text"]
        == "Only managers and digital leads can invite people to a survey."
    )


async def test_surveys_never_run_in_a_channel(bot: TestClient, connector: FakeBotConnector) -> None:
    await post(bot, in_channel(WORKER, connector.url, "start pain-points"))
    await settle(bot)
    assert channel_posts(connector)[0].body["text"].startswith("Surveys run in a private chat with me")
    assert (await table_counts(bot.server.app[SERVICES].db))["response"] == 0


async def test_the_mention_is_removed_before_parsing(bot: TestClient, connector: FakeBotConnector) -> None:
    await post(bot, in_channel(WORKER, connector.url, "help"))
    await settle(bot)
    await post(bot, in_channel(WORKER, connector.url, "digest"))
    await settle(bot)
    texts = [c.body.get("text", "") for c in channel_posts(connector)]
    assert texts[0].startswith("I help your service improve its case management system.")
    assert "digest" in texts[-1].casefold() and "didn't understand" not in texts[-1]


async def test_channel_messages_without_a_mention_are_ignored(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    activity = in_channel(WORKER, connector.url, text=None)
    activity["text"] = "start pain-points"
    assert await post(bot, activity) == 201
    await settle(bot)
    assert connector.calls == []


async def test_a_personal_install_gets_one_welcome(bot: TestClient, connector: FakeBotConnector) -> None:
    activity = installed(WORKER, connector.url)
    assert await post(bot, activity) == 201
    await settle(bot)
    await post(bot, activity)  # sent again
    await post(bot, installed(WORKER, connector.url))  # or again with a new id
    await settle(bot)
    [welcome] = connector.posts()
    assert welcome.conversation_id == WORKER.personal_chat
    assert "Type help" in text_of(welcome.card)
    assert [a["data"] for a in actions_of(welcome.card)] == [{"cmd": "surveys"}]
    refs = await bot.server.app[SERVICES].db.read(lambda c: conversation_refs(c, channel="teams"))
    keys = bot.server.app[SERVICES].turns.keys
    assert [(r.kind, r.conversation_key) for r in refs] == [
        ("personal", keys.lane("teams", WORKER.personal_chat))
    ]
    # Kept under a contact key (not the pseudonym), and sealed: no Entra id, name or Teams id readable.
    assert refs[0].contact and refs[0].contact != keys.contact("teams", "x")
    assert WORKER.aad not in refs[0].reference and WORKER.personal_chat not in refs[0].reference
    assert keys.open(refs[0].reference)["conversation"]["id"] == WORKER.personal_chat
    assert WORKER.name not in str(refs[0].reference)


async def test_a_team_install_welcomes_the_channel_and_removal_stops_messages(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    await post(bot, installed(BOSS, connector.url, channel=True))
    await settle(bot)
    [welcome] = connector.posts()
    assert "Mention me with help" in text_of(welcome.card)
    db = bot.server.app[SERVICES].db
    [ref] = await db.read(lambda c: conversation_refs(c, channel="teams", kind="channel"))
    assert ref.contact is None  # a channel is no one person's

    removed = installed(BOSS, connector.url, channel=True)
    removed["membersRemoved"] = removed.pop("membersAdded")
    await post(bot, removed)
    await settle(bot)
    assert await db.read(lambda c: conversation_refs(c, channel="teams", kind="channel")) == []


async def test_a_user_message_in_personal_chat_is_answered_in_place(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    await post(bot, typed(WORKER, connector.url, "help"))
    await settle(bot)
    posts = connector.posts(WORKER.personal_chat)
    assert posts[0].body["textFormat"] == "plain" and "take a short survey" in posts[0].body["text"]
    assert any(a["data"] == {"cmd": "start", "survey": "pain-points"} for a in actions_of(posts[1].card))


async def test_when_no_personal_chat_can_be_opened_the_channel_is_told(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    connector.fail_next(403)
    start = {"cmd": "start", "survey": "pain-points"}
    await post(bot, in_channel(WORKER, connector.url, value=start))
    await settle(bot)
    assert channel_posts(connector)[0].body["text"].startswith("I couldn't open a private chat with you.")
    assert (await table_counts(bot.server.app[SERVICES].db))["response"] == 0
