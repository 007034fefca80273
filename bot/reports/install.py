"""Wiring insights into the application: commands, routes, the scheduler and demo data."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from aiohttp import web
from sqlalchemy import Connection

from bot.background import cancel_on_shutdown
from bot.logs import get_logger
from bot.reports.commands import InsightCommands, scheduled_digest
from bot.reports.demo_data import DEMO_RESPONDENTS, fill_demo
from bot.reports.gaps_command import GapsCommand
from bot.reports.insights import Insights
from bot.reports.routes import INSIGHTS, add_report_routes
from bot.reports.scheduler import DigestScheduler
from bot.settings import Settings, secret_key
from bot.turn import TurnHandler, utcnow
from storage.db import Database
from storage.releases import release_pending, set_min_group_size

if TYPE_CHECKING:
    from bot.services import Services

log = get_logger(__name__)
SCHEDULER = web.AppKey("digest_scheduler", asyncio.Task)


def add_insight_commands(
    settings: Settings, db: Database, turns: TurnHandler, *, clock: Callable[[], datetime] = utcnow
) -> Insights:
    """Register ``digest``, ``plan`` and ``gaps`` with a turn handler (the terminal chat needs only this)."""
    insights = Insights(db, lambda: turns.content, settings, secret_key(settings)[0], clock=clock)
    insights.access = turns.access
    InsightCommands(insights, turns).register()
    GapsCommand(insights, turns).register()
    return insights


def _release_policy(conn: Connection, *, size: int, now: datetime) -> None:
    """Keep this server's threshold for releases, and release what a lower one would have held back."""
    set_min_group_size(conn, size, now=now)
    release_pending(conn)


def demo_refused(real: int) -> str:
    """What ``serve --demo`` says on the console when the database already holds real answers."""
    return (
        f"Demo mode: no demo data was added, because this database already holds {real} real "
        f"response{'s' if real != 1 else ''}, and demo data is never mixed with real answers. "
        "To try the demo, start it on an empty database: point DATABASE_URL at a new one, or, with the "
        "default SQLite file, run GUIDEBOT_DATA_DIR=demo-data guidebot serve --demo"
    )


def install_insights(
    app: web.Application, services: Services, *, clock: Callable[[], datetime] = utcnow
) -> Insights:
    """Register ``digest`` and ``plan``, mount the report routes, and run the scheduler while the app runs.

    ``services`` is the app's ``Services``: scheduled digests go through its runtime's outbox, and
    channels that show charts by address (Teams cards) get them kept and served from here.
    """
    settings, db, turns = services.settings, services.db, services.turns
    insights = add_insight_commands(settings, db, turns, clock=clock)
    app[INSIGHTS] = insights
    services.chart_address = insights.image_url
    add_report_routes(app)
    scheduler = DigestScheduler(
        db,
        render=partial(scheduled_digest, insights),
        post=services.runtime.send_sealed,
        tz=settings.zone,
        clock=clock,
    )

    async def start(app: web.Application) -> None:
        await db.write(partial(_release_policy, size=settings.min_group_size, now=clock()))
        if settings.demo:
            said = await db.write(
                partial(
                    fill_demo, catalog=turns.content.catalog, respondents=DEMO_RESPONDENTS, now=clock(),
                    tz=settings.zone,
                ),
                alone=True,
            )  # fmt: skip
            log.info("demo_data", result=str(said))
            if said.real_responses:
                print(demo_refused(said.real_responses), file=sys.stderr, flush=True)
        app[SCHEDULER] = asyncio.get_running_loop().create_task(
            scheduler.run_forever(), name="digest-scheduler"
        )

    app.on_startup.append(start)
    cancel_on_shutdown(app, SCHEDULER)
    return insights
