"""Mentions in channels, the /guide command, invitations, and the App Home tab."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, DividerBlock, SectionBlock

from tests.channels.slack.slack_bot import SlackBot, question_id
from tests.helpers import responses

CHANNEL = "CPRACTICE1"
MANAGER = "UMANAGER1"
USERS = ["UPRACT0011", "UPRACT0012", "UPRACT0013"]


def mention(user: str, text: str, ts: str = "1700000100.000100") -> dict:
    return {"type": "app_mention", "channel": CHANNEL, "user": user, "text": f"<@UBOTFAKE1> {text}", "ts": ts}


async def test_a_mention_is_answered_in_its_thread_and_runs_no_survey(slack: SlackBot) -> None:
    await slack.event(mention(USERS[0], "start pain-points"))
    await slack.settle()
    [reply] = slack.posts(CHANNEL)
    assert reply.body["thread_ts"] == "1700000100.000100"
    assert "private chat" in reply.body["text"]
    assert await responses(slack.services.db) == []


async def test_a_bare_mention_gets_help(slack: SlackBot) -> None:
    await slack.event(mention(USERS[0], ""))
    await slack.settle()
    assert "I help your service" in slack.posts(CHANNEL)[0].body["text"]


async def test_a_question_in_a_mention_is_answered_in_the_thread(slack: SlackBot) -> None:
    await slack.event(mention(USERS[0], "where do I start with procurement?", ts="1700000100.000200"))
    await slack.settle()
    replies = slack.posts(CHANNEL)
    assert replies and all(r.body["thread_ts"] == "1700000100.000200" for r in replies)

    feedback = next(r for r in replies if "Was this helpful?" in r.all_text)
    await slack.click(feedback, "Yes", user=USERS[0])
    await slack.settle()
    [thanks] = slack.fake.to("chat.postEphemeral", CHANNEL)
    assert thanks.body["thread_ts"] == "1700000100.000200" and thanks.body["user"] == USERS[0]
    assert len(slack.posts(CHANNEL)) == len(replies)


async def test_guide_survey_starts_it_in_a_direct_message(slack: SlackBot) -> None:
    resp = await slack.command(USERS[0], CHANNEL, "survey pain-points")
    assert resp.status == 200
    ack = await resp.json()
    assert ack["response_type"] == "ephemeral" and "direct message" in ack["text"]
    await slack.settle()
    [opened] = slack.fake.to("conversations.open")
    assert opened.body["users"] == USERS[0]
    question = slack.last_question("DPRACT0011")
    assert question is not None and question_id(question) == "role"
    assert slack.posts(CHANNEL) == [] and slack.fake.to("response_url") == []


async def test_guide_help_and_ask_answer_privately_and_reports_come_in_a_dm(slack: SlackBot) -> None:
    help_ack = await (await slack.command(USERS[0], CHANNEL, "help")).json()
    assert "/guide survey" in help_ack["text"] and help_ack["response_type"] == "ephemeral"
    ask_ack = await (await slack.command(USERS[0], CHANNEL, "ask where do I start with procurement?")).json()
    assert ask_ack["response_type"] == "ephemeral"
    for report in ["digest", "plan"]:
        ack = await (await slack.command(USERS[0], CHANNEL, report)).json()
        assert ack["response_type"] == "ephemeral" and "direct message" in ack["text"]
    await slack.settle()
    [answer] = slack.fake.to("response_url")
    assert answer.body["response_type"] == "ephemeral" and "procur" in answer.all_text.lower()
    assert (
        len(slack.posts("DPRACT0011")) == 2
    )  # the digest's and the plan's answers (a refusal, for a practitioner)
    assert slack.posts(CHANNEL) == []


async def test_guide_ask_keeps_the_answer_and_was_this_helpful_apart(slack: SlackBot) -> None:
    await slack.command(USERS[0], CHANNEL, "ask where do I start with procurement?")
    await slack.settle()
    [answer] = slack.fake.to("response_url")
    blocks = [Block.parse(block) for block in answer.body["blocks"]]
    for block in blocks:
        block.validate_json()  # slack_sdk's own checks of each block's fields and limits
    dividers = [i for i, block in enumerate(blocks) if isinstance(block, DividerBlock)]
    assert dividers and 0 not in dividers and len(blocks) - 1 not in dividers
    helpful = next(
        i for i, b in enumerate(blocks) if isinstance(b, SectionBlock) and "Was this helpful" in b.text.text
    )
    assert isinstance(blocks[helpful - 1], DividerBlock)  # its own part, not the answer's last line
    lines = answer.body["text"].split("\n\n")
    assert len(lines) >= 2 and any(line.startswith("Was this helpful") for line in lines), lines
    assert " Was this helpful" not in answer.body["text"]


async def test_unknown_guide_subcommands_are_answered_with_the_list(slack: SlackBot) -> None:
    ack = await (await slack.command(USERS[0], CHANNEL, "<!channel>")).json()
    assert "&lt;!channel&gt;" in ack["text"] and "/guide survey" in ack["text"]


async def test_only_managers_and_digital_leads_can_invite(slack: SlackBot) -> None:
    await slack.command(USERS[0], CHANNEL, "invite pain-points")
    await slack.settle()
    [refusal] = slack.fake.to("response_url")
    assert refusal.body["response_type"] == "ephemeral"
    assert "Only managers and digital leads" in refusal.body["text"]


async def test_an_invitation_clicked_by_three_people_gives_three_private_surveys(slack: SlackBot) -> None:
    await slack.already_told(MANAGER)  # else the notice is a response of its own before the invitation
    await slack.command(MANAGER, CHANNEL, "invite pain-points")
    await slack.settle()
    [invitation] = slack.fake.to("response_url")
    assert invitation.body["response_type"] == "in_channel"
    for user in USERS:
        await slack.click(invitation, "Start", user=user, channel=CHANNEL)
    await slack.settle()
    assert sorted(c.body["users"] for c in slack.fake.to("conversations.open")) == USERS
    for user in USERS:
        question = slack.last_question("D" + user.removeprefix("U"))
        assert question is not None and question_id(question) == "role"
    started = await responses(slack.services.db)
    assert len(started) == 3 and len({r["respondent"] for r in started}) == 3
    assert slack.posts(CHANNEL) == []

    first = slack.last_question("DPRACT0011")
    assert first is not None
    await slack.click(first, "Social worker", user=USERS[0])
    await slack.settle()
    assert question_id(slack.last_question("DPRACT0011")) == "team"  # type: ignore[arg-type]
    assert question_id(slack.last_question("DPRACT0012")) == "role"  # type: ignore[arg-type]


async def test_the_app_home_shows_surveys_progress_and_starts_in_a_dm(slack: SlackBot) -> None:
    user = USERS[1]
    await slack.event({"type": "app_home_opened", "user": user, "channel": "DPRACT0012", "tab": "home"})
    await slack.settle()
    [home] = slack.fake.to("views.publish")
    assert home.body["user_id"] == user and home.body["view"]["type"] == "home"
    assert "Your case management system" in home.all_text and "/guide" in home.all_text

    await slack.click(home, "Start: Your case management system", user=user)
    await slack.settle()
    assert question_id(slack.last_question("DPRACT0012")) == "role"  # type: ignore[arg-type]
    await slack.event({"type": "app_home_opened", "user": user, "channel": "DPRACT0012", "tab": "home"})
    await slack.settle()
    assert (
        "You're taking *Your case management system*: question 1 of"
        in slack.fake.to("views.publish")[-1].all_text
    )
