"""Which release batches a report covers: a period's batches, fixed before any figure is read.

A report first looks up, in one short write transaction, the batches each of its surveys
released in its periods, and records each of those whole populations (``storage.populations``),
so the audit of later breakdowns knows every population a figure was shown about. The figures
are then read over exactly those batches, which never change, whatever is released meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.reports.periods import Period
from storage import populations as pops
from storage.releases import BatchRange, batch_range, empty_range, lock_survey


@dataclass(frozen=True, slots=True)
class Released:
    """The batches a survey released in a period, and its newest batch when they were looked up."""

    batches: BatchRange
    latest: int


def resolve(conn: Connection, wanted: list[tuple[str, Period | None]], *, now: datetime) -> list[Released]:
    """For each (survey, period), its batches; records the populations (run through ``Database.write``)."""
    for survey_id in sorted({survey_id for survey_id, _ in wanted}):
        lock_survey(conn, survey_id)
    found = []
    for survey_id, period in wanted:
        if period is None:
            found.append(Released(empty_range(survey_id), 0))
            continue
        batches = batch_range(conn, survey_id, period.start, period.end)
        found.append(Released(batches, pops.latest_batch(conn, survey_id)))
    whole = [
        pops.Population(r.batches.survey_id, pops.WHOLE, "", r.batches.first, r.batches.last)
        for r in found
        if not r.batches.empty
    ]
    pops.record(conn, sorted(set(whole)), now=now)
    return found
