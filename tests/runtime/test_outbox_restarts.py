"""The outbox across SIGKILLs and several server processes: nothing lost, nothing sent twice but the
one message a platform accepted in the instant before a process was killed.

Servers run as real ``guidebot serve`` subprocesses against a fake Slack in this process.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from tests.channels.slack.slack_bot import is_privacy_notice, question_id
from tests.conftest import TEST_DATABASE_URL, reset_postgres
from tests.fakes.slack_api import FakeSlack
from tests.runtime.servers import ServerProcess

USERS = [f"URESTART{i:02d}" for i in range(6)]


def dm(user: str) -> str:
    return "D" + user.lstrip("U")


def posts(fake: FakeSlack, user: str) -> list[str]:
    """What was posted in a person's DM, as "intro" or the question id, in the order Slack took it."""
    return [
        "notice" if is_privacy_notice(c) else question_id(c) or "intro"
        for c in fake.to("chat.postMessage", dm(user))
    ]


async def test_messages_pending_at_a_sigkill_are_sent_after_the_restart(
    tmp_path: Path, fake_slack: FakeSlack, database_url: str
) -> None:
    server = await ServerProcess(tmp_path, fake_slack, database_url).start()
    await fake_slack.wait_for(lambda: fake_slack.to("auth.test"))
    fake_slack.slow("chat.postMessage", 1.0, times=1000)  # Slack takes a second over every post
    try:
        for user in USERS:
            assert await server.dm(user, "start pain-points") == 200
        # Every person's first message is on its way to Slack, the rest wait behind it.
        await fake_slack.wait_for(lambda: fake_slack.arrived.count("chat.postMessage") >= len(USERS))
        server.kill()
        await server.process.wait()  # type: ignore[union-attr]
        in_flight = fake_slack.arrived.count("chat.postMessage")
        # The posts that were under way finish: Slack has them (the fake records each as it answers).
        await fake_slack.wait_for(lambda: len(fake_slack.to("chat.postMessage")) >= in_flight)
        fake_slack.fast()
        # Started again where it was (the same port), as a service manager restarts a server.
        restarted = await ServerProcess(tmp_path, fake_slack, database_url, port=server.port).start()
        try:
            await fake_slack.wait_for(lambda: all("role" in posts(fake_slack, u) for u in USERS), within=30)
            # Slack has the last post a moment before the server marks it sent.
            health = await restarted.outbox_empty()
        finally:
            await restarted.stop()
    finally:
        await server.stop()
    duplicates = 0
    for user in USERS:
        seen = posts(fake_slack, user)
        assert seen[-1] == "role" and seen.count("role") == 1, seen  # in order, nothing lost
        assert set(seen) == {"notice", "intro", "role"} and seen[0] == "notice", (
            seen
        )  # the privacy notice first
        duplicates += seen.count("notice") - 1 + seen.count("intro") - 1
    # Only a message Slack accepted in the instant of the kill may come twice: one per conversation at most.
    assert duplicates <= min(in_flight, len(USERS))
    assert health["outbox"]["pending"] == 0


@pytest.fixture
async def shared_postgres() -> str:
    """The CI's PostgreSQL, emptied, for several processes to share."""
    if not TEST_DATABASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set: several processes need a shared PostgreSQL")
    await reset_postgres(TEST_DATABASE_URL)
    return TEST_DATABASE_URL


@pytest.mark.postgres
async def test_two_server_processes_send_each_message_once(
    tmp_path: Path, fake_slack: FakeSlack, shared_postgres: str
) -> None:
    database_url = shared_postgres
    a = await ServerProcess(tmp_path / "a", fake_slack, database_url).start()
    b = await ServerProcess(tmp_path / "b", fake_slack, database_url).start()
    try:
        # Each person's messages arrive at both processes in turn, so their conversation's lane is
        # written by one process while the other may still be sending it.
        answers = ["start pain-points", "social worker", "assessment", "1 to 3 years"]
        for step, text in enumerate(answers):
            await asyncio.gather(*((a if (i + step) % 2 else b).dm(u, text) for i, u in enumerate(USERS)))
            await fake_slack.wait_for(
                lambda step=step: all(len(posts(fake_slack, u)) >= step + 3 for u in USERS), within=30
            )
        await fake_slack.wait_for(lambda: all(posts(fake_slack, u)[-1] == "disruption" for u in USERS))
        # Nothing is left to send: a message sent twice would have to be still pending (or in flight,
        # which stopping the servers below lets finish before the posts are counted).
        await a.outbox_empty()
        await b.outbox_empty()
    finally:
        await a.stop()
        await b.stop()
    for user in USERS:
        assert posts(fake_slack, user) == ["notice", "intro", "role", "team", "tenure", "disruption"]
    updates = Counter(c.ts for c in fake_slack.to("chat.update"))
    assert len(updates) == 3 * len(USERS) and set(updates.values()) == {1}


@pytest.mark.postgres
async def test_a_process_that_dies_holding_a_conversation_gives_it_up_when_its_lease_runs_out(
    tmp_path: Path, fake_slack: FakeSlack, shared_postgres: str
) -> None:
    database_url = shared_postgres
    lease = {"GUIDEBOT_OUTBOX_LEASE_SECONDS": "3"}
    survivor = await ServerProcess(tmp_path / "b", fake_slack, database_url, **lease).start()
    doomed = await ServerProcess(tmp_path / "a", fake_slack, database_url, **lease).start()
    try:
        fake_slack.slow("chat.postMessage", 30.0, times=1)  # the first post never comes back in time
        assert await doomed.dm(USERS[0], "start pain-points") == 200
        await fake_slack.wait_for(lambda: fake_slack.arrived.count("chat.postMessage") >= 1)
        doomed.kill()
        await fake_slack.wait_for(lambda: "role" in posts(fake_slack, USERS[0]), within=30)
    finally:
        await doomed.stop()
        await survivor.stop()
    # The post that hung was never accepted; the survivor sent every message (the privacy notice first),
    # once, in order.
    assert posts(fake_slack, USERS[0]) == ["notice", "intro", "role"]
