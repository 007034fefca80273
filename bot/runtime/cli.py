"""``guidebot outbox``: what is waiting to be sent or has failed, and sending the failed ones again.

Operators see counts only (per channel, per platform error), never a message's text or where it
was going. ``retry`` puts failed messages back in the queue; a running server sends them at its
next sweep (within seconds), or the next server to start does.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.settings import Settings
from bot.turn import utcnow
from storage import outbox
from storage.db import Database
from storage.migrate import upgrade


def add_outbox_commands(commands: Any) -> None:
    """Add ``guidebot outbox`` and ``guidebot outbox retry`` to the CLI."""
    parser = commands.add_parser("outbox", help="pending and failed outgoing messages (counts only)")
    parser.set_defaults(run=_summary)
    sub = parser.add_subparsers(title="outbox commands")
    sub.add_parser("retry", help="send the failed messages again").set_defaults(run=_retry)


def _summary(settings: Settings, args: argparse.Namespace) -> int:
    found = asyncio.run(_with_db(settings, lambda db: db.read(outbox.summary)))
    print(describe(found))
    return 0


def _retry(settings: Settings, args: argparse.Namespace) -> int:
    now = utcnow()
    count = asyncio.run(
        _with_db(settings, lambda db: db.write(lambda conn: outbox.retry_failed(conn, now=now)))
    )
    print(
        f"{count} failed message{'s' if count != 1 else ''} put back in the queue; a running server "
        "sends them within seconds, or the next one to start."
    )
    return 0


def describe(found: outbox.OutboxSummary) -> str:
    """The summary for an operator's terminal."""
    lines = []
    pending = sum(found.pending.values())
    lines.append(f"Pending: {pending}" + (f" ({_per_channel(found.pending)})" if pending else ""))
    if found.oldest_pending is not None:
        age = (utcnow() - found.oldest_pending).total_seconds()
        lines.append(f"Oldest pending: {age:.0f} seconds old")
    failed = sum(found.failed.values())
    lines.append(f"Failed: {failed}")
    for (channel, error), count in sorted(found.failed.items()):
        lines.append(f"  {channel}: {error}: {count}")
    if failed:
        lines.append("`guidebot outbox retry` sends the failed ones again.")
    return "\n".join(lines)


def _per_channel(counts: dict[str, int]) -> str:
    return ", ".join(f"{channel} {n}" for channel, n in sorted(counts.items()))


async def _with_db(settings: Settings, work: Any) -> Any:
    db = Database(settings.resolved_database_url)
    try:
        await upgrade(db)
        return await work(db)
    finally:
        await db.close()
