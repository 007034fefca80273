"""Fuzzing every endpoint, bounded and loopback only: whatever arrives gets an answer below 500, and
nothing writes a traceback or an error to the log. Under CI the examples are fixed (tests/conftest.py)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from bot.app import build_app
from tests.channels.slack.payloads import signed
from tests.channels.slack.slack_bot import SIGNING_SECRET, SlackBot, slack_settings
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import FakeSlack

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TEXT = st.text(max_size=40) | st.sampled_from(
    ["\ud800", "\x00", "start pain-points", "digest", "help", "é" * 3]
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
KEYS = st.sampled_from(
    ["type", "user", "user_id", "text", "value", "message_id", "event", "event_id", "actions", "channel",
     "q", "a", "cmd", "survey", "id", "from", "conversation", "serviceUrl", "channelData", "team", "view"]
)  # fmt: skip
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=15,
)
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(KEYS, JSON, max_size=6).map(lambda v: json.dumps(v).encode()),
)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Content-Type": st.sampled_from(
            ["application/json", "text/plain", "application/x-www-form-urlencoded", "x"]
        ),
        "Content-Encoding": st.sampled_from(["gzip", "deflate", "br", "identity", "nonsense"]),
        "Authorization": st.sampled_from(["Bearer x", "bearer", "Basic abc", "Bearer " + "a" * 500]),
    },
)


class NoErrors:
    """Collects what would be a problem in the log: any traceback, any error-level line."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog

    def check(self, events: list[dict[str, Any]]) -> None:
        bad = [r for r in self.caplog.records if r.exc_info or r.levelno >= logging.ERROR]
        assert not bad, [r.getMessage() for r in bad][:3]
        assert not [e for e in events if e.get("log_level") in ("error", "critical")], events[-3:]


@pytest.fixture
async def app_client(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[SlackBot]:
    settings_ = slack_settings(tmp_path, fake_slack, teams_dev_mode=True, managers="web:boss,slack:U1")
    async with TestClient(TestServer(build_app(settings_))) as client:
        bot = SlackBot(client, fake_slack)

        async def no_wait(seconds: float) -> None:  # fuzzed addresses fail: retries need not wait
            return None

        bot.services.runtime.dispatcher.sleep = no_wait
        await bot.settle()
        yield bot


@FUZZ
@given(body=BODIES, headers=HEADERS)
async def test_the_web_chat_never_answers_500(
    app_client: SlackBot, caplog: pytest.LogCaptureFixture, body: bytes, headers: dict[str, str]
) -> None:
    with caplog.at_level(logging.WARNING), capture_logs() as events:
        resp = await app_client.client.post("/api/chat", data=body, headers=headers)
        await resp.read()
        await app_client.settle()
    assert resp.status < 500
    NoErrors(caplog).check(events)


@FUZZ
@given(payload=st.dictionaries(KEYS, JSON, max_size=6), form=st.booleans())
async def test_signed_slack_requests_of_any_shape_never_answer_500(
    app_client: SlackBot, caplog: pytest.LogCaptureFixture, payload: dict[str, Any], form: bool
) -> None:
    from urllib.parse import urlencode

    body = urlencode({"payload": json.dumps(payload)}).encode() if form else json.dumps(payload).encode()
    with caplog.at_level(logging.WARNING), capture_logs() as events:
        resp = await app_client.client.post(
            "/slack/events", data=body, headers=signed(SIGNING_SECRET, body, form=form)
        )
        await resp.read()
        await app_client.settle()
    assert resp.status < 500
    NoErrors(caplog).check(events)


@FUZZ
@given(payload=st.dictionaries(KEYS, JSON, max_size=8), base=st.booleans())
async def test_teams_activities_of_any_shape_never_answer_500(
    app_client: SlackBot,
    connector: FakeBotConnector,
    caplog: pytest.LogCaptureFixture,
    payload: dict[str, Any],
    base: bool,
) -> None:
    activity: dict[str, Any] = payload
    if base:  # mostly a real message's shape, with fuzzed parts laid over it
        activity = {
            "type": "message", "id": "1", "serviceUrl": connector.url, "channelId": "msteams",
            "from": {"id": "29:x", "aadObjectId": "a"}, "conversation": {"id": "a:1"}, "recipient": {"id": "28:b"},
            **payload,
        }  # fmt: skip
    with caplog.at_level(logging.WARNING), capture_logs() as events:
        resp = await app_client.client.post("/api/messages", data=json.dumps(activity).encode())
        await resp.read()
        await app_client.settle()
    assert resp.status < 500
    # A turn whose reply cannot reach the (fuzzed) service URL logs that as a warning, never an error.
    NoErrors(caplog).check([e for e in events if e.get("event") != "outbox.failed"])


@FUZZ
@given(path=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/._-%?=&", max_size=60))
async def test_any_get_path_never_answers_500(
    app_client: SlackBot, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    for prefix in ("/", "/plan?", "/reports/images/", "/static/", "/accessibility?", "/healthz?"):
        with caplog.at_level(logging.WARNING):
            resp = await app_client.client.get(prefix + path.lstrip("/"))
            await resp.read()
        assert resp.status < 500, prefix + path
    NoErrors(caplog).check([])
