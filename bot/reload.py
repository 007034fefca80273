"""Reload content in a running server (SIGHUP, or ``guidebot content reload``) without a restart.

A reload with bad content keeps the old content and logs why.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from aiohttp import web

from bot.content import load_content
from bot.logs import get_logger
from bot.settings import Settings
from bot.turn import TurnHandler
from dialogs.problems import ContentError

log = get_logger(__name__)
PID_FILE = "guidebot.pid"


async def reload_content(settings: Settings, turns: TurnHandler) -> bool:
    """Load content afresh (in a thread: it reads files and builds indexes) and swap it in if valid."""
    try:
        content = await asyncio.to_thread(load_content, settings)
    except ContentError as exc:
        log.error("content.reload_failed", problems=[str(p) for p in exc.problems], kept="previous content")
        return False
    turns.content = content
    log.info(
        "content.reloaded",
        surveys=len(content.catalog.surveys),
        sections=len(content.guidance.sections) if content.guidance else 0,
    )
    return True


def install_reload_signal(app: web.Application, settings: Settings, turns: TurnHandler) -> None:
    """On start, write the pid file and reload on SIGHUP; on stop, remove the pid file."""
    pid_path = settings.data_dir / PID_FILE

    async def start(_app: web.Application) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(reload_content(settings, turns)))
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        pid_path.write_text(str(os.getpid()), encoding="utf-8")

    async def stop(_app: web.Application) -> None:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        if pid_path.exists() and pid_path.read_text(encoding="utf-8").strip() == str(os.getpid()):
            pid_path.unlink()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)


def signal_running_server(data_dir: Path) -> int:
    """Ask the server whose pid file is in ``data_dir`` to reload; returns its pid."""
    pid_path = data_dir / PID_FILE
    if not pid_path.exists():
        raise ProcessLookupError(f"no running server found ({pid_path} does not exist)")
    pid = int(pid_path.read_text(encoding="utf-8").strip())
    os.kill(pid, signal.SIGHUP)
    return pid
