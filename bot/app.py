"""The aiohttp application: every channel's routes on one server, sharing one core runtime.

This module only assembles: the turn handler, the outbox's dispatcher and pacing, the runtime,
the channels and the reports, and the jobs that run while the server does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from aiohttp import web

from bot.background import BackgroundTasks
from bot.campaigns.install import install_campaigns
from bot.channels.web import WebChat
from bot.channels.web_accessibility import AccessibilityStatement
from bot.content import turn_handler
from bot.logs import get_logger, quiet_bad_requests
from bot.reload import install_reload_signal
from bot.reports.install import install_insights
from bot.retention import install_retention
from bot.rights import install_rights
from bot.runtime.dispatcher import Dispatcher, serving_place, worker_name
from bot.runtime.pacing import MemoryPacer, Pacer, SharedPacer
from bot.runtime.runtime import Runtime
from bot.services import SERVICES, Services
from bot.settings import Settings, revealed, secret_key
from bot.turn import utcnow
from storage import channels, migrate, outbox
from storage.db import Database

__all__ = ["SERVICES", "Services", "build_app"]

log = get_logger(__name__)


def build_app(
    settings: Settings, *, db: Database | None = None, clock: Callable[[], datetime] = utcnow
) -> web.Application:
    """The application with its routes; the database is migrated when it starts.

    ``clock`` is what reports and campaigns take as now (tests set it); turns and sending keep real time.
    """
    quiet_bad_requests()
    db = db or Database(settings.resolved_database_url)
    turns = turn_handler(settings, db)
    tasks = BackgroundTasks()
    place = serving_place(settings.port)
    holder = worker_name(place)
    pacer: Pacer = (
        MemoryPacer(scale=settings.pacing_scale)
        if db.is_sqlite
        else SharedPacer(db, scale=settings.pacing_scale)
    )
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    dispatcher = Dispatcher(db, turns.keys, pacer, tasks, holder=holder, lease=lease)
    runtime = Runtime(turns, dispatcher, tasks, holder=holder)
    services = Services(settings, db, turns, tasks, runtime)
    dispatcher.on_blocked = partial(_blocked, services)
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = services
    app.router.add_get("/healthz", health)
    WebChat(
        runtime,
        mode=settings.web_auth_mode,
        token=revealed(settings.web_token) or None,
        session_key=secret_key(settings)[0],
        user_header=settings.web_user_header,
        org_name=settings.org_name,
        privacy_url=settings.privacy_url,
    ).add_routes(app)
    AccessibilityStatement.from_settings(settings).add_routes(app)
    _mount_platforms(app, services)
    install_reload_signal(app, settings, turns)
    app.on_startup.append(_start)
    insights = install_insights(app, services, clock=clock)  # after _start: needs the migrated database
    install_campaigns(app, services, insights, clock=clock)
    install_rights(turns, db, key=secret_key(settings)[0], base_url=settings.base_url, app=app)
    # Real time, as turns and sending keep: what it removes was written at real times.
    install_retention(app, services)
    app.on_shutdown.append(_drain)
    app.on_cleanup.append(_close)
    return app


def _mount_platforms(app: web.Application, services: Services) -> None:
    """Each platform's routes on this same application."""
    if services.settings.slack_enabled:
        from bot.channels.slack.routes import mount_slack

        mount_slack(app, services)
    from bot.channels.teams.mode import Mode, mode_of

    if mode_of(services.settings) is Mode.OFF:
        # Teams is not set up: refuse everything without loading botbuilder (a fifth of the memory).
        app.router.add_post("/api/messages", _teams_off)
        return
    from bot.channels.teams.routes import mount_teams

    mount_teams(app, services)


async def _teams_off(request: web.Request) -> web.Response:
    return web.Response(status=401)


async def _blocked(services: Services, channel: str, address: Mapping[str, Any]) -> None:
    adapter = services.channels.get(channel)
    if adapter is not None:
        await services.runtime.blocked(channel, address, adapter)


async def health(request: web.Request) -> web.Response:
    """200 with the database reachable, 503 without; the outbox's backlog either way."""
    services = request.app[SERVICES]
    ok = await services.db.ping()
    body: dict[str, Any] = {
        "status": "ok" if ok else "unavailable",
        "database": "ok" if ok else "unreachable",
        "dialect": services.db.dialect,
        "version": _version(),
    }
    if ok:
        backlog = await services.db.read(outbox.summary)
        oldest = backlog.oldest_pending
        body["outbox"] = {
            "pending": sum(backlog.pending.values()),
            "failed": sum(backlog.failed.values()),
            "oldest_pending_seconds": round((utcnow() - oldest).total_seconds(), 1) if oldest else None,
        }
    return web.json_response(body, status=200 if ok else 503)


async def _start(app: web.Application) -> None:
    services = app[SERVICES]
    revision = await migrate.upgrade(services.db)
    log.info("database.ready", dialect=services.db.dialect, revision=revision)
    await _reseal_legacy(services)
    dispatcher = services.runtime.dispatcher
    taken = await services.db.write(
        partial(
            outbox.succeed, place=dispatcher.holder.rsplit(":", 1)[0], holder=dispatcher.holder, now=utcnow()
        )
    )
    if taken:
        log.info("outbox.took_over", lanes=taken)
    loop = asyncio.get_running_loop()
    app[SWEEPER] = loop.create_task(services.runtime.dispatcher.sweep_forever())


async def _reseal_legacy(services: Services) -> None:
    """Rows written before platform addresses were sealed are re-keyed and sealed (once)."""
    keys = services.turns.keys

    def address(channel: str, conversation_id: str, reference: str | None) -> str:
        if channel == "teams" and reference:
            ref = json.loads(reference)
            kind = (ref.get("conversation") or {}).get("conversationType")
            found = {
                "service_url": ref.get("serviceUrl"),
                "conversation": conversation_id,
                "tenant": (ref.get("conversation") or {}).get("tenantId"),
                "kind": kind,
            }
            return keys.seal(found)
        return keys.seal(
            {"channel": conversation_id} if channel == "slack" else {"conversation": conversation_id}
        )

    changed = await services.db.write(
        partial(
            channels.reseal_legacy,
            key_of=keys.lane,
            seal_reference=lambda text: keys.seal(json.loads(text)),
            seal_address=address,
        )
    )
    if changed:
        log.info("addresses.sealed", rows=changed)


async def _drain(app: web.Application) -> None:
    await app[SERVICES].tasks.drain()


async def _close(app: web.Application) -> None:
    for name in (SWEEPER,):
        task = app.get(name)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    await app[SERVICES].db.close()
    log.info("server.stopped")


SWEEPER = web.AppKey("outbox_sweeper", asyncio.Task)


def _version() -> str:
    try:
        return version("guidebot")
    except PackageNotFoundError:
        return "unknown"
