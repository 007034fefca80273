"""The privacy notice in Slack: in the direct message before the first question, once, and again at
``privacy`` (typed, or ``/guide privacy``); a campaign's Start still starts the survey.

Against the fake Slack Web API over real HTTP, signed as Slack signs (SQLite, and PostgreSQL where set).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import build_app
from storage.models import PrivacyNoticeShown
from tests.campaigns.conftest import CHANNEL, LAUNCH, MANAGER, CampaignBot, Clock, dm_of
from tests.channels.slack.slack_bot import SlackBot, is_privacy_notice, question_id, slack_settings
from tests.fakes.slack_api import Call, FakeSlack
from tests.helpers import stored_answers

PRIVACY_URL = "https://www.casterbridge.example/privacy"
USER = "UPRACT0021"
DM = "DPRACT0021"


@pytest.fixture
async def slack(tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> AsyncIterator[SlackBot]:
    settings = slack_settings(
        tmp_path,
        fake_slack,
        database_url=database_url,
        org_name="Casterbridge Council",
        privacy_url=PRIVACY_URL,
    )
    async with TestClient(TestServer(build_app(settings))) as client:
        yield SlackBot(client, fake_slack)


def is_notice(call: Call) -> bool:
    return is_privacy_notice(call)


async def shown(slack: SlackBot) -> int:
    return await slack.services.db.read(
        lambda conn: conn.execute(select(func.count()).select_from(PrivacyNoticeShown)).scalar_one()
    )


async def test_the_first_direct_message_gets_the_notice_then_the_survey(slack: SlackBot) -> None:
    await slack.dm(USER, "start pain-points")
    await slack.settle()
    first, *rest = slack.fake.to("chat.postMessage", DM)
    assert is_notice(first)
    said = first.all_text
    assert "Casterbridge Council runs this bot" in said and "at least 5 people" in said
    assert f"<{PRIVACY_URL}|Casterbridge Council privacy notice>" in said
    assert first.body["text"] == "How your answers are used"  # the notification says what it is
    assert question_id(rest[-1]) == "role" and not any(is_notice(c) for c in rest)
    # The next message is answered without it.
    await slack.dm(USER, "social worker")
    await slack.settle()
    later = slack.fake.to("chat.postMessage", DM)[2:]
    assert later and not any(is_notice(c) for c in later)
    assert question_id(slack.last_question(DM)) == "team"  # type: ignore[arg-type]
    assert (await stored_answers(slack.services.db))["role"][0] == "social-worker"
    assert await shown(slack) == 1


async def test_privacy_shows_it_again_in_the_survey_and_by_slash_command(slack: SlackBot) -> None:
    await slack.dm(USER, "start pain-points")
    await slack.settle()
    before = len(slack.fake.to("chat.postMessage", DM))
    await slack.dm(USER, "privacy")
    await slack.settle()
    again = slack.fake.to("chat.postMessage", DM)[before:]
    assert is_notice(again[0]) and question_id(again[-1]) == "role"  # the question asked again
    resp = await slack.command(USER, "CPRACTICE1", "privacy")
    assert resp.status == 200
    await slack.settle()
    sent = (
        slack.fake.to("response_url")
        + slack.fake.to("chat.postEphemeral")
        + slack.fake.to("chat.postMessage", "CPRACTICE1")
    )
    assert any("How your answers are used" in c.all_text for c in sent), sent
    assert await shown(slack) == 1


async def test_a_campaign_start_press_shows_the_notice_and_still_starts_the_survey(
    tmp_path: Path, fake_slack: FakeSlack, database_url: str
) -> None:
    settings = slack_settings(
        tmp_path, fake_slack, database_url=database_url, managers=f"slack:{MANAGER}", pacing_scale=0
    )
    clock = Clock(LAUNCH)
    async with TestClient(TestServer(build_app(settings, clock=clock))) as client:
        bot = CampaignBot(client, fake_slack)
        bot.clock = clock
        people = bot.fake.add_people(CHANNEL, 6)
        await bot.already_told(MANAGER)
        confirmation = await bot.manager_says("campaign pain-points closes 8 January")
        await bot.click(confirmation, "Start", user=MANAGER, channel=CHANNEL)
        await bot.settle()
        person, dm = people[0], dm_of(people[0])
        [invitation] = fake_slack.to("chat.postMessage", dm)  # the bot wrote first: no notice yet
        assert not is_privacy_notice(invitation) and "Start" in invitation.all_text
        await bot.click(invitation, "Start", user=person)
        await bot.settle()
        after = fake_slack.to("chat.postMessage", dm)[1:]
        assert is_privacy_notice(after[0])
        assert question_id(after[-1]) == "role"  # the Start press started the survey
        assert await shown(bot) == 2  # the manager (marked above) and this person
