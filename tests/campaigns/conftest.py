"""A bot with Slack on and a clock the test sets, for campaigns; and helpers to complete surveys fast."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.campaigns.install import CAMPAIGNS
from bot.campaigns.service import Campaigns
from bot.respondent import pseudonym
from storage.demo import insert_responses
from storage.releases import release_pending
from tests.channels.slack.slack_bot import SlackBot, slack_settings
from tests.fakes.slack_api import TEAM, Call, FakeSlack
from tests.helpers import SECRET
from tests.insights.data import response, sus

LONDON = ZoneInfo("Europe/London")
CHANNEL = "CSERVICE01"
MANAGER = "UMANAGER1"
# Tuesday 22 December 2026, 10:00: Christmas, a weekend and the substitute Boxing Day follow.
LAUNCH = datetime(2026, 12, 22, 10, 0, tzinfo=LONDON).astimezone(UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, *args: int) -> None:
        """Set to a local (London) time."""
        self.now = datetime(*args, tzinfo=LONDON).astimezone(UTC)


class CampaignBot(SlackBot):
    """The Slack bot under test, with its campaigns and clock."""

    clock: Clock

    @property
    def campaigns(self) -> Campaigns:
        return self.client.server.app[CAMPAIGNS]

    async def manager_says(self, text: str) -> Call:
        """``/guide <text>`` from the manager in the channel; the private answer it got."""
        before = len(self.fake.to("response_url"))
        await self.command(MANAGER, CHANNEL, text)
        await self.settle()
        answers = self.fake.to("response_url")
        assert len(answers) == before + 1, [a.body.get("text") for a in answers]
        return answers[-1]

    def dms(self) -> dict[str, list[Call]]:
        """Messages posted in direct messages, by DM."""
        found: dict[str, list[Call]] = {}
        for call in self.fake.to("chat.postMessage"):
            if str(call.channel).startswith("D"):
                found.setdefault(str(call.channel), []).append(call)
        return found

    async def delivered(self, count: int, purpose_text: str, within: float = 60) -> dict[str, list[Call]]:
        """Wait until ``count`` DMs have a message containing ``purpose_text``."""

        def enough() -> dict[str, list[Call]] | None:
            found = {d: [c for c in calls if purpose_text in c.all_text] for d, calls in self.dms().items()}
            found = {d: calls for d, calls in found.items() if calls}
            return found if len(found) >= count else None

        return await self.fake.wait_for(enough, within)

    async def complete(self, users: list[str], *, at: datetime, status: str = "completed") -> None:
        """These people finish the pain-points survey at ``at`` (written straight into the tables)."""
        rows = [
            response(
                {"role": "social-worker", "team": "assessment", "disruption": "weekly", **sus(4, 2),
                 "time_lost": "1-2h", "consulted": "no"},
                started=at - timedelta(minutes=4) + timedelta(seconds=i), status=status,
                respondent=pseudonym(SECRET.encode(), "slack", f"{TEAM}:{user}"),  # as Slack people are known
            )
            for i, user in enumerate(users)
        ]  # fmt: skip
        db = self.services.db
        await db.write(lambda conn: insert_responses(conn, rows))
        await db.write(release_pending)


def dm_of(user: str) -> str:
    """The fake's DM with a user."""
    return "D" + user.removeprefix("U")


@pytest.fixture
async def campaign_bot(
    tmp_path: Path, fake_slack: FakeSlack, database_url: str
) -> AsyncIterator[CampaignBot]:
    """The whole app with Slack on, pacing off (the fake enforces no limits here), a settable clock."""
    settings = slack_settings(
        tmp_path, fake_slack, database_url=database_url, managers=f"slack:{MANAGER}", pacing_scale=0
    )
    clock = Clock(LAUNCH)
    async with TestClient(TestServer(build_app(settings, clock=clock))) as client:
        bot = CampaignBot(client, fake_slack)
        bot.clock = clock
        yield bot
