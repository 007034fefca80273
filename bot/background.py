"""Work that runs after the platform has had its answer, finished before the server stops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

from bot.logs import failure, get_logger

log = get_logger(__name__)


class BackgroundTasks:
    """Keeps a reference to every task (so none is garbage-collected) and drains them on shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str = "work") -> asyncio.Task[Any]:
        """Start ``coro`` now; its failure is logged, never lost silently."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            assert error is not None
            log.error("background.failed", task=task.get_name(), **failure(error))

    @property
    def pending(self) -> int:
        """How many tasks are still running."""
        return len(self._tasks)

    async def drain(self, grace: float = 30.0) -> None:
        """Wait for running tasks, and those they start, to finish (bounded), so in-flight turns and
        the messages they send complete on shutdown."""
        if not self._tasks:
            return
        log.info("background.draining", tasks=len(self._tasks))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self._tasks and (left := deadline - loop.time()) > 0:
            await asyncio.wait(set(self._tasks), timeout=left)


def cancel_on_shutdown(app: web.Application, key: web.AppKey[asyncio.Task[Any]]) -> None:
    """Cancel the long-running task stored under ``key`` (if it was started) when the server stops."""

    async def stop(app: web.Application) -> None:
        task = app.get(key)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app.on_shutdown.append(stop)
