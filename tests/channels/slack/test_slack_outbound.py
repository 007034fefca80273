"""Every Web API call goes through SlackApi: 429 waits for Retry-After, 5xx backs off, failures are logged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from bot.app import build_app
from bot.channels.slack.outbound import SlackApi, SlackCallError
from dialogs.replies import Image, Text
from tests.channels.slack.slack_bot import BOT_TOKEN, SlackBot, slack_settings
from tests.fakes.slack_api import FakeSlack

DM = "DPRACT0003"


@pytest.fixture
async def api(fake_slack: FakeSlack) -> AsyncIterator[tuple[SlackApi, list[float]]]:
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    sender = SlackApi(token=BOT_TOKEN, base_url=fake_slack.api_url, sleep=no_sleep)
    await sender.start()
    yield sender, waits
    await sender.close()


async def test_a_429_is_retried_after_the_seconds_slack_asks_for(slack: SlackBot) -> None:
    slack.fake.fail("chat.postMessage", status=429, retry_after=1)
    await slack.dm("UPRACT0003", "hello")
    await slack.settle()
    posts = [c for c in slack.fake.calls if c.method == "chat.postMessage"]
    assert [c.status for c in posts[:2]] == [429, 200]
    assert posts[0].body == posts[1].body
    assert 1.0 <= posts[1].at - posts[0].at < 3.0
    assert len(slack.posts(DM)) == 2  # the help and the survey list, each delivered once


async def test_server_errors_back_off_then_succeed(
    api: tuple[SlackApi, list[float]], fake_slack: FakeSlack
) -> None:
    sender, waits = api
    fake_slack.fail("chat.update", status=503, retry_after=None, times=2)
    answer = await sender.call("chat.update", {"channel": DM, "ts": "1.1", "text": "x"})
    assert answer["ok"] and waits == [0.5, 1.0]
    assert [c.status for c in fake_slack.calls] == [503, 503, 200]


async def test_tries_are_bounded_and_the_failure_is_logged(
    api: tuple[SlackApi, list[float]], fake_slack: FakeSlack
) -> None:
    sender, waits = api
    fake_slack.fail("chat.postMessage", status=500, retry_after=None, times=10)
    with capture_logs() as logs, pytest.raises(SlackCallError):
        await sender.call("chat.postMessage", {"channel": DM, "text": "x"})
    assert len(fake_slack.calls) == 4 and waits == [0.5, 1.0, 2.0]
    [failed] = [entry for entry in logs if entry["event"] == "slack.call_failed"]
    assert (
        failed["method"] == "chat.postMessage"
        and failed["error"] == "HTTP 500"
        and failed["log_level"] == "error"
    )


async def test_slack_errors_are_logged_and_not_retried(api: tuple[SlackApi, list[float]]) -> None:
    sender, waits = api
    with capture_logs() as logs, pytest.raises(SlackCallError) as raised:
        await sender.call("chat.unknownMethod", {})
    assert raised.value.error == "unknown_method" and waits == []
    assert [(e["method"], e["error"]) for e in logs if e["event"] == "slack.call_failed"] == [
        ("chat.unknownMethod", "unknown_method")
    ]


async def test_a_failed_delivery_is_logged_not_lost_silently(slack: SlackBot) -> None:
    slack.fake.fail("conversations.open", status=500, retry_after=None, times=10)
    with capture_logs() as logs:
        await slack.command("UPRACT0003", "CPRACTICE1", "survey pain-points")
        await slack.settle()
    assert ("conversations.open", "HTTP 500") in [
        (e.get("method"), e.get("error")) for e in logs if e["event"] == "slack.call_failed"
    ]


async def test_a_chart_is_shared_with_its_alt_text_through_the_outbox(slack: SlackBot) -> None:
    adapter = slack.services.channels["slack"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100  # the bytes matter only as bytes here
    chart = Image(alt_text="Bar chart: 12 of 20 people lose 2 to 5 hours a week.", png=png, title="Time lost")
    replies = [Text("Your weekly digest"), chart]
    await slack.services.runtime.send(adapter, {"channel": "CPRACTICE1"}, replies, purpose="digest")
    await slack.settle()
    [reserve] = slack.fake.to("files.getUploadURLExternal")
    assert reserve.body["length"] == str(len(png)) and reserve.body["alt_txt"] == chart.alt_text
    [upload] = slack.fake.to("files.upload")
    assert upload.body == {"file_id": reserve.answer["file_id"], "size": len(png)}
    [complete] = slack.fake.to("files.completeUploadExternal")
    assert complete.body["channel_id"] == "CPRACTICE1" and complete.body["initial_comment"] == chart.alt_text
    assert complete.body["files"] == [{"id": reserve.answer["file_id"], "title": "Time lost"}]
    [text] = slack.posts("CPRACTICE1")
    assert text.at < complete.at


async def test_a_wrong_token_is_logged_when_the_server_starts(tmp_path: Path, fake_slack: FakeSlack) -> None:
    settings = slack_settings(tmp_path, fake_slack, slack_bot_token="xoxb-not-the-right-one")
    with capture_logs() as logs:
        async with TestClient(TestServer(build_app(settings))) as client:
            await SlackBot(client, fake_slack).settle()
    assert ("auth.test", "invalid_auth") in [
        (e.get("method"), e.get("error")) for e in logs if e["event"] == "slack.call_failed"
    ]
