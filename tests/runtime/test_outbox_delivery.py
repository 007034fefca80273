"""The outbox against a Slack that fails: 500s, 429s with Retry-After, refused connections, refusals
for good. Every reply arrives exactly once and in order for each person; what cannot be sent is
marked failed with Slack's error and can be sent again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from bot.app import build_app
from bot.runtime.cli import describe
from bot.turn import utcnow
from storage import outbox
from tests.channels.slack.slack_bot import SlackBot, question_id, slack_settings
from tests.fakes.slack_api import FakeSlack

USERS = [f"UOUTBOX{i:03d}" for i in range(4)]


def dm(user: str) -> str:
    return "D" + user.lstrip("U")


@pytest.fixture
async def slack(tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> AsyncIterator[SlackBot]:
    settings = slack_settings(tmp_path, fake_slack, database_url=database_url)
    async with TestClient(TestServer(build_app(settings))) as client:
        bot = SlackBot(client, fake_slack)
        await bot.settle()
        await bot.already_told(*USERS)  # these tests count every message: the notice is not one of them
        yield bot


async def answer_three_questions(slack: SlackBot, user: str) -> None:
    for text in ("start pain-points", "social worker", "assessment", "1 to 3 years"):
        await slack.dm(user, text)


def asked(slack: SlackBot, user: str) -> list[str | None]:
    """The questions posted in a person's DM, in the order Slack accepted them (once each, if all is well)."""
    return [question_id(p) for p in slack.posts(dm(user)) if question_id(p)]


async def test_server_errors_are_retried_and_every_reply_arrives_once_in_order(slack: SlackBot) -> None:
    slack.fake.fail("chat.postMessage", status=500, retry_after=None, times=3)
    slack.fake.fail("chat.update", status=503, retry_after=None, times=2)
    for user in USERS[:2]:
        await answer_three_questions(slack, user)
    await slack.settle()
    for user in USERS[:2]:
        assert asked(slack, user) == ["role", "team", "tenure", "disruption"]
        intro = slack.posts(dm(user))[0]
        assert intro.body["text"].startswith("Your case management system")
        updated = [u.ts for u in slack.fake.to("chat.update", dm(user))]
        assert sorted(updated) == sorted({u for u in updated})  # each answered question updated once
        assert len(updated) == 3
    backlog = await slack.services.db.read(outbox.summary)
    assert backlog.pending == {} and backlog.failed == {}


async def test_a_429_is_waited_out_as_slack_asks(slack: SlackBot) -> None:
    slack.fake.fail("chat.postMessage", status=429, retry_after=1)
    await slack.dm(USERS[0], "start pain-points")
    await slack.settle()
    refused, *accepted = [c for c in slack.fake.calls if c.method == "chat.postMessage"]
    assert refused.status == 429 and [c.status for c in accepted] == [200, 200]
    assert accepted[0].at - refused.at >= 1.0  # Retry-After: 1
    assert asked(slack, USERS[0]) == ["role"]


async def test_a_slack_that_is_unreachable_for_a_while_gets_everything_once_it_is_back(
    slack: SlackBot,
) -> None:
    port = slack.fake.port
    await slack.fake.close()  # connections are refused from now on
    with capture_logs() as logs:
        for user in USERS:
            await slack.dm(user, "start pain-points")
        await asyncio.sleep(0)  # the turns run; their sends fail and wait to try again
        while not [e for e in logs if e["event"] == "outbox.retry"]:  # noqa: ASYNC110 - a log line; nothing to await
            await asyncio.sleep(0.05)
    await slack.fake.start(port=port)
    await slack.settle()
    for user in USERS:
        assert asked(slack, user) == ["role"]
        assert len(slack.posts(dm(user))) == 2  # the introduction and the first question, once each
    retries = [e for e in logs if e["event"] == "outbox.retry"]
    assert retries and all(e["error"] in ("ClientConnectorError", "ServerDisconnectedError") for e in retries)
    assert all(USERS[0] not in str(e) for e in logs)  # no user ids in the log


async def test_a_refusal_for_good_is_not_retried_and_can_be_sent_again(slack: SlackBot) -> None:
    slack.fake.fail("chat.postMessage", status=200, error="channel_not_found", times=2)
    with capture_logs() as logs:
        await slack.dm(USERS[0], "start pain-points")
        await slack.settle()
    tried = [c for c in slack.fake.calls if c.method == "chat.postMessage"]
    assert len(tried) == 2  # the introduction and the question, each tried once
    failed = [e for e in logs if e["event"] == "outbox.failed"]
    assert [e["error"] for e in failed] == ["channel_not_found", "channel_not_found"]
    backlog = await slack.services.db.read(outbox.summary)
    assert backlog.failed == {("slack", "channel_not_found"): 2}
    shown = describe(backlog)
    assert "slack: channel_not_found: 2" in shown and "guidebot outbox retry" in shown
    assert dm(USERS[0]) not in shown and "Your case management system" not in shown

    assert await slack.services.db.write(lambda conn: outbox.retry_failed(conn, now=utcnow())) == 2
    await slack.services.runtime.dispatcher.sweep()
    await slack.settle()
    assert asked(slack, USERS[0]) == ["role"]
    assert (await slack.services.db.read(outbox.summary)).failed == {}


async def test_retries_are_bounded_then_the_message_is_marked_failed(slack: SlackBot) -> None:
    async def no_wait(seconds: float) -> None:
        return None

    slack.services.runtime.dispatcher.sleep = no_wait
    slack.fake.fail("chat.postMessage", status=500, retry_after=None, times=100)
    with capture_logs() as logs:
        await slack.dm(USERS[0], "start pain-points")
        await slack.settle()
    backlog = await slack.services.db.read(outbox.summary)
    assert backlog.failed == {("slack", "HTTP 500"): 2} and backlog.pending == {}
    tries = [c for c in slack.fake.calls if c.method == "chat.postMessage"]
    assert len(tries) == 2 * 8  # eight tries for each of the two messages
    # Exponential backoff with jitter between tries: within [ceiling / 2, ceiling], the ceiling doubling.
    waits = [(e["tried"], e["wait"]) for e in logs if e["event"] == "outbox.retry"]
    assert len(waits) == 2 * 7
    for tried, wait in waits:
        ceiling = min(300.0, 2.0 ** (tried - 1))
        assert ceiling / 2 <= wait <= ceiling
