"""``my data`` and ``forget me`` in Slack, through the real bolt paths: answered only in a direct message,
and after erasure nothing of the person is left in any table, the outbox included."""

from __future__ import annotations

from bot.respondent import pseudonym
from tests.channels.slack.slack_bot import SlackBot, question_id
from tests.fakes.slack_api import TEAM
from tests.helpers import PAIN_POINTS_TYPED, SECRET, all_text, responses

USER = "UPRACT0001"
DM = "DPRACT0001"
CHANNEL = "CPRACTICE1"


async def answer_some(slack: SlackBot) -> None:
    await slack.dm(USER, "start pain-points")
    await slack.settle()
    for _ in range(4):
        message = slack.last_question(DM)
        assert message is not None
        await slack.dm(USER, PAIN_POINTS_TYPED[question_id(message) or ""])
        await slack.settle()


async def test_my_data_in_a_dm_then_forget_me_by_button_leaves_nothing(slack: SlackBot) -> None:
    await answer_some(slack)
    await slack.dm(USER, "my data")
    await slack.settle()
    shown = next(c for c in slack.posts(DM) if "What is stored about you" in c.all_text)
    assert "What is your role?" in shown.all_text and "Social worker" in shown.all_text
    assert any("/my-data?" in c.all_text for c in slack.posts(DM))

    await slack.dm(USER, "forget me")
    await slack.settle()
    prompt = next(c for c in reversed(slack.posts(DM)) if "Yes, erase it" in c.all_text)
    await slack.click(prompt, "Yes, erase it", user=USER)
    await slack.settle()
    assert "everything stored about you has been erased" in slack.posts(DM)[-1].all_text
    assert await responses(slack.services.db) == []
    stored = await all_text(slack.services.db)
    for form in (f"{TEAM}:{USER}", USER):
        assert pseudonym(SECRET.encode(), "slack", form) not in stored
    assert DM not in stored and USER not in stored


async def test_in_a_channel_the_answer_comes_in_a_dm_never_in_the_channel(slack: SlackBot) -> None:
    await answer_some(slack)
    before = len(slack.posts(DM))
    ack = await (await slack.command(USER, CHANNEL, "my data")).json()
    assert ack["response_type"] == "ephemeral" and "direct message" in ack["text"]
    await slack.settle()
    assert slack.posts(CHANNEL) == []
    assert any("What is stored about you" in c.all_text for c in slack.posts(DM)[before:])
    assert all("What is stored" not in c.all_text for c in slack.fake.to("response_url"))
