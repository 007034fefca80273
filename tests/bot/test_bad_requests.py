"""Every malformed request gets a clear 4xx, never a 500, and what a user sent that cannot be stored
gets a polite reply on every channel. Each case here is one that failed before."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import uuid
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, build_app
from bot.settings import Settings, load_settings
from tests.channels.slack.payloads import direct_message, event_body, signed
from tests.channels.slack.slack_bot import SIGNING_SECRET, SlackBot, slack_settings
from tests.channels.teams.activities import APP_ID, Person, typed
from tests.channels.teams.conftest import post, settle
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.openid import FakeIdentity
from tests.fakes.slack_api import FakeSlack
from tests.helpers import SECRET, table_counts

CANNOT_STORE = "Sorry, I could not read that message"


@pytest.fixture
def identity() -> Any:
    """OpenID metadata, keys and the login endpoint, served from a thread."""
    fake = FakeIdentity().start()
    yield fake
    fake.close()


@pytest.fixture
def web_settings(tmp_path: Path, database_url: str) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data", secret_key=SECRET, database_url=database_url, teams_dev_mode=True
    )


@pytest.fixture
async def client(web_settings: Settings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(build_app(web_settings))) as test_client:
        yield test_client


async def raw_request(client: TestClient, head: bytes, parts: list[bytes]) -> bytes:
    """Send a request over a plain socket, its body in separate TCP segments; return the status line."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(head)
    await writer.drain()
    for part in parts:
        await asyncio.sleep(0.05)  # a separate segment: the server has read what came before
        writer.write(part)
        await writer.drain()
    status = await reader.readline()
    writer.close()
    return status


@pytest.mark.parametrize("chunked", [False, True], ids=["two-segments", "chunked"])
async def test_a_body_in_several_pieces_is_read_whole(client: TestClient, chunked: bool) -> None:
    body = json.dumps({"user_id": "seg", "message_id": "m1", "text": "help " * 300}).encode()
    half = len(body) // 2
    if chunked:
        head = b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        parts = [
            b"%x\r\n%s\r\n" % (half, body[:half]),
            b"%x\r\n%s\r\n0\r\n\r\n" % (len(body) - half, body[half:]),
        ]
    else:
        head = (
            b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % len(body)
        )
        parts = [body[:half], body[half:]]
    assert (await raw_request(client, head, parts)).startswith(b"HTTP/1.1 200")


async def test_a_teams_activity_in_two_segments_is_read_whole(
    client: TestClient, connector: FakeBotConnector
) -> None:
    body = json.dumps(typed(Person("Seg Example"), connector.url, "help")).encode()
    head = (
        b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % len(body)
    )
    assert (await raw_request(client, head, [body[:300], body[300:]])).startswith(b"HTTP/1.1 201")
    await settle(client)
    assert connector.posts()  # the turn ran


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b'{"user_id": "ian", "text": "hi \\ud800"}', "'text' has characters that cannot be stored"),
        (b'{"user_id": "ian\\udfff", "text": "hi"}', "'user_id' has characters that cannot be stored"),
        (b'{"user_id": "ian", "message_id": "\\ud800", "text": "hi"}', "'message_id' has characters"),
        (b'{"user_id": "ian", "text": "nul \\u0000 here"}', "'text' has characters that cannot be stored"),
        (b'{"a":' * 1000 + b"1" + b"}" * 1000, "The body must be JSON."),
        (b'{"user_id": "ian", "value": ' + b"[" * 30 + b"]" * 30 + b"}", "The JSON is nested too deeply"),
    ],
    ids=["surrogate-text", "surrogate-user", "surrogate-id", "nul", "1000-deep", "30-deep"],
)
async def test_unstorable_or_unreadable_bodies_get_400(client: TestClient, raw: bytes, error: str) -> None:
    resp = await client.post("/api/chat", data=raw, headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert (await resp.json())["error"].startswith(error)
    assert set((await table_counts(client.server.app[SERVICES].db)).values()) == {0}


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_with_broken_compression_gets_400(client: TestClient, encoding: str) -> None:
    good = json.dumps({"user_id": "zip", "text": "help"}).encode()
    packed = gzip.compress(good) if encoding == "gzip" else zlib.compress(good)
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    resp = await client.post("/api/chat", data=packed, headers=headers)
    assert resp.status == 200  # well compressed: read
    resp = await client.post("/api/chat", data=b"\x1f\x8b\x08garbage-not-compressed", headers=headers)
    assert resp.status == 400
    assert "could not be read" in (await resp.json())["error"]


async def test_a_long_message_id_works(client: TestClient) -> None:
    for length in (196, 197, 200):
        body = {"user_id": "ids", "message_id": "m" * length, "text": "help"}
        assert (await client.post("/api/chat", json=body)).status == 200
    assert (await client.post("/api/chat", json={**body, "message_id": "m" * 201})).status == 400


async def test_an_overlong_request_line_is_one_warning_without_a_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.logs import configure_logging

    configure_logging("INFO", "json")
    with caplog.at_level(logging.DEBUG, logger="aiohttp.server"):
        head = b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        assert (await raw_request(client, head, [])).split()[1] == b"400"
        header = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20_000 + b"\r\n\r\n"
        assert (await raw_request(client, header, [])).split()[1] == b"400"
    records = [r for r in caplog.records if r.name == "aiohttp.server"]
    assert records and all(r.levelno == logging.WARNING and r.exc_info is None for r in records)
    assert all(r.getMessage().startswith("bad request refused:") for r in records)


# -- Slack ---------------------------------------------------------------------------------------


@pytest.fixture
async def slack(tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> AsyncIterator[SlackBot]:
    settings = slack_settings(tmp_path, fake_slack, database_url=database_url)
    async with TestClient(TestServer(build_app(settings))) as test_client:
        bot = SlackBot(test_client, fake_slack)
        await bot.settle()
        yield bot


@pytest.mark.parametrize("text", ["lone \ud800 half", "a NUL \x00 in it"], ids=["surrogate", "nul"])
async def test_slack_text_that_cannot_be_stored_gets_a_polite_reply(slack: SlackBot, text: str) -> None:
    raw = event_body(direct_message("UBADTEXT1", "x"), "EvBADTEXT01").replace(
        b'"text": "x"', json.dumps({"text": text})[1:-1].encode()
    )
    assert (await slack.send(raw, form=False)).status == 200
    await slack.settle()
    [reply] = slack.posts("DBADTEXT1")
    assert reply.body["text"].startswith(CANNOT_STORE)
    counts = await table_counts(slack.services.db)
    assert counts["answer"] == counts["state"] == 0


async def test_a_slack_timestamp_of_400_digits_is_refused_not_an_error(slack: SlackBot) -> None:
    body = event_body(direct_message("UTIME0001", "hello"), "EvTIME0001")
    headers = signed(SIGNING_SECRET, body, form=False) | {"X-Slack-Request-Timestamp": "9" * 400}
    resp = await slack.client.post("/slack/events", data=body, headers=headers)
    assert resp.status == 401


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "event_callback", "event_id": "Ev1", "event": ["a", "list"]},
        {
            "type": "event_callback",
            "event_id": "Ev2",
            "event": {"type": "message", "channel_type": "im", "user": 7, "text": 5, "channel": []},
        },
        {
            "type": "event_callback",
            "event_id": 3,
            "event": {"type": "app_mention", "user": {"id": 1}, "text": None},
        },
        {"type": "event_callback", "event": {"type": "app_home_opened", "user": ["U1"], "tab": 9}},
        {"type": "block_actions", "user": "U1", "actions": {"a": 1}},
        {
            "type": "block_actions",
            "user": {"id": "U1"},
            "actions": [{"action_id": 5, "value": {"q": 1}}],
            "container": [],
        },
        {
            "type": "block_actions",
            "user": {"id": "U1"},
            "channel": "D1",
            "actions": [{"action_id": "answer:0", "value": "[1, 2]"}],
        },
        {"type": "url_verification", "challenge": ["not", "text"]},
        {"type": 12},
    ],
)
async def test_signed_payloads_of_unexpected_shapes_change_nothing_and_raise_nothing(
    slack: SlackBot, payload: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    form = payload.get("type") == "block_actions"
    body = (b"payload=" + json.dumps(payload).encode()) if form else json.dumps(payload).encode()
    with caplog.at_level(logging.WARNING):
        resp = await slack.send(body, form=form)
        await slack.settle()
    assert resp.status < 500
    assert not [r for r in caplog.records if r.exc_info], "no traceback"
    assert (await table_counts(slack.services.db))["answer"] == 0


# -- Teams ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["lone \ud800 half", "a NUL \x00 in it"], ids=["surrogate", "nul"])
async def test_teams_text_that_cannot_be_stored_gets_a_polite_reply(
    client: TestClient, connector: FakeBotConnector, text: str
) -> None:
    person = Person("Odd Text")
    activity = typed(person, connector.url, "placeholder")
    raw = json.dumps(activity).replace('"placeholder"', json.dumps(text))
    resp = await client.post("/api/messages", data=raw.encode(), headers={"Content-Type": "application/json"})
    assert resp.status == 201
    await settle(client)
    [reply] = connector.posts(person.personal_chat)
    assert reply.body["text"].startswith(CANNOT_STORE)


async def test_a_valid_token_for_an_activity_without_a_service_url_is_refused(
    tmp_path: Path, identity: FakeIdentity, connector: FakeBotConnector
) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data", secret_key=SECRET, microsoft_app_id=APP_ID,
        microsoft_app_password="not-a-real-client-secret", teams_openid_metadata_url=identity.metadata_url,
        teams_login_url=identity.login_url,
    )  # fmt: skip
    async with TestClient(TestServer(build_app(settings))) as secured:
        token = identity.mint(audience=APP_ID, service_url=connector.url)
        activity = typed(Person("No Url"), connector.url, "help")
        del activity["serviceUrl"]
        assert await post(secured, activity, token) == 400
        await settle(secured)
        assert connector.calls == []  # nothing sent anywhere
        activity["serviceUrl"] = connector.url
        assert await post(secured, {**activity, "id": uuid.uuid4().hex}, token) == 201
        await settle(secured)
    assert connector.posts()  # the one with its service URL was answered
