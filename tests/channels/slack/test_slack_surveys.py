"""Surveys in Slack direct messages, by clicking and by typing, through the real bolt code paths."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from tests.channels.slack.slack_bot import SlackBot, question_id, slack_settings
from tests.fakes.slack_api import FakeSlack
from tests.helpers import PAIN_POINTS_TYPED, responses, stored_answers, table_counts

USER = "UPRACT0001"
DM = "DPRACT0001"


async def start_by_clicking(slack: SlackBot, user: str, dm: str) -> None:
    """Say hello, then press the survey's Start button in the list the bot offers."""
    assert (await slack.dm(user, "hello")).status == 200
    await slack.settle()
    offer = next(c for c in reversed(slack.posts(dm)) if "Start: Your case management system" in c.all_text)
    await slack.click(offer, "Start: Your case management system", user=user)
    await slack.settle()


async def test_a_whole_survey_by_clicking(slack: SlackBot) -> None:
    await start_by_clicking(slack, USER, DM)
    asked = []
    while (message := slack.last_question(DM)) is not None and question_id(message) not in asked:
        asked.append(question_id(message))
        await slack.click(message, *CLICKS[question_id(message)], user=USER)
        await slack.settle()
        [update] = [u for u in slack.fake.to("chat.update", DM) if u.ts == message.ts]
        assert not any(block["type"] == "actions" for block in update.blocks)
    assert asked == list(CLICKS)
    assert slack.posts(DM)[-1].body["text"].startswith("Thank you. Your answers have been saved.")

    answers = await stored_answers(slack.services.db)
    assert answers["role"] == ("social-worker", None)
    assert answers["team"] == ("assessment", None)
    assert answers["disruption"] == ("weekly", None)
    assert answers["sus_1"] == ("1", 1.0) and answers["sus_10"] == ("5", 5.0)
    assert answers["tasks"] == ("recording-visits,search,other", None)
    assert answers["time_lost"] == ("2-5h", 3.5)
    assert answers["consulted"] == ("no", None)
    assert "tasks_other" not in answers and "frustration" not in answers
    [response] = await responses(slack.services.db)
    assert response["status"] == "completed" and response["role"] == "social-worker"
    counts = await table_counts(slack.services.db)
    assert counts["answer"] == len(CLICKS) - 2 and counts["choice"] == 3


async def test_a_whole_survey_by_typing(slack: SlackBot) -> None:
    await slack.dm(USER, "start pain-points")
    await slack.settle()
    asked = []
    while (message := slack.last_question(DM)) is not None and question_id(message) not in asked:
        asked.append(question_id(message))
        await slack.dm(USER, PAIN_POINTS_TYPED[question_id(message)])
        await slack.settle()
        [update] = [u for u in slack.fake.to("chat.update", DM) if u.ts == message.ts]
        assert "Your answer" in update.all_text
    assert asked == list(PAIN_POINTS_TYPED)
    answers = await stored_answers(slack.services.db)
    assert answers["team"] == ("assessment", None)
    assert answers["tasks"] == ("recording-visits,double-entry,search", None)
    assert answers["frustration"] == ("It logs me out while I'm typing up a visit.", None)
    [response] = await responses(slack.services.db)
    assert response["status"] == "completed"


async def test_questions_use_buttons_menus_checkboxes_or_a_prompt_to_type(slack: SlackBot) -> None:
    await slack.dm(USER, "start pain-points")
    await slack.settle()
    role = slack.last_question(DM)
    assert role is not None and element_types(role) == ["static_select"]  # six roles: a menu
    await slack.click(role, "Social worker", user=USER)
    for answer in ["2", "1 to 3 years"]:
        await slack.settle()
        await slack.dm(USER, answer)
    await slack.settle()
    disruption = slack.last_question(DM)
    assert disruption is not None and element_types(disruption) == ["button"] * 5
    assert "Question 4 of 18" in disruption.all_text
    for answer in ["weekly", *["3"] * 10]:
        await slack.dm(USER, answer)
        await slack.settle()
    tasks = slack.last_question(DM)
    assert tasks is not None and element_types(tasks) == ["checkboxes", "checkboxes", "button"]
    boxes = [e for b in tasks.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [len(e.get("options", [])) for e in boxes] == [10, 1, 0]


async def test_a_resent_event_changes_nothing(slack: SlackBot) -> None:
    await slack.dm(USER, "start pain-points", event_id="EvFIRST001")
    await slack.settle()
    role = slack.last_question(DM)
    assert role is not None
    await slack.dm(USER, "social worker", event_id="EvANSWER01")
    await slack.settle()
    before = (len(slack.fake.calls), await table_counts(slack.services.db))
    resent = await slack.dm(USER, "social worker", event_id="EvANSWER01", retry=1)
    assert resent.status == 200
    await slack.settle()
    assert (len(slack.fake.calls), await table_counts(slack.services.db)) == before
    assert (await table_counts(slack.services.db))["answer"] == 1


async def test_a_double_click_changes_nothing_and_says_so_privately(slack: SlackBot) -> None:
    await slack.dm(USER, "start pain-points")
    await slack.settle()
    await slack.dm(USER, "social worker")
    await slack.settle()
    team = slack.last_question(DM)
    assert team is not None
    await slack.click(team, "Assessment", user=USER)
    await slack.click(team, "Assessment", user=USER)
    await slack.settle()
    answers = await stored_answers(slack.services.db)
    assert answers["team"] == ("assessment", None)
    assert (await table_counts(slack.services.db))["answer"] == 2
    [ephemeral] = slack.fake.to("chat.postEphemeral", DM)
    assert ephemeral.body["user"] == USER
    assert "That question has already been answered." in ephemeral.all_text
    assert len([q for q in slack.posts(DM) if question_id(q) == "tenure"]) == 1


async def test_quick_answers_get_their_questions_in_order(slack: SlackBot) -> None:
    await slack.dm(USER, "start pain-points")
    await slack.settle()
    slack.fake.slow("chat.postMessage", 0.3)  # Slack is slow to take the next question
    for answer in ["social worker", "assessment", "1 to 3 years"]:
        await slack.dm(USER, answer)  # no waiting in between, as a quick typist
    await slack.settle()
    asked = [question_id(p) for p in slack.posts(DM) if question_id(p)]
    assert asked == ["role", "team", "tenure", "disruption"]
    updated = {u.ts for u in slack.fake.to("chat.update", DM)}
    assert updated == {p.ts for p in slack.posts(DM) if question_id(p) in ("role", "team", "tenure")}


async def test_the_bot_ignores_itself_and_other_bots(slack: SlackBot) -> None:
    await slack.event({**direct_message_event(), "bot_id": "BOTHER001", "subtype": "bot_message"})
    await slack.event({**direct_message_event(), "user": "UBOTFAKE1"})
    await slack.event({**direct_message_event(), "subtype": "message_changed"})
    await slack.settle()
    assert slack.fake.to("chat.postMessage") == []
    assert (await table_counts(slack.services.db))["processed"] == 0


def element_types(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["type"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def direct_message_event() -> dict:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": DM,
        "user": USER,
        "text": "hello",
        "ts": "1.000001",
    }


AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
CLICKS = {
    "role": ["Social worker"],
    "team": ["Assessment"],
    "tenure": ["1 to 3 years"],
    "disruption": ["At least once a week"],
    **{f"sus_{i}": [AGREE[(i - 1) % 5]] for i in range(1, 11)},
    "tasks": ["Recording visits", "Search", "Something else"],
    "tasks_other": ["Skip this question"],
    "time_lost": ["2 to 5 hours"],
    "consulted": ["No"],
    "frustration": ["Skip this question"],
}


async def test_a_resent_event_changes_nothing_after_a_restart(tmp_path: Path, fake_slack: FakeSlack) -> None:
    settings = slack_settings(tmp_path, fake_slack)
    async with TestClient(TestServer(build_app(settings))) as first:
        bot = SlackBot(first, fake_slack)
        await bot.dm(USER, "start pain-points", event_id="EvBEFORE01")
        await bot.settle()
        counts = await table_counts(bot.services.db)
    calls = len(fake_slack.calls)
    async with TestClient(TestServer(build_app(settings))) as second:
        bot = SlackBot(second, fake_slack)
        assert (await bot.dm(USER, "start pain-points", event_id="EvBEFORE01", retry=2)).status == 200
        await bot.settle()
        assert await table_counts(bot.services.db) == counts
    assert [c.method for c in fake_slack.calls[calls:]] == ["auth.test"]  # the new process learns who it is
