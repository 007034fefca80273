"""Campaigns in Slack over real HTTP against the fake Web API, with a clock the test sets."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import structlog

from tests.campaigns.conftest import CHANNEL, MANAGER, CampaignBot, dm_of
from tests.channels.slack.slack_bot import question_id


async def launch(bot: CampaignBot, text: str) -> None:
    """The manager asks for a campaign and presses Start on the confirmation."""
    confirmation = await bot.manager_says(text)
    assert "Start?" in confirmation.body["text"], confirmation.body["text"]
    await bot.click(confirmation, "Start", user=MANAGER, channel=CHANNEL)
    await bot.settle()


async def test_a_roster_of_three_pages_is_asked_once_each_leaving_out_bots_and_deactivated(
    campaign_bot: CampaignBot,
) -> None:
    bot = campaign_bot
    people = bot.fake.add_people(CHANNEL, 249, bots=3, deleted=2)
    bot.fake.channel_members[CHANNEL].append(MANAGER)
    bot.fake.users[MANAGER] = {"id": MANAGER, "is_bot": False, "deleted": False}
    bot.fake.page_size = 100

    await bot.already_told(MANAGER)  # the confirmation is one ephemeral message: no notice in it
    confirmation = await bot.manager_says("campaign pain-points closes 8 January reminders on days 1 and 3")
    text = confirmation.body["text"]
    assert text.startswith("I will ask 244 people (the people in this conversation) in a direct message")
    assert "(3 bots, 2 deactivated accounts, 1 manager or digital lead left out)" in text
    assert "remind those who have not answered on Wednesday 23 December and Tuesday 29 December" in text
    assert "close on Friday 8 January. Start?" in text
    assert len(bot.fake.to("conversations.members")) == 3  # every page of the cursor
    assert bot.fake.to("conversations.open") == [] and bot.dms() == {}  # nothing sent before Start

    await bot.click(confirmation, "Start", user=MANAGER, channel=CHANNEL)
    await bot.settle()
    asked = await bot.delivered(244, "Not this time")
    assert set(asked) == {dm_of(u) for u in people[:244]}
    assert all(len(calls) == 1 for calls in asked.values())  # once each
    invitation = next(iter(asked.values()))[0].all_text
    assert "Your case management system" in invitation and "about 3 minutes" in invitation
    assert "open until Friday 8 January" in invitation

    # Pressing Start again (a double click) changes nothing.
    await bot.click(confirmation, "Start", user=MANAGER, channel=CHANNEL)
    await bot.settle()
    assert "already started" in bot.fake.to("chat.postEphemeral")[-1].all_text
    assert await bot.campaigns.run_due() == []
    assert (
        Counter(
            c.channel for c in bot.fake.to("chat.postMessage") if "Not this time" in c.all_text
        ).most_common(1)[0][1]
        == 1
    )

    status = await bot.manager_says("campaign status")
    assert "Invited: 244." in status.body["text"] and "Reached: 244 by direct message." in status.body["text"]


async def test_reminders_skip_the_weekend_and_holidays_and_go_only_to_those_still_asked(
    campaign_bot: CampaignBot,
) -> None:
    bot, clock = campaign_bot, campaign_bot.clock
    people = bot.fake.add_people(CHANNEL, 12)
    await launch(bot, "campaign pain-points closes 8 January reminders on days 1 and 3")
    invitations = await bot.delivered(12, "Not this time")
    done, declined, stopped, gone, paused = people[0], people[1], people[2], people[3], people[4]
    await bot.complete([done], at=clock.now + timedelta(hours=1))
    await bot.complete([paused], at=clock.now + timedelta(hours=1), status="in_progress")
    await bot.click(invitations[dm_of(declined)][0], "Not this time", user=declined)
    await bot.dm(stopped, "stop reminders")
    await bot.settle()
    assert "won't remind you" in bot.dms()[dm_of(declined)][-1].all_text
    assert "no more reminders" in bot.dms()[dm_of(stopped)][-1].all_text
    bot.fake.channel_members[CHANNEL].remove(gone)

    def reminded() -> Counter[str]:
        return Counter(str(c.channel) for c in bot.fake.to("chat.postMessage") if "A reminder" in c.all_text)

    for moment in [(2026, 12, 22, 16, 0), (2026, 12, 23, 8, 59)]:
        clock.at(*moment)
        assert await bot.campaigns.run_due() == []
    clock.at(2026, 12, 23, 9, 0)
    [first] = await bot.campaigns.run_due()
    assert first.startswith("reminded:") and first.endswith(":8")
    await bot.fake.wait_for(lambda: len(reminded()) == 8)
    expected = {dm_of(u) for u in people} - {dm_of(u) for u in (done, declined, stopped, gone)}
    assert set(reminded()) == expected
    resume = bot.dms()[dm_of(paused)][-1]
    assert "carry on where you left off" in resume.all_text and "Resume" in resume.all_text
    assert "Start" in bot.dms()[dm_of(people[5])][-1].all_text

    # Christmas Eve is a working day but the second reminder is not due; Christmas Day, the weekend
    # and the substitute Boxing Day (Monday 28th) are not working days.
    for moment in [
        (2026, 12, 24, 11, 0),
        (2026, 12, 25, 10, 0),
        (2026, 12, 26, 10, 0),
        (2026, 12, 28, 10, 0),
    ]:
        clock.at(*moment)
        assert await bot.campaigns.run_due() == []
    clock.at(2026, 12, 29, 9, 0)
    [second] = await bot.campaigns.run_due()
    assert second.endswith(":8")
    assert await bot.campaigns.run_due() == []  # sent once
    await bot.fake.wait_for(lambda: set(reminded().values()) == {2})
    clock.at(2026, 12, 31, 10, 0)
    assert await bot.campaigns.run_due() == []  # at most the configured number
    assert set(reminded().values()) == {2} and len(reminded()) == 8


async def test_closing_the_rate_in_whole_batches_and_the_grace_period(campaign_bot: CampaignBot) -> None:
    bot, clock = campaign_bot, campaign_bot.clock
    people = bot.fake.add_people(CHANNEL, 12)
    await launch(bot, "campaign pain-points closes 8 January no reminders")
    invitations = await bot.delivered(12, "Not this time")

    await bot.complete(people[:4], at=clock.now + timedelta(hours=1))
    status = (await bot.manager_says("campaign status")).body["text"]
    assert "0 of 12 invited have answered (0%)" in status  # four are not a batch yet
    await bot.complete(people[4:6], at=clock.now + timedelta(hours=2))
    status = (await bot.manager_says("campaign status")).body["text"]
    assert "5 of 12 invited have answered (42%)" in status  # the first batch: five of the six
    await bot.complete(people[6:7], at=clock.now + timedelta(hours=3))
    status = (await bot.manager_says("campaign status")).body["text"]
    assert "5 of 12 invited have answered (42%)" in status  # one more person moves nothing

    # A survey started before the close may be finished during the grace period.
    clock.at(2027, 1, 8, 16, 0)
    await bot.click(invitations[dm_of(people[11])][0], "Start", user=people[11])
    await bot.settle()
    assert question_id(bot.last_question(dm_of(people[11]))) == "role"  # type: ignore[arg-type]

    clock.at(2027, 1, 8, 17, 0)
    [closed] = await bot.campaigns.run_due()
    assert closed.startswith("closed:")
    await bot.settle()
    said = [c.all_text for c in bot.posts(CHANNEL)]
    assert any("has closed" in t and "until Saturday 9 January 17:00" in t for t in said)
    assert any("5 of 12 invited have answered (42%)" in t for t in said)
    assert any("digest for" in t for t in said)  # the campaign's digest
    assert await bot.campaigns.run_due() == []  # closed once

    await bot.click(invitations[dm_of(people[10])][0], "Start", user=people[10])
    await bot.settle()
    assert "This survey closed on Friday 8 January" in bot.dms()[dm_of(people[10])][-1].all_text
    assert bot.last_question(dm_of(people[10])) is None
    # The answers of someone part-way through still go on (the survey itself is not shut).
    await bot.dm(people[11], "Social worker")
    await bot.settle()
    assert question_id(bot.last_question(dm_of(people[11]))) == "team"  # type: ignore[arg-type]

    listing = (await bot.manager_says("campaign list")).body["text"]
    assert "1. pain-points, the people in this conversation: closed, closed Friday 8 January" in listing


async def test_who_has_not_answered_is_refused_in_every_form(campaign_bot: CampaignBot) -> None:
    bot = campaign_bot
    people = bot.fake.add_people(CHANNEL, 6)
    await launch(bot, "campaign pain-points closes 8 January")
    await bot.delivered(6, "Not this time")
    await bot.complete(people[:5], at=bot.clock.now + timedelta(hours=1))
    asked = [
        "campaign who has not answered",
        "campaign who answered?",
        "campaign status UPEOPLE00001",
        "campaign status <@UPEOPLE00001>",
        "campaign list people",
        "campaign non-responders",
        "campaign missing",
        "campaign chase",
        "campaign names",
        "campaign pain-points UPEOPLE00001",
    ]
    for text in asked:
        answer = (await bot.manager_says(text)).body["text"]
        assert "I never say who has or hasn't answered" in answer, text
    status = (await bot.manager_says("campaign status")).all_text
    listing = (await bot.manager_says("campaign list")).all_text
    for user in people:
        assert user not in status and user not in listing and dm_of(user) not in status


async def test_only_managers_and_digital_leads_run_campaigns_and_refusals_are_logged(
    campaign_bot: CampaignBot,
) -> None:
    bot = campaign_bot
    [someone] = bot.fake.add_people(CHANNEL, 1)
    with structlog.testing.capture_logs() as logs:
        await bot.command(someone, CHANNEL, "campaign pain-points")
        await bot.settle()
    assert "only for managers and digital leads" in bot.fake.to("response_url")[-1].body["text"]
    assert any(e["event"] == "campaign.refused" for e in logs)
    assert all(someone not in str(e) for e in logs)
    assert bot.fake.to("conversations.members") == []


async def test_a_small_audience_shows_no_rate_and_bad_requests_get_a_clear_answer(
    campaign_bot: CampaignBot,
) -> None:
    bot = campaign_bot
    people = bot.fake.add_people(CHANNEL, 3)
    confirmation = (await bot.manager_says("campaign pain-points")).body["text"]
    assert "With fewer than 5 people no response rate will be shown" in confirmation
    await bot.click(bot.fake.to("response_url")[-1], "Start", user=MANAGER, channel=CHANNEL)
    await bot.settle()
    await bot.delivered(3, "Not this time")
    await bot.complete(people, at=bot.clock.now + timedelta(hours=1))
    status = (await bot.manager_says("campaign status")).body["text"]
    assert "fewer than 5 people were invited, so no response rate is shown" in status
    assert "of 3 invited" not in status
    for typed, said in [
        ("campaign pain-points closes 30 February", "is not a date"),
        ("campaign no-such-survey", "I don't know a survey called"),
        ("campaign pain-points for the team", "In Slack, name a user group"),
        ("campaign pain-points for @nobody-here", "couldn't find a user group called @nobody-here"),
        ("campaign follow-up", "Type the message after"),
        ("campaign follow-up Thanks all", "none has closed here yet"),
    ]:
        assert said in (await bot.manager_says(typed)).body["text"], typed


async def test_a_user_group_is_asked_and_a_follow_up_goes_to_everyone_invited(
    campaign_bot: CampaignBot,
) -> None:
    bot, clock = campaign_bot, campaign_bot.clock
    members = bot.fake.add_people("CELSEWHERE", 9, prefix="UGROUP", bots=1, deleted=1)
    bot.fake.groups["S0CHILD01"] = ("childrens-services", members)
    bot.fake.page_size = 3
    confirmation = await bot.manager_says("campaign pain-points for @childrens-services closes 8 January")
    assert "I will ask 7 people (@childrens-services)" in confirmation.body["text"]
    assert "(1 bot, 1 deactivated account left out)" in confirmation.body["text"]
    assert len(bot.fake.to("usergroups.users.list")) == 3 and len(bot.fake.to("users.info")) == 9
    await bot.click(confirmation, "Start", user=MANAGER, channel=CHANNEL)
    await bot.settle()
    await bot.delivered(7, "Not this time")
    assert (
        "A follow-up goes to everyone invited once a campaign has closed"
        in (await bot.manager_says("campaign follow-up Too early")).body["text"]
    )

    clock.at(2027, 1, 8, 17, 0)
    await bot.campaigns.run_due()
    answer = await bot.manager_says("campaign follow-up You said search was slow: it now takes two steps.")
    assert "Sending your follow-up to the 7 people" in answer.body["text"]
    followed = await bot.delivered(7, "You said, we did")
    assert all(len(calls) == 1 for calls in followed.values())
    assert "already been sent" in (await bot.manager_says("campaign follow-up Again")).body["text"]

    # After the retention period the addresses are gone, and so is the follow-up.
    clock.at(2027, 2, 10, 10, 0)
    await bot.campaigns.run_due()
    assert "no longer keep the addresses" in (await bot.manager_says("campaign follow-up Later")).body["text"]


async def test_the_rate_in_a_digest_against_hand_counted_data(campaign_bot: CampaignBot) -> None:
    bot, clock = campaign_bot, campaign_bot.clock
    people = bot.fake.add_people(CHANNEL, 20)
    await launch(bot, "campaign pain-points closes 8 January no reminders")
    await bot.delivered(20, "Not this time")
    # Seven of the invited and three others complete: two batches of five are released (ten people),
    # the last completion waits for more. Two more start and do not finish.
    await bot.complete(people[:7], at=clock.now + timedelta(hours=1))
    await bot.complete(["UOUTSIDE01", "UOUTSIDE02", "UOUTSIDE03"], at=clock.now + timedelta(hours=2))
    await bot.complete(people[7:9], at=clock.now + timedelta(hours=3), status="in_progress")
    # Someone who completed before the launch is in no count of this campaign.
    await bot.complete(["UEARLIER1"], at=clock.now - timedelta(days=3))

    clock.at(2026, 12, 23, 12, 0)
    await bot.dm(MANAGER, "digest pain-points this-month")
    await bot.settle()
    digest = next(c for c in reversed(bot.posts(dm_of(MANAGER))) if "Response rate" in c.all_text)
    assert (
        "Campaign 1 (pain-points, the people in this conversation): 10 of 20 invited have answered (50%); 20 reached."
        in digest.all_text
    )
    assert "started" not in digest.all_text.split("Response rate")[1]  # not while people can still start

    clock.at(2027, 1, 8, 17, 0)
    await bot.campaigns.run_due()
    clock.at(2027, 1, 11, 10, 0)  # after the grace period: nothing can change any more
    status = (await bot.manager_says("campaign status")).body["text"]
    assert "10 of 20 invited have answered (50%); 20 reached; 12 started." in status


async def test_a_quarterly_campaign_runs_again_reading_its_audience_afresh(campaign_bot: CampaignBot) -> None:
    bot, clock = campaign_bot, campaign_bot.clock
    people = bot.fake.add_people(CHANNEL, 6)
    await launch(bot, "campaign pain-points closes 8 January reminders on days 1 and 3 every quarter")
    await bot.delivered(6, "Not this time")
    clock.at(2027, 1, 8, 17, 0)
    [closed] = await bot.campaigns.run_due()
    assert closed.startswith("closed:")
    listing = (await bot.manager_says("campaign list")).body["text"]
    assert "2. pain-points, the people in this conversation: starts Monday 22 March" in listing
    newcomer = bot.fake.add_people(CHANNEL, 1, prefix="UNEWCOMER")[0]
    bot.fake.channel_members[CHANNEL].remove(people[0])

    clock.at(2027, 3, 22, 9, 59)
    assert await bot.campaigns.run_due() == []
    clock.at(2027, 3, 22, 10, 0)
    [repeated] = await bot.campaigns.run_due()
    assert repeated.startswith("repeated:")
    asked = await bot.delivered(7, "Not this time")
    again = {d for d, calls in asked.items() if len(calls) == 2}
    assert again == {dm_of(u) for u in people[1:]} and len(asked[dm_of(newcomer)]) == 1
    status = (await bot.manager_says("campaign status")).body["text"]
    assert "Campaign 2: pain-points, running. Started Monday 22 March; closes Thursday 8 April." in status
    # The same days after launch as last time (1 and 7); the second moves past Easter Monday.
    assert "Reminders: Tuesday 23 March, Tuesday 30 March." in status
    assert "Stopped campaign 2" in (await bot.manager_says("campaign stop")).body["text"]
    assert await bot.campaigns.run_due() == []


async def test_an_invitation_told_to_wait_by_a_429_lets_the_others_go_meanwhile(
    campaign_bot: CampaignBot,
) -> None:
    # One invitation at a time (GUIDEBOT_CAMPAIGN_IN_FLIGHT 1), but a refused one was not sent: it
    # waits out Slack's Retry-After without holding up everyone else's.
    bot = campaign_bot
    people = bot.fake.add_people(CHANNEL, 5)
    bot.fake.fail("chat.postMessage", status=429, retry_after=3)
    await launch(bot, "campaign pain-points closes 8 January no reminders")
    asked = await bot.delivered(5, "Not this time")
    assert set(asked) == {dm_of(u) for u in people} and all(len(c) == 1 for c in asked.values())
    [refused] = [c for c in bot.fake.calls if c.method == "chat.postMessage" and c.status == 429]
    assert "Not this time" in refused.all_text
    retried = asked[str(refused.channel)][0]
    others = [calls[0] for where, calls in asked.items() if where != refused.channel]
    assert retried.at - refused.at >= 3.0  # Retry-After: 3
    assert all(refused.at < c.at < retried.at for c in others)
