"""Socket Mode: with SLACK_APP_TOKEN the bot connects out over a WebSocket and feeds the same bolt app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from tests.channels.slack.payloads import direct_message, event_body
from tests.channels.slack.slack_bot import SlackBot, question_id, slack_settings
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
async def socket_bot(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[SlackBot]:
    settings = slack_settings(tmp_path, fake_slack, slack_app_token="xapp-fictional-0001")
    async with TestClient(TestServer(build_app(settings))) as client:
        yield SlackBot(client, fake_slack)


async def test_socket_mode_connects_and_runs_turns_through_the_same_handler(socket_bot: SlackBot) -> None:
    fake = socket_bot.fake
    await fake.wait_for(lambda: fake.to("apps.connections.open"))
    event = json.loads(event_body(direct_message("UPRACT0004", "start pain-points"), "EvSOCKET01"))
    ack = await fake.socket_send("events_api", event)
    assert set(ack.body) == {"envelope_id"}
    await socket_bot.settle()
    question = socket_bot.last_question("DPRACT0004")
    assert question is not None and question_id(question) == "role"

    resent = await fake.socket_send("events_api", event)  # the same event_id again changes nothing
    assert resent.body["envelope_id"] != ack.body["envelope_id"]
    await socket_bot.settle()
    assert len(socket_bot.posts("DPRACT0004")) == 2


async def test_socket_mode_acknowledges_a_command_with_its_answer(socket_bot: SlackBot) -> None:
    fake = socket_bot.fake
    command = {"command": "/guide", "text": "help", "user_id": "UPRACT0004", "channel_id": "CPRACTICE1"}
    ack = await fake.socket_send("slash_commands", command)
    assert ack.body["payload"]["response_type"] == "ephemeral"
    assert "/guide survey" in ack.body["payload"]["text"]


async def test_socket_mode_has_no_http_endpoint(socket_bot: SlackBot) -> None:
    resp = await socket_bot.client.post("/slack/events", data=b"{}")
    assert resp.status in (404, 405)
