"""The aiohttp application: every channel's routes on one server, sharing one turn handler."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web

from bot.background import BackgroundTasks
from bot.channels.web import WebChat
from bot.channels.web_accessibility import AccessibilityStatement
from bot.content import turn_handler
from bot.logs import get_logger
from bot.reload import install_reload_signal
from bot.reports.install import install_insights
from bot.senders import Sender
from bot.settings import Settings
from bot.turn import TurnHandler, utcnow
from storage import migrate
from storage.db import Database
from storage.turns import prune_processed

log = get_logger(__name__)
PRUNE_EVERY = 3600
KEEP_PROCESSED = timedelta(days=7)


@dataclass
class Services:
    """What the routes of every channel share."""

    settings: Settings
    db: Database
    turns: TurnHandler
    tasks: BackgroundTasks
    senders: dict[str, Sender] = field(default_factory=dict)


SERVICES = web.AppKey("services", Services)


def build_app(settings: Settings, *, db: Database | None = None) -> web.Application:
    """The application with its routes; the database is migrated when it starts."""
    db = db or Database(settings.resolved_database_url)
    turns = turn_handler(settings, db)
    services = Services(settings, db, turns, BackgroundTasks())
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = services
    app.router.add_get("/healthz", health)
    WebChat(turns, enabled=settings.web_chat_enabled, token=settings.web_token).add_routes(app)
    AccessibilityStatement.from_settings(settings).add_routes(app)
    _mount_platforms(app, services)
    install_reload_signal(app, settings, turns)
    app.on_startup.append(_start)
    install_insights(app, services)  # after _start: its start-up needs the migrated database
    app.on_shutdown.append(_drain)
    app.on_cleanup.append(_close)
    return app


def _mount_platforms(app: web.Application, services: Services) -> None:
    """Each platform's routes on this same application."""
    if services.settings.slack_enabled:
        from bot.channels.slack.routes import mount_slack

        mount_slack(app, services)
    from bot.channels.teams.routes import mount_teams

    mount_teams(app, services)


async def health(request: web.Request) -> web.Response:
    """200 with the database reachable, 503 without."""
    services = request.app[SERVICES]
    ok = await services.db.ping()
    body = {
        "status": "ok" if ok else "unavailable",
        "database": "ok" if ok else "unreachable",
        "dialect": services.db.dialect,
        "version": _version(),
    }
    return web.json_response(body, status=200 if ok else 503)


async def _start(app: web.Application) -> None:
    services = app[SERVICES]
    revision = await migrate.upgrade(services.db)
    log.info("database.ready", dialect=services.db.dialect, revision=revision)
    app[PRUNER] = asyncio.get_running_loop().create_task(_prune_forever(services.db))


async def _drain(app: web.Application) -> None:
    await app[SERVICES].tasks.drain()


async def _close(app: web.Application) -> None:
    pruner = app.get(PRUNER)
    if pruner is not None:
        pruner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pruner
    await app[SERVICES].db.close()
    log.info("server.stopped")


async def _prune_forever(db: Database) -> None:
    while True:
        try:
            removed = await db.write(lambda conn: prune_processed(conn, utcnow() - KEEP_PROCESSED))
            if removed:
                log.info("processed_messages.pruned", removed=removed)
        except Exception as exc:
            log.warning("processed_messages.prune_failed", error=repr(exc))
        await asyncio.sleep(PRUNE_EVERY)


PRUNER = web.AppKey("pruner", asyncio.Task)


def _version() -> str:
    try:
        return version("guidebot")
    except PackageNotFoundError:
        return "unknown"
