"""Posting scheduled digests: every server process looks for due schedules, one of them posts each.

Schedules live in the database, so they survive restarts and every process sees them. For each
due schedule a process claims the (schedule, due time) row; only the winner posts: the digest's
messages go into the outbox in the same transaction that records the run as posted. A schedule
with no address (the web chat, which cannot be written to first) has the digest held until
someone there types ``digest``. A server that was down posts one digest for the latest missed
time rather than a burst of old ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.logs import failure, get_logger
from bot.reports.schedule_rules import next_due
from bot.runtime.dispatcher import worker_name
from dialogs.replies import Reply
from storage import schedules
from storage.db import Database
from storage.schedules import Schedule

log = get_logger(__name__)
TICK_SECONDS = 30.0
LEASE = timedelta(minutes=10)

Render = Callable[[Schedule, datetime], Awaitable[list[Reply]]]
# Write a digest's messages to a schedule's sealed address, with the given write in the same
# transaction: "queued", or why not ("channel_off", "blocked").
Post = Callable[..., Awaitable[str]]


class DigestScheduler:
    """Finds due schedules, claims them and posts them; ``run_due`` is one pass, ``run_forever`` the loop."""

    def __init__(
        self,
        db: Database,
        *,
        render: Render,
        post: Post,
        tz: ZoneInfo,
        clock: Callable[[], datetime],
        worker: str | None = None,
        tick: float = TICK_SECONDS,
    ) -> None:
        self.db = db
        self.render = render
        self.post = post
        self.tz = tz
        self.clock = clock
        self.worker = worker or worker_name()
        self.tick = tick

    async def run_due(self) -> list[tuple[str, datetime, str]]:
        """Post every digest due now that no other process has claimed; returns (schedule, due, status)."""
        now = self.clock()
        done = []
        for schedule in await self.db.read(partial(schedules.due_schedules, now=now)):
            # The next time after now, not after the missed one: no burst of stale digests.
            following = next_due(schedule.cron, max(now, schedule.next_due_at), self.tz)
            claimed = await self.db.write(
                partial(
                    schedules.claim_run, schedule=schedule, following=following, worker=self.worker, now=now
                )
            )
            if claimed:
                done.append(
                    (schedule.id, schedule.next_due_at, await self._deliver(schedule, schedule.next_due_at))
                )
        stale = await self.db.write(
            partial(schedules.take_over_stale, worker=self.worker, now=now, lease=LEASE)
        )
        for schedule, due_at in stale:
            done.append((schedule.id, due_at, await self._deliver(schedule, due_at)))
        return done

    async def _deliver(self, schedule: Schedule, due_at: datetime) -> str:
        if schedule.address is None:
            return await self._finish(schedule, due_at, schedules.HELD)
        posted = partial(
            schedules.finish_run,
            schedule_id=schedule.id,
            due_at=due_at,
            status=schedules.POSTED,
            now=self.clock(),
        )
        try:
            replies = await self.render(schedule, due_at)
            sent = await self.post(schedule.channel, schedule.address, replies, purpose="digest", also=posted)
        except Exception as exc:
            log.error(
                "digest.post_failed", schedule=schedule.id, channel=schedule.channel, error=type(exc).__name__
            )
            return await self._finish(schedule, due_at, schedules.FAILED)
        if sent != "queued":
            log.warning("digest.skipped", schedule=schedule.id, channel=schedule.channel, reason=sent)
            return await self._finish(schedule, due_at, schedules.FAILED)
        log.info("digest.scheduled", schedule=schedule.id, channel=schedule.channel, status=schedules.POSTED)
        return schedules.POSTED

    async def _finish(self, schedule: Schedule, due_at: datetime, status: str) -> str:
        await self.db.write(
            partial(
                schedules.finish_run, schedule_id=schedule.id, due_at=due_at, status=status, now=self.clock()
            )
        )
        log.info("digest.scheduled", schedule=schedule.id, channel=schedule.channel, status=status)
        return status

    async def run_forever(self) -> None:
        """Check for due digests every ``tick`` seconds until cancelled; prune expired chart images."""
        while True:
            try:
                await self.run_due()
                await self.db.write(partial(schedules.prune_images, now=self.clock()))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("digest.scheduler_failed", **failure(exc))
            await asyncio.sleep(self.tick)
