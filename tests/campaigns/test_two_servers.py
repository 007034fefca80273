"""Two servers on one PostgreSQL database: each reminder is written and sent once, whichever runs it."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.campaigns.install import CAMPAIGNS
from storage import outbox
from storage.models import OutboxMessage
from tests.campaigns.conftest import CHANNEL, LAUNCH, MANAGER, CampaignBot, Clock, dm_of
from tests.channels.slack.slack_bot import slack_settings
from tests.conftest import TEST_DATABASE_URL, reset_postgres
from tests.fakes.slack_api import FakeSlack

pytestmark = pytest.mark.postgres


async def test_two_servers_send_each_reminder_once(tmp_path: Path, fake_slack: FakeSlack) -> None:
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set, so the two-server test is skipped")
    await reset_postgres(TEST_DATABASE_URL)
    clock = Clock(LAUNCH)
    people = fake_slack.add_people(CHANNEL, 30)
    async with AsyncExitStack() as stack:
        bots = []
        for name in ("one", "two"):
            settings = slack_settings(
                tmp_path / name, fake_slack, database_url=TEST_DATABASE_URL, managers=f"slack:{MANAGER}",
                pacing_scale=0,
            )  # fmt: skip
            client = await stack.enter_async_context(TestClient(TestServer(build_app(settings, clock=clock))))
            bot = CampaignBot(client, fake_slack)
            bot.clock = clock
            bots.append(bot)
        one, two = bots
        confirmation = await one.manager_says(
            "campaign pain-points closes 8 January reminders on days 1 and 3"
        )
        await two.click(confirmation, "Start", user=MANAGER, channel=CHANNEL)  # pressed on the other server
        await two.settle()
        await one.delivered(30, "Not this time")

        def reminders() -> Counter[str]:
            return Counter(
                str(c.channel) for c in fake_slack.to("chat.postMessage") if "A reminder" in c.all_text
            )

        for day in (23, 29):
            clock.at(2026, 12, day, 9, 0)
            for _ in range(3):  # both at once, several times over
                done = await asyncio.gather(one.campaigns.run_due(), two.campaigns.run_due())
                assert sum(len(d) for d in done) <= 1
            times = 1 if day == 23 else 2
            await fake_slack.wait_for(
                lambda times=times: len(reminders()) == 30 and set(reminders().values()) == {times}
            )
            await one.settle()
            await two.settle()
        assert reminders() == Counter({dm_of(u): 2 for u in people})
        written = await one.services.db.read(
            lambda conn: conn.execute(
                OutboxMessage.__table__.select().where(OutboxMessage.__table__.c.purpose == "campaign.remind")
            ).all()
        )
        assert len(written) == 60 and all(r.status == outbox.SENT for r in written)
        assert one.client.server.app[CAMPAIGNS] is not two.client.server.app[CAMPAIGNS]
