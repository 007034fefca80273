"""Fixtures for the insights tests: a migrated database on SQLite and (when available) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.reports.audit import audit_breakdowns
from bot.reports.evidence import SurveyEvidence, gather
from bot.reports.periods import Period
from bot.reports.released import resolve
from dialogs.model import SurveyDef
from storage import aggregates as agg
from storage.db import Database
from storage.demo import ResponseRow, insert_responses
from storage.releases import batch_range


async def load(db: Database, responses: Iterable[ResponseRow]) -> int:
    """Write responses straight into the tables; returns the answers written."""
    rows = list(responses)
    return await db.write(lambda conn: insert_responses(conn, rows))


async def released(
    db: Database, survey_id: str, start: datetime | None = None, end: datetime | None = None
) -> agg.Scope:
    """The scope of the survey's batches released in [start, end)."""
    return agg.Scope.of(await db.read(lambda conn: batch_range(conn, survey_id, start, end)))


async def evidence_for(
    db: Database, survey: SurveyDef, period: Period, k: int, **options: Any
) -> SurveyEvidence:
    """What a report would show: the period's batches recorded, gathered and (breakdowns) audited."""
    now = datetime.now(UTC)
    [found] = await db.write(partial(resolve, wanted=[(survey.stored_as, period)], now=now))
    evidence = await db.read(
        lambda conn: gather(conn, survey, period, found.batches, k, latest_batch=found.latest, **options)
    )
    if evidence.pending_breakdowns:
        await db.write(partial(audit_breakdowns, evidence=evidence, tz=ZoneInfo("Europe/London"), now=now))
    return evidence
