"""One server process's scheduler, for the two-process test: posts due digests into a shared file.

python -m tests.insights.scheduler_worker DATABASE_URL OUT_FILE FROZEN_ISO_TIME START_AT
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.reports.scheduler import DigestScheduler
from dialogs.replies import Reply, Text
from storage.db import Database
from storage.schedules import Schedule


class FileSender:
    """Stands in for the outbox: one line per post in a file shared by the processes (O_APPEND
    writes do not interleave), written once the run is stored as posted."""

    def __init__(self, db: Database, path: str) -> None:
        self.db = db
        self.path = path

    async def post(
        self, channel: str, address: str, replies: list[Reply], *, purpose: str, also: Callable[..., Any]
    ) -> str:
        await self.db.write(also)
        await asyncio.to_thread(self._append, f"{address} {os.getpid()}\n")
        return "queued"

    def _append(self, line: str) -> None:
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(line)


async def render(schedule: Schedule, due_at: datetime) -> list[Reply]:
    return [Text(f"digest for {schedule.survey_id} due {due_at.isoformat()}")]


async def main(url: str, out: str, frozen: str, start_at: float) -> None:
    db = Database(url)
    scheduler = DigestScheduler(
        db,
        render=render,
        post=FileSender(db, out).post,
        tz=ZoneInfo("Europe/London"),
        clock=lambda: datetime.fromisoformat(frozen),
    )
    # Both processes start their passes at the same moment, to race for the same claims.
    await asyncio.sleep(max(0.0, start_at - time.time()))
    for _ in range(3):
        await scheduler.run_due()
    await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
