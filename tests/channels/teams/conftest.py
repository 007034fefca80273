"""Fixtures for the Teams tests: the fake Bot Connector, the fake identity service, a bot in dev mode."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, build_app
from bot.settings import Settings, load_settings
from tests.fakes.openid import FakeIdentity
from tests.helpers import SECRET


@pytest.fixture(autouse=True)
def safe_logging() -> None:
    """Log with structlog's defaults: a CLI test may have bound logging to a closed capture file."""
    structlog.reset_defaults()


@pytest.fixture
def identity() -> Iterator[FakeIdentity]:
    """OpenID metadata, keys and the login endpoint, served from a thread."""
    fake = FakeIdentity().start()
    yield fake
    fake.close()


def teams_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test bot (managers and leads can be added through ``overrides``)."""
    values: dict[str, Any] = {"data_dir": tmp_path / "data", "secret_key": SECRET}
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def dev_settings(tmp_path: Path, database_url: str) -> Settings:
    """Dev mode: no app id, loopback service URLs only (SQLite, and PostgreSQL where available)."""
    return teams_settings(tmp_path, teams_dev_mode=True, database_url=database_url)


@pytest.fixture
async def bot(dev_settings: Settings) -> AsyncIterator[TestClient]:
    """The whole application in dev mode, over real HTTP."""
    async with TestClient(TestServer(build_app(dev_settings))) as client:
        yield client


async def post(client: TestClient, activity: dict[str, Any], token: str | None = None) -> int:
    """Send an activity as the Bot Connector does; returns the HTTP status (the body must be empty)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = await client.post("/api/messages", json=activity, headers=headers)
    assert await resp.read() == b""
    return resp.status


async def settle(client: TestClient) -> None:
    """Wait for the turns that run after the HTTP answer (no fixed sleeps)."""
    tasks = client.server.app[SERVICES].tasks
    await tasks.drain(grace=10)
    assert tasks.pending == 0
