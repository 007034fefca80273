"""``my data`` and ``forget me`` in Teams through botbuilder and the fake Bot Connector: in the personal
chat only, confirmed on a card, and nothing of the person left afterwards (every table, the outbox too)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.app import SERVICES
from bot.respondent import pseudonym
from tests.channels.teams.activities import Person, in_channel, press, submit, typed
from tests.channels.teams.conftest import post, settle
from tests.channels.teams.test_teams_surveys import question_cards, question_id
from tests.fakes.bot_connector import FakeBotConnector
from tests.helpers import PAIN_POINTS_TYPED, SECRET, all_text, responses


async def answer_some(bot: TestClient, connector: FakeBotConnector, person: Person) -> None:
    await post(bot, typed(person, connector.url, "start pain-points"))
    await settle(bot)
    for _ in range(3):
        qid = question_id(question_cards(connector, person.personal_chat)[-1].card)
        await post(bot, typed(person, connector.url, PAIN_POINTS_TYPED[qid]))
        await settle(bot)


def said(connector: FakeBotConnector, conversation: str) -> str:
    return " ".join(str(c.body) for c in connector.posts(conversation))


async def test_my_data_then_forget_me_on_a_card(bot: TestClient, connector: FakeBotConnector) -> None:
    pat = Person("Pat Example")
    await answer_some(bot, connector, pat)
    await post(bot, typed(pat, connector.url, "my data"))
    await settle(bot)
    assert "What is stored about you" in said(connector, pat.personal_chat)
    assert "Social worker" in said(connector, pat.personal_chat)

    await post(bot, typed(pat, connector.url, "forget me"))
    await settle(bot)
    card = next(
        c.card
        for c in reversed(connector.posts(pat.personal_chat))
        if c.card and "Yes, erase it" in str(c.card)
    )
    await post(bot, submit(pat, connector.url, press(card, "Yes, erase it")))
    await settle(bot)
    assert "has been erased" in str(connector.posts(pat.personal_chat)[-1].body)
    assert await responses(bot.server.app[SERVICES].db) == []
    stored = await all_text(bot.server.app[SERVICES].db)
    assert pseudonym(SECRET.encode(), "teams", pat.aad) not in stored
    assert pat.aad not in stored and pat.personal_chat not in stored


async def test_asked_in_a_channel_it_says_to_ask_in_the_personal_chat(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    kim = Person("Kim Example")
    await answer_some(bot, connector, kim)
    activity = in_channel(kim, connector.url, "my data")
    await post(bot, activity)
    await settle(bot)
    everywhere = " ".join(str(c.body) for c in connector.posts())
    assert "What is stored about you" not in everywhere
    assert "direct message" in everywhere or "personal chat" in everywhere
