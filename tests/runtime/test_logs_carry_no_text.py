"""A failed write never puts what it was given into an error message or a log line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from structlog.testing import capture_logs

from bot.background import BackgroundTasks
from storage.db import Database
from storage.models import ProcessedMessage

SECRET_TEXT = "Jayden Smith, aged 7, lives at SW1A 2AA"
WHEN = datetime(2026, 12, 1, tzinfo=UTC)


async def test_a_failed_statement_keeps_its_parameters_out_of_errors_and_logs(db: Database) -> None:
    def twice(conn: object) -> None:
        for _ in range(2):  # the second insert breaks the primary key
            conn.execute(insert(ProcessedMessage.__table__).values(key=SECRET_TEXT, processed_at=WHEN))  # type: ignore[attr-defined]

    with pytest.raises(IntegrityError) as caught:
        await db.write(twice)
    assert SECRET_TEXT not in str(caught.value) and "hidden" in str(caught.value).lower()

    tasks = BackgroundTasks()
    with capture_logs() as logs:
        tasks.spawn(db.write(twice), name="doomed")
        await tasks.drain()
        await asyncio.sleep(0)
    [failed] = [e for e in logs if e["event"] == "background.failed"]
    assert failed["error"] == "IntegrityError" and SECRET_TEXT not in str(failed)
