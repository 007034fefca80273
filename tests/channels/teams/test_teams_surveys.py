"""Whole surveys in a Teams personal chat against the fake Bot Connector, by card and by typing."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from bot.app import SERVICES
from tests.channels.teams.activities import Person, actions_of, inputs_of, press, submit, text_of, typed
from tests.channels.teams.conftest import post, settle
from tests.fakes.bot_connector import Call, FakeBotConnector
from tests.helpers import PAIN_POINTS_TYPED, all_text, stored_answers, table_counts

# The answers a practitioner gives on the cards, by question id (labels as the cards show them).
PAIN_POINTS_BY_CARD: dict[str, str | list[str]] = {
    "role": "Social worker",
    "team": "Children in need or child protection",
    "tenure": "1 to 3 years",
    "disruption": "At least once a week",
    **{
        f"sus_{i}": label
        for i, label in enumerate(
            [
                "Agree",
                "Disagree",
                "Agree",
                "Strongly disagree",
                "Agree",
                "Disagree",
                "Agree",
                "Disagree",
                "Strongly agree",
                "Neither agree nor disagree",
            ],
            1,
        )
    },
    "tasks": ["Recording visits", "Entering the same data twice", "Search"],
    "time_lost": "2 to 5 hours",
    "consulted": "No",
    "frustration": "It logs me out mid-visit [see](https://evil.example) <b>twice</b>",
}


def question_cards(connector: FakeBotConnector, conversation: str) -> list[Call]:
    """Posted cards that ask a question (they have a progress line and buttons or inputs)."""
    return [
        c
        for c in connector.posts(conversation)
        if c.card and text_of(c.card).startswith("Question ") and (actions_of(c.card) or inputs_of(c.card))
    ]


def finished(connector: FakeBotConnector, conversation: str) -> bool:
    """Whether the last message in the conversation is the survey's thank-you."""
    posts = connector.posts(conversation)
    return bool(posts) and posts[-1].body.get("text", "").startswith("Thank you.")


def question_id(card: dict[str, Any]) -> str:
    """The question a card asks, from its Send button or any answer button's data."""
    return next(a["data"]["q"] for a in actions_of(card) if "q" in a.get("data", {}))


async def test_a_whole_survey_by_card_submits(bot: TestClient, connector: FakeBotConnector) -> None:
    alex = Person("Alex Example")
    assert await post(bot, typed(alex, connector.url, "start pain-points")) == 201
    await settle(bot)
    asked = []
    while not finished(connector, alex.personal_chat):
        card_call = question_cards(connector, alex.personal_chat)[-1]
        qid = question_id(card_call.card)
        asked.append(qid)
        value = press(card_call.card, PAIN_POINTS_BY_CARD[qid])
        assert await post(bot, submit(alex, connector.url, value, card_call.new_id)) == 201
        await settle(bot)
    assert asked == list(PAIN_POINTS_BY_CARD)
    db = bot.server.app[SERVICES].db
    answers = await stored_answers(db)
    assert set(answers) == set(PAIN_POINTS_BY_CARD)
    assert answers["team"] == ("cin-cp", None)
    assert answers["tasks"][0] == "recording-visits,double-entry,search"
    assert answers["sus_10"] == ("3", 3.0)
    # Every question card was replaced by one showing the answer, without buttons.
    updates = connector.updates(alex.personal_chat)
    assert [u.activity_id for u in updates] == [
        c.new_id for c in question_cards(connector, alex.personal_chat)
    ]
    for update in updates:
        assert "Your answer:" in text_of(update.card)
        assert not actions_of(update.card) and not inputs_of(update.card)
    # The free text is shown literally: in a TextRun (never read as Markdown), not as a link.
    last = updates[-1].card
    runs = [run for block in last["body"] for run in block.get("inlines", [])]
    assert any(run["text"] == PAIN_POINTS_BY_CARD["frustration"] for run in runs)
    assert all("selectAction" not in run for run in runs)
    assert all(block["type"] != "TextBlock" for block in last["body"])


async def test_a_whole_survey_by_typing(bot: TestClient, connector: FakeBotConnector) -> None:
    sam = Person("Sam Sample")
    await post(bot, typed(sam, connector.url, "start pain-points"))
    await settle(bot)
    asked = []
    while not finished(connector, sam.personal_chat):
        qid = question_id(question_cards(connector, sam.personal_chat)[-1].card)
        asked.append(qid)
        await post(bot, typed(sam, connector.url, PAIN_POINTS_TYPED[qid]))
        await settle(bot)
    assert asked == list(PAIN_POINTS_TYPED)
    answers = await stored_answers(bot.server.app[SERVICES].db)
    assert set(answers) == set(PAIN_POINTS_TYPED)
    # Typed answers replace the cards too.
    assert len(connector.updates(sam.personal_chat)) == len(PAIN_POINTS_TYPED)
    # Plain text messages are sent as plain text, so nothing a user wrote can become formatting.
    texts = [c.body for c in connector.posts(sam.personal_chat) if "text" in c.body]
    assert texts and all(body["textFormat"] == "plain" for body in texts)


async def test_a_resent_activity_changes_nothing(bot: TestClient, connector: FakeBotConnector) -> None:
    kim = Person("Kim Example")
    await post(bot, typed(kim, connector.url, "start pain-points"))
    await settle(bot)
    card_call = question_cards(connector, kim.personal_chat)[-1]
    activity = submit(kim, connector.url, press(card_call.card, "Social worker"), card_call.new_id)
    assert await post(bot, activity) == 201
    await settle(bot)
    db = bot.server.app[SERVICES].db
    before, calls = await table_counts(db), len(connector.calls)
    assert await post(bot, activity) == 201  # Teams retries a slow card submit with the same id
    await settle(bot)
    assert await table_counts(db) == before
    assert before["answer"] == 1
    assert len(connector.calls) == calls


async def test_an_old_cards_button_is_already_answered(bot: TestClient, connector: FakeBotConnector) -> None:
    lee = Person("Lee Example")
    await post(bot, typed(lee, connector.url, "start pain-points"))
    await settle(bot)
    first = question_cards(connector, lee.personal_chat)[-1]
    await post(bot, submit(lee, connector.url, press(first.card, "Social worker"), first.new_id))
    await settle(bot)
    db = bot.server.app[SERVICES].db
    before = await stored_answers(db)
    await post(bot, submit(lee, connector.url, press(first.card, "Team manager"), first.new_id))
    await settle(bot)
    assert connector.posts(lee.personal_chat)[-1].body["text"] == "That question has already been answered."
    assert await stored_answers(db) == before


async def test_typed_identifiers_in_a_card_box_are_redacted(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    ali = Person("Ali Example")
    await post(bot, typed(ali, connector.url, "start pain-points"))
    await settle(bot)
    for qid, answer in PAIN_POINTS_TYPED.items():
        if qid == "frustration":
            break
        if qid != "tasks_other":
            await post(bot, typed(ali, connector.url, answer))
            await settle(bot)
    card = question_cards(connector, ali.personal_chat)[-1]
    assert question_id(card.card) == "frustration"
    secret = "Call the family on 020 7946 0991 about SW1A 1AA"
    await post(bot, submit(ali, connector.url, press(card.card, secret), card.new_id))
    await settle(bot)
    stored = await all_text(bot.server.app[SERVICES].db)
    assert "020 7946 0991" not in stored and "SW1A 1AA" not in stored
    notices = [c.body.get("text", "") for c in connector.posts(ali.personal_chat)]
    assert any(n.startswith("Please don't share details about children or families") for n in notices)
