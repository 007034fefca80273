"""Who has been shown the privacy notice (by pseudonym), so it is shown once unasked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, select

from storage.models import PrivacyNoticeShown, table_of
from storage.prepared import Prepared, per_dialect

SHOWN = table_of(PrivacyNoticeShown)
MARK = per_dialect(
    lambda d: (
        d.insert(SHOWN).values(person=bindparam("person"), shown_at=bindparam("now")).on_conflict_do_nothing()
    )
)
SHOWN_AT = Prepared(select(SHOWN.c.shown_at).where(SHOWN.c.person == bindparam("person")))


def mark_notice_shown(conn: Connection, person: str, now: datetime) -> bool:
    """Record that ``person`` is being shown the notice; False when they were shown it before."""
    return MARK.run(conn, {"person": person, "now": now}).rowcount == 1


def notice_shown_at(conn: Connection, person: str) -> datetime | None:
    """When ``person`` was first shown the notice, or None."""
    row = SHOWN_AT.run(conn, {"person": person}).fetchone()
    return row[0] if row is not None else None
