"""Retention periods applied once a day by the server, and ``guidebot retention [--dry-run]``.

Each kind of stored data has a period (``GUIDEBOT_RETENTION_*``, and the campaign address days a
campaign sets when it closes); ``storage.retention`` holds the rules. Every server process checks
now and then whether today's run (a day in ``GUIDEBOT_TIMEZONE``) is done; the first to claim the
day runs every rule, in short transactions, and logs how many rows each removed, counts only.
A process that dies part-way leaves its claim; another takes it over after ``LEASE``. Whatever
it had removed is gone and the rest is found again, since every rule only removes what is older
than its cut-off: running the rules twice is harmless, so the claim only saves the work.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.background import cancel_on_shutdown
from bot.logs import failure, get_logger
from bot.runtime.dispatcher import worker_name
from bot.settings import Settings
from bot.turn import utcnow
from storage import retention as store
from storage import retention_runs as runs
from storage.db import Database
from storage.migrate import upgrade

if TYPE_CHECKING:
    from bot.services import Services

log = get_logger(__name__)
TICK_SECONDS = 600.0
LEASE = timedelta(hours=1)
# Claims of earlier days are kept this long, to show in the database when the job last ran.
KEEP_RUNS_DAYS = 30
RUNNER = web.AppKey("retention_job", asyncio.Task)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one rule found (a dry run) or removed, and its cut-off."""

    rule: store.Rule
    before: datetime
    count: int


def periods(settings: Settings) -> store.Periods:
    """The retention periods the settings give."""
    return store.Periods(
        free_text_days=settings.retention_free_text_days,
        response_days=settings.retention_days,
        processed_days=settings.retention_processed_days,
        conversation_days=settings.retention_conversation_days,
        audit_days=settings.retention_audit_days,
    )


async def dry_run(db: Database, settings: Settings, now: datetime) -> list[Outcome]:
    """What each rule would remove at ``now``; nothing is changed."""
    cutoffs = store.Cutoffs.at(now, periods(settings))
    found = await db.read(partial(store.counts, cutoffs=cutoffs))
    return [Outcome(rule, rule.cutoff(cutoffs), found[rule.name]) for rule in store.RULES]


async def apply_rules(
    db: Database, settings: Settings, now: datetime, *, limit: int = store.BATCH_ROWS
) -> list[Outcome]:
    """Remove what each rule finds at ``now``, a batch a transaction; returns how many per rule."""
    cutoffs = store.Cutoffs.at(now, periods(settings))
    outcomes = []
    for rule in store.RULES:
        total = 0
        while removed := await db.write(
            partial(store.remove_batch, name=rule.name, cutoffs=cutoffs, limit=limit)
        ):
            total += removed
        outcomes.append(Outcome(rule, rule.cutoff(cutoffs), total))
    return outcomes


def _counts(outcomes: list[Outcome]) -> dict[str, int]:
    return {o.rule.name: o.count for o in outcomes}


class RetentionJob:
    """Applies the retention rules once a day, whichever process gets there first."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        worker: str | None = None,
        tick: float = TICK_SECONDS,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.worker = worker or worker_name()
        self.tick = tick

    def today(self, now: datetime) -> str:
        """The council's date at ``now``: the day a run is claimed for."""
        return now.astimezone(self.settings.zone).date().isoformat()

    async def run_due(self) -> list[Outcome] | None:
        """Run today's retention if no process has yet; None when another has it (or had it)."""
        now = self.clock()
        day = self.today(now)
        claimed = await self.db.write(
            partial(runs.claim_day, day=day, worker=self.worker, now=now, lease=LEASE)
        )
        if not claimed:
            return None
        outcomes = await apply_rules(self.db, self.settings, now)
        removed = sum(o.count for o in outcomes)
        await self.db.write(
            partial(runs.finish_day, day=day, worker=self.worker, now=self.clock(), removed=removed)
        )
        oldest = (now - timedelta(days=KEEP_RUNS_DAYS)).astimezone(self.settings.zone).date().isoformat()
        await self.db.write(partial(runs.forget_runs, before=oldest))
        log.info("retention.applied", day=day, removed=removed, **_counts(outcomes))
        return outcomes

    async def run_forever(self) -> None:
        """Check every ``tick`` seconds whether today's run is due, until cancelled."""
        while True:
            try:
                await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("retention.failed", **failure(exc))
            await asyncio.sleep(self.tick)


def install_retention(
    app: web.Application, services: Services, *, clock: Callable[[], datetime] = utcnow
) -> RetentionJob:
    """Run the daily retention job while the app runs (after the database is migrated on start)."""
    job = RetentionJob(services.db, services.settings, clock=clock)

    async def start(app: web.Application) -> None:
        app[RUNNER] = asyncio.get_running_loop().create_task(job.run_forever(), name="retention")

    app.on_startup.append(start)
    cancel_on_shutdown(app, RUNNER)
    return job


# The command line.


def add_retention_command(commands: Any) -> None:
    """Add ``guidebot retention [--dry-run]`` to the CLI."""
    parser = commands.add_parser(
        "retention", help="apply the retention periods now (--dry-run: only say what would go)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="count what each rule would remove, and remove nothing"
    )
    parser.set_defaults(run=_retention)


def _retention(settings: Settings, args: argparse.Namespace) -> int:
    now = utcnow()
    dry = bool(args.dry_run)

    async def run() -> list[Outcome]:
        db = Database(settings.resolved_database_url)
        try:
            await upgrade(db)
            if dry:
                return await dry_run(db, settings, now)
            outcomes = await apply_rules(db, settings, now)
            log.info(
                "retention.applied",
                day="command",
                removed=sum(o.count for o in outcomes),
                **_counts(outcomes),
            )
            return outcomes
        finally:
            await db.close()

    print(describe(asyncio.run(run()), now, dry=dry))
    return 0


def describe(outcomes: list[Outcome], now: datetime, *, dry: bool) -> str:
    """The outcome for an operator's terminal: per rule, how many and the cut-off."""
    head = f"Retention at {now:%Y-%m-%d %H:%M} UTC"
    lines = [head + (": a dry run, nothing was removed." if dry else ":")]
    verb = "would go" if dry else "removed"
    for o in outcomes:
        lines.append(f"  {o.rule.what}: {o.count} {verb} ({o.rule.measured} {o.before:%Y-%m-%d %H:%M} UTC)")
    if dry:
        lines.append("`guidebot retention` removes them now; the server does it once a day.")
    return "\n".join(lines)
