"""The daily retention job: on schedule, once a day with two processes, safe across restarts, started by the server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, insert, select
from structlog.testing import capture_logs

from bot.app import build_app
from bot.retention import LEASE, RetentionJob
from bot.services import SERVICES
from bot.settings import Settings, load_settings
from storage import retention_runs
from storage.db import Database
from storage.models import ProcessedMessage, table_of
from tests.helpers import SECRET

PROCESSED = table_of(ProcessedMessage)
# 23:30 in London on a winter night: the council's day is still 1 December.
NIGHT = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


class Clock:
    """A frozen clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def settings_for(tmp_path: Path, database_url: str) -> Settings:
    return load_settings(data_dir=tmp_path / "data", secret_key=SECRET, database_url=database_url)


async def processed(db: Database, *ages: timedelta, now: datetime) -> None:
    def write(conn: Any) -> None:
        for i, age in enumerate(ages):
            conn.execute(insert(PROCESSED).values(key=f"{now.isoformat()}:{i}", processed_at=now - age))

    await db.write(write)


async def processed_left(db: Database) -> int:
    return int(
        await db.read(lambda conn: conn.execute(select(func.count()).select_from(PROCESSED)).scalar_one())
    )


async def test_the_job_runs_once_a_council_day_and_again_the_next(db: Database, tmp_path: Path) -> None:
    clock = Clock(NIGHT)
    job = RetentionJob(db, settings_for(tmp_path, ""), clock=clock, worker="a")
    await processed(db, timedelta(days=3), timedelta(hours=1), now=clock.now)
    first = await job.run_due()
    assert first is not None
    assert {o.rule.name: o.count for o in first}["processed_messages"] == 1
    assert await processed_left(db) == 1
    # Later the same day nothing runs, even with more to remove.
    clock.now += timedelta(minutes=20)
    await processed(db, timedelta(days=5), now=clock.now)
    assert await job.run_due() is None
    assert await processed_left(db) == 2
    # Past midnight in London it is the next day's run.
    clock.now = NIGHT + timedelta(hours=1)
    assert await job.run_due() is not None
    assert await processed_left(db) == 1
    days = await db.read(retention_runs.runs)
    assert [(day, by) for day, by, _, _ in days] == [("2026-12-01", "a"), ("2026-12-02", "a")]
    assert all(finished is not None for _, _, finished, _ in days)
    assert [removed for *_, removed in days] == [1, 1]


async def test_two_processes_run_a_day_once_between_them(database_url: str, tmp_path: Path) -> None:
    # Two databases objects on one database, as two server processes have.
    one, two = Database(database_url), Database(database_url)
    try:
        from storage.migrate import upgrade

        await upgrade(one)
        settings = settings_for(tmp_path, database_url)
        clock = Clock(NIGHT)
        jobs = [RetentionJob(db, settings, clock=clock, worker=w) for db, w in ((one, "a"), (two, "b"))]
        await processed(one, *(timedelta(days=3) for _ in range(30)), now=clock.now)
        for _ in range(3):
            results = await asyncio.gather(*(job.run_due() for job in jobs))
            ran = [r for r in results if r is not None]
            assert len(ran) == 1
            assert {o.rule.name: o.count for o in ran[0]}["processed_messages"] == 30
            assert await processed_left(one) == 0
            await processed(one, *(timedelta(days=3) for _ in range(30)), now=clock.now)
            clock.now += timedelta(days=1)
        assert len(await one.read(retention_runs.runs)) == 3
    finally:
        await one.close()
        await two.close()


async def test_a_run_left_unfinished_is_taken_over_after_its_lease_and_not_before(
    db: Database, tmp_path: Path
) -> None:
    noon = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    clock = Clock(noon)
    await processed(db, timedelta(days=3), now=clock.now)
    # A process claims the day and dies before finishing.
    claimed = await db.write(
        partial(retention_runs.claim_day, day="2026-12-01", worker="dead", now=noon, lease=LEASE)
    )
    assert claimed
    restarted = RetentionJob(db, settings_for(tmp_path, ""), clock=clock, worker="restarted")
    clock.now = noon + LEASE - timedelta(minutes=1)
    assert await restarted.run_due() is None  # the claim may still be at work
    assert await processed_left(db) == 1
    clock.now = noon + LEASE + timedelta(minutes=1)
    assert await restarted.run_due() is not None
    assert await processed_left(db) == 0
    [(day, by, finished, removed)] = await db.read(retention_runs.runs)
    assert (day, by, removed) == ("2026-12-01", "restarted", 1) and finished is not None
    # Finished: nobody runs that day again, however long after.
    clock.now = noon + 3 * LEASE
    assert await restarted.run_due() is None


async def test_two_servers_on_one_database_run_the_day_once_and_log_counts_only(
    tmp_path: Path, database_url: str
) -> None:
    settings = settings_for(tmp_path, database_url)
    db = Database(settings.resolved_database_url)
    from storage.migrate import upgrade

    await upgrade(db)
    now = datetime.now(UTC)
    await processed(db, timedelta(days=3), timedelta(days=4), now=now)
    await db.close()
    with capture_logs() as logs:
        async with (
            TestClient(TestServer(build_app(settings))) as first,
            TestClient(TestServer(build_app(settings))) as second,
        ):
            services = first.app[SERVICES]
            for _ in range(500):
                days = await services.db.read(retention_runs.runs)
                if days and days[-1][2] is not None:
                    break
                await asyncio.sleep(0.01)
            assert [removed for *_, removed in days] == [2]
            assert await processed_left(second.app[SERVICES].db) == 0
    [line] = [entry for entry in logs if entry["event"] == "retention.applied"]
    assert line["processed_messages"] == 2 and line["removed"] == 2
    # Counts, the day and the log's own fields: no text, no ids.
    assert all(isinstance(v, int) for k, v in line.items() if k not in ("event", "log_level", "day"))
