"""Fixtures for the Slack tests: a fake Slack on a free port, and the bot pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from tests.channels.slack.slack_bot import SlackBot, slack_settings
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
async def slack(tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> AsyncIterator[SlackBot]:
    """The whole application with Slack on, over real HTTP (SQLite, and PostgreSQL where available)."""
    settings = slack_settings(tmp_path, fake_slack, database_url=database_url, managers="slack:UMANAGER1")
    async with TestClient(TestServer(build_app(settings))) as client:
        yield SlackBot(client, fake_slack)
