"""Shared fixtures: isolated settings, a database per test (SQLite, and PostgreSQL when available), an app client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import structlog
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import settings as hypothesis_settings

from bot.app import build_app
from bot.settings import Settings, load_settings
from storage.db import Database, normalise_url
from storage.migrate import upgrade
from tests.channels.slack.slack_bot import BOT_TOKEN
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import FakeSlack
from tests.helpers import SECRET

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
# CI must be repeatable: there the property tests explore a fixed set of examples (locally, fresh ones).
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

SETTING_PREFIXES = ("GUIDEBOT_", "SLACK_", "MICROSOFT_", "Microsoft")


@pytest.fixture(autouse=True, scope="session")
def uncached_loggers() -> Iterator[None]:
    """Loggers are never cached in tests: structlog's ``capture_logs`` cannot see a logger cached on
    first use, so a test asserting a log line would pass or fail with the order tests ran in."""
    configure = structlog.configure

    def without_cache(**options: Any) -> None:
        configure(**{**options, "cache_logger_on_first_use": False})

    with mock.patch.object(structlog, "configure", without_cache):
        yield


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No setting leaks in from the machine or between tests, and no .env file is read."""
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield


async def reset_postgres(url: str) -> None:
    """Give a test an empty PostgreSQL database."""
    import asyncpg

    conn = await asyncpg.connect(normalise_url(url).replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database URL: SQLite in the test's folder, or the CI's PostgreSQL (skipped where unset)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set, so the PostgreSQL variant is skipped")
    await reset_postgres(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """An empty, migrated database (SQLite, and PostgreSQL when available)."""
    database = Database(database_url)
    await upgrade(database)
    yield database
    await database.close()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A fake Slack Web API on a free 127.0.0.1 port."""
    fake = await FakeSlack(token=BOT_TOKEN).start()
    yield fake
    await fake.close()


@pytest.fixture
async def connector() -> AsyncIterator[FakeBotConnector]:
    """A fake Bot Connector on a free loopback port."""
    fake = FakeBotConnector()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with a private data folder and SQLite database."""
    return load_settings(data_dir=tmp_path / "data", secret_key=SECRET)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[TestClient]:
    """The whole application served over real HTTP on a free port."""
    async with TestClient(TestServer(build_app(settings))) as test_client:
        yield test_client
