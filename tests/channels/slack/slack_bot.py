"""A bot with Slack on, served over real HTTP, and Slack's side of talking to it."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bot.app import SERVICES, Services
from bot.inbound import Inbound
from bot.settings import REPO_CONTENT, Settings, load_settings
from bot.turn import utcnow
from dialogs.privacy_notice import NOTICE_FILE, load_notice_wording
from storage.notices import mark_notice_shown
from tests.channels.slack.payloads import (
    actions_body,
    command_body,
    direct_message,
    event_body,
    press,
    signed,
)
from tests.fakes.slack_api import TEAM, Call, FakeSlack
from tests.helpers import SECRET

SIGNING_SECRET = "fictional-signing-secret-0001"
BOT_TOKEN = "xoxb-fictional-0001"
NOTICE_TITLE = load_notice_wording(REPO_CONTENT / NOTICE_FILE).title


def slack_settings(tmp_path: Path, fake: FakeSlack, **overrides: Any) -> Settings:
    """Settings with Slack on and its Web API pointed at the fake."""
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "secret_key": SECRET,
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake.api_url,
    }
    return load_settings(**(values | overrides))


class SlackBot:
    """The app under test, and the requests Slack would send it (signed with the test secret)."""

    def __init__(self, client: TestClient, fake: FakeSlack) -> None:
        self.client = client
        self.fake = fake
        self._ids = itertools.count(1)

    @property
    def services(self) -> Services:
        """The app's shared services (database, turn handler, background tasks)."""
        return self.client.server.app[SERVICES]

    async def send(self, body: bytes, *, form: bool, headers: dict[str, str] | None = None) -> Any:
        """POST a signed body to /slack/events; returns the response (already read)."""
        all_headers = signed(SIGNING_SECRET, body, form=form) | (headers or {})
        resp = await self.client.post("/slack/events", data=body, headers=all_headers)
        await resp.read()
        return resp

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None
    ) -> Any:
        """Deliver an Events API event (``retry`` marks it as Slack's resend)."""
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        body = event_body(event, event_id or f"Ev{next(self._ids):08d}")
        return await self.send(body, form=False, headers=headers)

    async def dm(self, user: str, text: str, **kwargs: Any) -> Any:
        """A direct message from ``user``."""
        return await self.event(direct_message(user, text), **kwargs)

    async def click(self, message: Call, *labels: str, user: str, **kwargs: Any) -> Any:
        """Click in a recorded message, as the Slack client would."""
        resp = await self.send(actions_body(press(message, *labels, user=user, **kwargs)), form=True)
        assert resp.status == 200
        return resp

    async def command(self, user: str, channel: str, text: str) -> Any:
        """``/guide <text>`` typed by ``user`` in ``channel``."""
        trigger = f"trigger-{next(self._ids)}"
        body = command_body(
            user, channel, text, response_url=self.fake.response_url(trigger), trigger_id=trigger
        )
        return await self.send(body, form=True)

    async def already_told(self, *users: str) -> None:
        """Record that these people have seen the privacy notice, for tests that count every message sent."""
        turns = self.services.turns
        people = [
            turns.respondent(Inbound(channel="slack", user_id=user, conversation_id="", workspace=TEAM))
            for user in users
        ]
        now = utcnow()
        await self.services.db.write(lambda conn: [mark_notice_shown(conn, person, now) for person in people])

    async def settle(self) -> None:
        """Wait for the work done after the acknowledgements (no fixed sleeps)."""
        for _ in range(5):  # a turn may start another task (a DM opened, then the survey in it)
            await self.services.tasks.drain(grace=15)
            if not self.services.tasks.pending:
                return
        raise AssertionError("background work did not finish")

    def posts(self, channel: str) -> list[Call]:
        """Messages posted in a conversation, without the privacy notice a person's first message gets
        (``tests/governance/test_privacy_notice_slack.py`` checks it)."""
        return [call for call in self.fake.to("chat.postMessage", channel) if not is_privacy_notice(call)]

    def last_question(self, channel: str) -> Call | None:
        """The latest message in a conversation that asks a survey question."""
        for call in reversed(self.posts(channel)):
            if question_id(call) is not None:
                return call
        return None


def question_id(call: Call) -> str | None:
    """The id of the question a message asks, or None when it asks none."""
    for block in call.blocks:
        if block.get("block_id", "").startswith("question:"):
            return block["block_id"].removeprefix("question:")
    return None


def is_privacy_notice(call: Call) -> bool:
    """Whether a posted message is the privacy notice (its heading in bold, first)."""
    heading = f"*{NOTICE_TITLE}*"
    return any(block.get("text", {}).get("text", "").startswith(heading) for block in call.blocks)
