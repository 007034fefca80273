"""Digests posted into Slack and Teams, asked for and scheduled, with their charts.

Slack gets the summary as a message and each chart uploaded as a file with its alt text (fake Web
API). Teams gets the summary and a card per chart whose Image element points at the bot's signed,
expiring ``/reports/images/...`` address (fake Bot Connector), never a data URI: a 30-50 KB PNG would
not fit in a Teams message. One app serves both, filled with 80 demo respondents so every figure
shows. Background work is waited for by draining the app's tasks; nothing sleeps.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from bot.app import SERVICES, Services, build_app
from bot.reports.commands import scheduled_digest
from bot.reports.demo_data import fill_demo
from bot.reports.routes import INSIGHTS
from bot.reports.scheduler import DigestScheduler
from bot.settings import Settings
from bot.turn import utcnow
from storage import schedules
from storage.channels import is_blocked
from tests.channels.slack.slack_bot import SlackBot, slack_settings
from tests.channels.teams.activities import Person, in_channel, text_of
from tests.channels.teams.conftest import post, settle
from tests.fakes.bot_connector import Call as TeamsCall
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import FakeSlack

PUBLIC_URL = "https://guidebot.council.example"
PNG = b"\x89PNG\r\n\x1a\n"
SLACK_MANAGER = "UMANAGER1"
SLACK_WORKER = "UPRACT0011"
SLACK_CHANNEL = "CMANAGERS1"
BOSS = Person("Pat Manager")
WORKER = Person("Chris Worker")
ALT_TEXTS = ("Bar chart: Tasks that cost most time", "Histogram: System Usability Scale scores")
SUMMARY = ("Responses:", "Usability (SUS):", "Top pain points:", "What staff want most:")
TEAMS_MESSAGE_LIMIT = 28 * 1024


class Clock:
    """A frozen clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Bots:
    """The app with Slack and Teams (dev mode) on, and both fakes it talks to."""

    client: TestClient
    slack: SlackBot
    connector: FakeBotConnector
    settings: Settings

    @property
    def services(self) -> Services:
        return self.client.server.app[SERVICES]

    async def settle(self) -> None:
        await self.slack.settle()
        await settle(self.client)


@pytest.fixture
async def bots(
    tmp_path: Path, database_url: str, fake_slack: FakeSlack, connector: FakeBotConnector
) -> AsyncIterator[Bots]:
    settings = slack_settings(
        tmp_path, fake_slack, database_url=database_url, teams_dev_mode=True, public_url=PUBLIC_URL,
        managers=f"slack:{SLACK_MANAGER},teams:{BOSS.aad}",
    )  # fmt: skip
    async with TestClient(TestServer(build_app(settings))) as client:
        services = client.server.app[SERVICES]
        await services.db.write(
            partial(fill_demo, catalog=services.turns.content.catalog, respondents=80, now=utcnow())
        )
        bots = Bots(client, SlackBot(client, fake_slack), connector, settings)
        await bots.settle()  # Slack's auth.test at start
        yield bots


def mention(user: str, text: str, ts: str = "1700000200.000100") -> dict[str, Any]:
    """An ``app_mention`` of the bot in the managers' Slack channel."""
    text = f"<@UBOTFAKE1> {text}"
    return {"type": "app_mention", "channel": SLACK_CHANNEL, "user": user, "text": text, "ts": ts}


def assert_slack_digest(fake: FakeSlack, channel: str, *, since: int = 0, thread: str | None = None) -> None:
    """The summary posted in ``channel``, then both charts uploaded there with their alt text."""
    calls = fake.calls[since:]
    summaries = [c for c in calls if c.method == "chat.postMessage" and "Usability (SUS):" in c.all_text]
    [summary] = summaries
    assert summary.channel == channel and summary.body.get("thread_ts") == thread
    assert all(part in summary.all_text for part in SUMMARY)
    reserves = [c for c in calls if c.method == "files.getUploadURLExternal"]
    uploads = [c for c in calls if c.method == "files.upload"]
    completes = [c for c in calls if c.method == "files.completeUploadExternal"]
    assert len(reserves) == len(uploads) == len(completes) == 2
    for alt, reserve, upload, complete in zip(ALT_TEXTS, reserves, uploads, completes, strict=True):
        file_id = reserve.answer["file_id"]
        assert reserve.body["alt_txt"].startswith(alt) and reserve.body["filename"] == "chart.png"
        assert upload.body == {"file_id": file_id, "size": int(reserve.body["length"])}
        assert int(reserve.body["length"]) > 5_000  # a real chart was sent, not a placeholder
        assert complete.body["channel_id"] == channel and complete.body.get("thread_ts") == thread
        assert complete.body["initial_comment"] == reserve.body["alt_txt"]
        [shared] = complete.body["files"]
        assert shared["id"] == file_id and shared["title"]
        assert summary.at <= complete.at


def chart_elements(call: TeamsCall) -> list[dict[str, Any]]:
    """The Image elements of a posted card."""
    card = call.card or {}
    return [e for e in card.get("body", []) if e.get("type") == "Image"]


async def assert_teams_digest(bots: Bots, posts: list[TeamsCall]) -> list[str]:
    """A plain-text summary, then one card per chart linking to the bot; returns the chart addresses."""
    for sent in posts:
        body = json.dumps(sent.body)
        assert len(body) < TEAMS_MESSAGE_LIMIT and "data:image" not in body
    [summary] = [p for p in posts if "Usability (SUS):" in (p.body.get("text") or "")]
    assert all(part in summary.body["text"] for part in SUMMARY)
    charts = [p for p in posts if chart_elements(p)]
    assert len(charts) == 2 and posts.index(summary) < posts.index(charts[0])
    urls = []
    for alt, call in zip(ALT_TEXTS, charts, strict=True):
        [image] = chart_elements(call)
        assert image["altText"].startswith(alt)
        assert call.card is not None and float(call.card["version"]) <= 1.5
        assert call.body["summary"] and text_of(call.card)  # the chart's title above it
        url = image["url"]
        assert url.startswith(f"{PUBLIC_URL}/reports/images/") and "expires=" in url and "sig=" in url
        served = await bots.client.get(local(url))
        assert served.status == 200 and served.content_type == "image/png"
        assert (await served.read()).startswith(PNG)
        urls.append(url)
    return urls


def local(url: str) -> str:
    """A link the bot gave out (under GUIDEBOT_PUBLIC_URL), as a path on the test server."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


# -- asked for ---------------------------------------------------------------------------------


async def test_guide_digest_in_slack_sends_the_summary_and_uploads_the_charts(bots: Bots) -> None:
    resp = await bots.slack.command(SLACK_MANAGER, SLACK_CHANNEL, "digest")
    assert resp.status == 200
    await bots.settle()
    # Files can only be shared into a conversation, so /guide reports come in a direct message.
    [opened] = bots.slack.fake.to("conversations.open")
    assert opened.body["users"] == SLACK_MANAGER
    assert_slack_digest(bots.slack.fake, "DMANAGER1")


async def test_a_digest_mention_in_slack_is_answered_in_its_thread_with_the_charts(bots: Bots) -> None:
    since = len(bots.slack.fake.calls)
    await bots.slack.event(mention(SLACK_MANAGER, "digest", ts="1700000200.000300"))
    await bots.settle()
    assert_slack_digest(bots.slack.fake, SLACK_CHANNEL, since=since, thread="1700000200.000300")


async def test_a_practitioner_asking_in_slack_gets_a_refusal_and_no_charts(bots: Bots) -> None:
    await bots.slack.event(mention(SLACK_WORKER, "digest"))
    await bots.settle()
    [refusal] = bots.slack.posts(SLACK_CHANNEL)
    assert "only for managers and digital leads" in refusal.all_text
    assert bots.slack.fake.to("files.getUploadURLExternal") == []


async def test_a_digest_mention_in_teams_posts_a_card_whose_chart_is_a_signed_link(bots: Bots) -> None:
    asked = in_channel(BOSS, bots.connector.url, "digest")
    assert await post(bots.client, asked) == 201
    await settle(bots.client)
    thread = asked["conversation"]["id"]
    posts = bots.connector.posts()
    assert {p.conversation_id for p in posts} == {thread} and {p.activity_id for p in posts} == {asked["id"]}
    urls = await assert_teams_digest(bots, posts)

    # Altered, re-pointed or expired links get 403; the chart itself is not shown without a valid one.
    path, query = urlsplit(urls[0]).path, dict(parse_qsl(urlsplit(urls[0]).query))
    for tampered_path, tampered in [
        (path, {**query, "sig": ("1" if query["sig"][0] == "0" else "0") + query["sig"][1:]}),
        (path, {**query, "expires": str(int(query["expires"]) + 3600)}),
        (urlsplit(urls[1]).path, query),  # another chart's address with this one's signature
        (path, {}),
    ]:
        resp = await bots.client.get(tampered_path, params=tampered)
        assert resp.status == 403 and resp.content_type != "image/png"


async def test_a_practitioner_asking_in_teams_gets_a_refusal_and_no_chart(bots: Bots) -> None:
    assert await post(bots.client, in_channel(WORKER, bots.connector.url, "digest")) == 201
    await settle(bots.client)
    [refusal] = bots.connector.posts()
    assert "only for managers and digital leads" in refusal.body["text"] and refusal.card is None


# -- scheduled ---------------------------------------------------------------------------------


async def subscribe_both(bots: Bots) -> tuple[str, list[schedules.Schedule]]:
    """A manager subscribes the Slack channel and a Teams channel thread; returns the Teams conversation."""
    await bots.slack.event(mention(SLACK_MANAGER, "digest every monday 09:00"))
    asked = in_channel(BOSS, bots.connector.url, "digest every monday 09:00")
    assert await post(bots.client, asked) == 201
    await bots.settle()
    teams = asked["conversation"]["id"]
    [done] = bots.connector.posts(teams)
    assert "Done: I'll post the pain-points digest here every Monday at 09:00" in done.body["text"]
    found = []
    for channel, conversation in (("slack", SLACK_CHANNEL), ("teams", teams)):
        key = bots.services.turns.keys.lane(channel, conversation)
        found += await bots.services.db.read(
            partial(schedules.conversation_schedules, channel=channel, conversation_key=key)
        )
    assert [s.channel for s in found] == ["slack", "teams"]
    return teams, found


def frozen_scheduler(bots: Bots, clock: Clock) -> DigestScheduler:
    """The app's scheduler parts (its outbox, its digests) on a clock the test moves."""
    return DigestScheduler(
        bots.services.db,
        render=partial(scheduled_digest, bots.client.server.app[INSIGHTS]),
        post=bots.services.runtime.send_sealed,
        tz=bots.settings.zone,
        clock=clock,
        worker="test",
    )


async def test_a_scheduled_digest_is_posted_once_through_the_slack_and_teams_outbox(bots: Bots) -> None:
    assert set(bots.services.channels) == {"slack", "teams"}
    teams, found = await subscribe_both(bots)
    due = found[0].next_due_at
    assert found[1].next_due_at == due
    slack_since, teams_since = len(bots.slack.fake.calls), len(bots.connector.posts(teams))
    clock = Clock(due - timedelta(minutes=1))
    run = frozen_scheduler(bots, clock)
    assert await run.run_due() == []

    clock.now = due + timedelta(seconds=30)
    done = await run.run_due()
    assert sorted((d, s) for _, d, s in done) == [(due, "posted"), (due, "posted")]
    assert await run.run_due() == []  # once
    await bots.settle()  # the outbox sends them

    # Slack: a new message at the top of the channel (no thread), the charts uploaded beside it.
    assert_slack_digest(bots.slack.fake, SLACK_CHANNEL, since=slack_since)
    posted = [c for c in bots.slack.fake.calls[slack_since:] if c.method == "chat.postMessage"]
    assert "Scheduled digest, every Monday at 09:00. Type `digest stop`" in posted[-1].all_text
    # Teams: to the stored conversation reference, through the connector, charts by signed link.
    sent = bots.connector.posts(teams)[teams_since:]
    await assert_teams_digest(bots, sent)
    assert sent[-1].body["text"].startswith("Scheduled digest, every Monday at 09:00")
    assert all(p.activity_id is None for p in sent)  # proactive: not a reply to any message


async def test_a_teams_conversation_that_refuses_delivery_is_skipped_after(bots: Bots) -> None:
    teams, found = await subscribe_both(bots)
    bots.connector.fail_next(403, method="POST")
    clock = Clock(found[1].next_due_at + timedelta(seconds=30))
    run = frozen_scheduler(bots, clock)
    done = {schedule: status for schedule, _, status in await run.run_due()}
    assert done == {found[0].id: "posted", found[1].id: "posted"}  # queued in the outbox
    await bots.settle()  # the connector refuses: the conversation is recorded as blocked
    key = bots.services.turns.keys.lane("teams", teams)
    assert await bots.services.db.read(partial(is_blocked, channel="teams", conversation_key=key))

    before = len(bots.connector.calls)
    clock.now += timedelta(days=7)
    with capture_logs() as logs:
        done = {schedule: status for schedule, _, status in await run.run_due()}
    await bots.settle()
    assert done == {found[0].id: "posted", found[1].id: "failed"}
    assert len(bots.connector.calls) == before  # nothing more sent there
    [skipped] = [e for e in logs if e["event"] == "digest.skipped"]
    assert skipped["reason"] == "blocked" and teams not in str(skipped)


async def test_a_schedule_for_a_channel_that_is_off_is_not_posted(bots: Bots) -> None:
    keys = bots.services.turns.keys
    schedule = schedules.Schedule(
        "s-off", "webex", keys.lane("webex", "room-1"), keys.seal({"room": "room-1"}), "pain-points",
        "this-month", "0 9 * * 1", "every Monday at 09:00", utcnow() - timedelta(minutes=1),
    )  # fmt: skip
    await bots.services.db.write(
        partial(schedules.add_schedule, schedule=schedule, created_by="x", now=utcnow())
    )
    with capture_logs() as logs:
        done = await frozen_scheduler(bots, Clock(utcnow())).run_due()
    assert [status for _, _, status in done] == ["failed"]
    assert [e["reason"] for e in logs if e["event"] == "digest.skipped"] == ["channel_off"]
    assert bots.connector.calls == []
