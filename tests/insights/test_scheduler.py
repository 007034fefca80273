"""Scheduled digests: due times in local time, exactly once, across restarts and across processes."""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.reports.schedule_rules import next_due, parse_rule
from bot.reports.scheduler import DigestScheduler
from dialogs.replies import Reply, Text
from storage import schedules
from storage.db import Database
from storage.migrate import upgrade
from tests.conftest import TEST_DATABASE_URL, reset_postgres

LONDON = ZoneInfo("Europe/London")
ROOT = Path(__file__).resolve().parents[2]


class Clock:
    """A frozen clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RecordingSender:
    """Stands in for the outbox: records what it was asked to post, and stores the run with it."""

    def __init__(self, db: Database, *, channels: tuple[str, ...] = ("slack",), fail: bool = False) -> None:
        self.db = db
        self.posts: list[tuple[str, list[Reply]]] = []
        self.channels = channels
        self.fail = fail

    async def post(
        self, channel: str, address: str, replies: list[Reply], *, purpose: str, also: Callable[..., Any]
    ) -> str:
        if channel not in self.channels:
            return "channel_off"
        if self.fail:
            raise ConnectionError("the database is down")
        await self.db.write(also)
        self.posts.append((address, replies))
        return "queued"


async def render(schedule: schedules.Schedule, due_at: datetime) -> list[Reply]:
    return [Text(f"{schedule.survey_id} as of {due_at.isoformat()}")]


async def subscribe(
    db: Database, clock: Clock, *, channel: str = "slack", words: str = "every monday 09:00"
) -> str:
    rule, _ = parse_rule(words.split())
    address = None if channel == "web" else "C-managers"  # the web chat cannot be written to first
    schedule = schedules.Schedule(
        str(uuid.uuid4()), channel, "C-managers", address, "pain-points", "last-7-days", rule.cron,
        rule.description, next_due(rule.cron, clock(), LONDON),
    )  # fmt: skip
    await db.write(partial(schedules.add_schedule, schedule=schedule, created_by="someone", now=clock()))
    return schedule.id


def scheduler(db: Database, clock: Clock, sender: RecordingSender) -> DigestScheduler:
    return DigestScheduler(db, render=render, post=sender.post, tz=LONDON, clock=clock, worker="test")


async def test_a_digest_is_posted_once_when_due(db: Database) -> None:
    clock = Clock(datetime(2026, 3, 20, 12, tzinfo=UTC))  # a Friday
    await subscribe(db, clock)
    slack = RecordingSender(db)
    run = scheduler(db, clock, slack)
    assert await run.run_due() == []
    clock.now = datetime(2026, 3, 23, 8, 59, tzinfo=UTC)
    assert await run.run_due() == []
    clock.now = datetime(2026, 3, 23, 9, 0, 30, tzinfo=UTC)
    [(_, due, status)] = await run.run_due()
    assert (due, status) == (datetime(2026, 3, 23, 9, tzinfo=UTC), "posted")
    assert await run.run_due() == []
    assert [conversation for conversation, _ in slack.posts] == ["C-managers"]
    assert "as of 2026-03-23T09:00:00+00:00" in slack.posts[0][1][0].text  # type: ignore[union-attr]


async def test_schedules_survive_a_restart_and_a_long_outage_posts_once(database_url: str) -> None:
    db = Database(database_url)
    await upgrade(db)
    clock = Clock(datetime(2026, 3, 20, 12, tzinfo=UTC))
    await subscribe(db, clock)
    first = RecordingSender(db)
    clock.now = datetime(2026, 3, 23, 9, 5, tzinfo=UTC)
    await scheduler(db, clock, first).run_due()
    await db.close()

    # A new process: its own connection, nothing carried over in memory. Three Mondays go by.
    reopened = Database(database_url)
    await upgrade(reopened)
    clock.now = datetime(2026, 4, 14, 10, tzinfo=UTC)
    second = RecordingSender(reopened)
    done = await scheduler(reopened, clock, second).run_due()
    assert len(first.posts) == 1 and len(second.posts) == 1
    assert [d for _, d, _ in done] == [datetime(2026, 3, 30, 8, tzinfo=UTC)]  # 09:00 BST
    [pending] = await reopened.read(
        partial(schedules.due_schedules, now=datetime(2026, 4, 20, 8, tzinfo=UTC))
    )
    assert pending.next_due_at == datetime(2026, 4, 20, 8, tzinfo=UTC)
    await reopened.close()


async def test_the_web_chat_keeps_scheduled_digests_until_asked(db: Database) -> None:
    clock = Clock(datetime(2026, 3, 20, 12, tzinfo=UTC))
    await subscribe(db, clock, channel="web")
    clock.now = datetime(2026, 3, 23, 9, 1, tzinfo=UTC)
    [(_, _, status)] = await scheduler(db, clock, RecordingSender(db)).run_due()
    assert status == "held"
    held = await db.read(partial(schedules.held_runs, channel="web", conversation_key="C-managers"))
    assert [due for _, due in held] == [datetime(2026, 3, 23, 9, tzinfo=UTC)]


async def test_a_failed_post_is_recorded_and_not_retried_in_a_burst(db: Database) -> None:
    clock = Clock(datetime(2026, 3, 20, 12, tzinfo=UTC))
    await subscribe(db, clock)
    clock.now = datetime(2026, 3, 23, 9, 1, tzinfo=UTC)
    run = scheduler(db, clock, RecordingSender(db, fail=True))
    assert [s for _, _, s in await run.run_due()] == ["failed"]
    assert await run.run_due() == []


async def test_a_claim_left_by_a_crashed_process_is_taken_over_after_the_lease(db: Database) -> None:
    clock = Clock(datetime(2026, 3, 20, 12, tzinfo=UTC))
    await subscribe(db, clock)
    clock.now = datetime(2026, 3, 23, 9, 1, tzinfo=UTC)
    [schedule] = await db.read(partial(schedules.due_schedules, now=clock()))
    following = next_due(schedule.cron, clock(), LONDON)
    claimed = partial(
        schedules.claim_run, schedule=schedule, following=following, worker="crashed", now=clock()
    )
    assert await db.write(claimed)
    assert not await db.write(claimed)  # the unique (schedule, due time) claim
    survivor = RecordingSender(db)
    run = scheduler(db, clock, survivor)
    assert await run.run_due() == []
    clock.now += timedelta(minutes=11)
    assert [s for _, _, s in await run.run_due()] == ["posted"]
    clock.now += timedelta(minutes=11)
    assert await run.run_due() == []
    assert len(survivor.posts) == 1


@pytest.mark.postgres
@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL: two processes share a PostgreSQL")
async def test_two_server_processes_post_each_digest_exactly_once(tmp_path: Path) -> None:
    await reset_postgres(TEST_DATABASE_URL)
    db = Database(TEST_DATABASE_URL)
    await upgrade(db)
    clock = Clock(datetime(2026, 3, 20, 12, tzinfo=UTC))
    ids = [await subscribe(db, clock, words="every day 09:00") for _ in range(40)]
    await db.close()
    out = tmp_path / "posts.txt"
    frozen = datetime(2026, 3, 21, 9, 0, 5, tzinfo=UTC).isoformat()
    start_at = time.time() + 2.0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.insights.scheduler_worker", TEST_DATABASE_URL, str(out), frozen]
    workers = [
        await asyncio.create_subprocess_exec(*command, str(start_at), cwd=ROOT, env=env) for _ in range(2)
    ]
    assert [await asyncio.wait_for(w.wait(), timeout=60) for w in workers] == [0, 0]
    lines = out.read_text().split()
    posts = Counter(lines[0::2])
    assert posts == Counter({"C-managers": 40})
    assert len(ids) == 40
    by_process = Counter(lines[1::2])
    assert sum(by_process.values()) == 40
    print("posts per process:", dict(by_process))
