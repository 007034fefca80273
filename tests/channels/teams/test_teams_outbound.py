"""The one outbound path: retries with backoff and Retry-After, bounded tries, logged failures,
403 reported as blocked, and sends refused to service URLs the mode does not allow."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient
from structlog.testing import capture_logs

from bot.app import SERVICES
from bot.channels.teams.auth import Mode, service_url_allowed
from bot.channels.teams.outbound import BotConnector, RetryPolicy
from storage.channels import conversation_refs
from tests.channels.teams.activities import Person, typed
from tests.channels.teams.conftest import post, settle
from tests.fakes.bot_connector import FakeBotConnector

MESSAGE = {"type": "message", "textFormat": "plain", "text": "Hello"}


class Recorder:
    """Stands in for asyncio.sleep, recording what it was asked."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
async def client_and_recorder() -> AsyncIterator[tuple[BotConnector, Recorder]]:
    recorder = Recorder()
    client = BotConnector(
        tokens=None,
        allowed=lambda url: service_url_allowed(Mode.DEV, url),
        policy=RetryPolicy(tries=4, base_delay=0.5, max_delay=8),
        sleep=recorder.sleep,
        rng=lambda: 0.5,
    )
    yield client, recorder
    await client.close()


async def test_throttling_is_retried_honouring_retry_after(
    connector: FakeBotConnector, client_and_recorder: tuple[BotConnector, Recorder]
) -> None:
    client, recorder = client_and_recorder
    connector.fail_next(429, headers={"Retry-After": "3"})
    connector.fail_next(412)
    connector.fail_next(502)
    sent = await client.send(connector.url, "a:chat", MESSAGE)
    assert sent.ok and sent.id
    assert len(connector.calls) == 4
    # Retry-After (3 s) is waited out, then the backoff grows: 0.5 s then 1 s ceilings, jittered.
    assert recorder.slept == [3.25, 0.75, 1.5]


async def test_tries_are_bounded_and_the_failure_is_logged(
    connector: FakeBotConnector, client_and_recorder: tuple[BotConnector, Recorder]
) -> None:
    client, recorder = client_and_recorder
    connector.fail_next(504, times=10)
    with capture_logs() as logs:
        sent = await client.send(connector.url, "a:chat", MESSAGE)
    assert not sent.ok and sent.status == 504
    assert len(connector.calls) == 4 and len(recorder.slept) == 3
    failure = next(entry for entry in logs if entry["event"] == "teams.send_failed")
    assert failure["status"] == 504 and failure["tries"] == 4 and failure["detail"] == "Failure"
    assert "a:chat" not in str(failure)  # ids are never logged


async def test_other_errors_are_not_retried(
    connector: FakeBotConnector, client_and_recorder: tuple[BotConnector, Recorder]
) -> None:
    client, recorder = client_and_recorder
    connector.fail_next(400)
    assert not (await client.update(connector.url, "a:chat", "1001", MESSAGE)).ok
    assert len(connector.calls) == 1 and recorder.slept == []


async def test_a_403_is_reported_as_blocked_and_not_retried(
    connector: FakeBotConnector, client_and_recorder: tuple[BotConnector, Recorder]
) -> None:
    client, recorder = client_and_recorder
    connector.fail_next(403)
    sent = await client.send(connector.url, "a:chat", MESSAGE)
    assert sent.blocked and not sent.retryable and len(connector.calls) == 1 and recorder.slept == []


async def test_a_service_url_outside_the_mode_is_never_called(
    client_and_recorder: tuple[BotConnector, Recorder],
) -> None:
    client, _ = client_and_recorder
    assert not (await client.send("https://elsewhere.example/", "a:chat", MESSAGE)).ok
    assert not service_url_allowed(Mode.AUTHENTICATED, "http://elsewhere.example/")
    assert service_url_allowed(Mode.AUTHENTICATED, "https://smba.trafficmanager.net/uk/")
    assert not service_url_allowed(Mode.OFF, "http://127.0.0.1:1/")


async def test_conversation_ids_are_percent_encoded(
    connector: FakeBotConnector, client_and_recorder: tuple[BotConnector, Recorder]
) -> None:
    client, _ = client_and_recorder
    odd = "19:abc@thread.tacv2;messageid=17/3?x"
    assert (await client.send(connector.url, odd, MESSAGE, reply_to="17")).ok
    assert connector.calls[0].conversation_id == odd and connector.calls[0].activity_id == "17"


async def test_a_user_who_removed_the_app_is_no_longer_messaged(
    bot: TestClient, connector: FakeBotConnector
) -> None:
    gone = Person("Gone Example")
    await post(bot, typed(gone, connector.url, "help"))
    await settle(bot)
    services = bot.server.app[SERVICES]
    db = services.db
    assert [r.conversation_key for r in await db.read(lambda c: conversation_refs(c, channel="teams"))] == [
        services.turns.keys.lane("teams", gone.personal_chat)
    ]
    calls = len(connector.calls)
    connector.fail_next(403)
    await post(bot, typed(gone, connector.url, "surveys"))
    await settle(bot)
    assert len(connector.calls) == calls + 1  # the 403, then nothing more in that turn
    assert await db.read(lambda c: conversation_refs(c, channel="teams")) == []
