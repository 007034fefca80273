"""One server process's scheduler, for the two-process test: posts due digests into a shared file.

python -m tests.insights.scheduler_worker DATABASE_URL OUT_FILE FROZEN_ISO_TIME START_AT
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.reports.scheduler import DigestScheduler
from dialogs.replies import Reply, Text
from storage.db import Database
from storage.schedules import Schedule


class FileSender:
    """Appends one line per post to a file shared by the processes (O_APPEND writes do not interleave)."""

    def __init__(self, path: str) -> None:
        self.path = path

    async def post(self, conversation_id: str, replies: list[Reply]) -> None:
        await asyncio.to_thread(self._append, f"{conversation_id} {os.getpid()}\n")

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
        senders={"slack": FileSender(out)},
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
