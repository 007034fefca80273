"""The access log's rows: who looked at results or personal data, and when (never what they saw)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from storage.models import AccessLogEntry, table_of

ACCESS = table_of(AccessLogEntry)


@dataclass(frozen=True, slots=True)
class Access:
    """One access: its kind (``digest``, ``plan``, ``export``, ``subject-access``, ``erasure``, ``refusal``...)."""

    at: datetime
    kind: str
    channel: str
    requester: str
    role: str
    survey_id: str = ""
    period: str = ""
    detail: str = ""


def record(conn: Connection, access: Access) -> None:
    """Add one entry."""
    conn.execute(
        insert(ACCESS).values(
            at=access.at,
            kind=access.kind[:30],
            channel=access.channel[:20],
            requester=access.requester[:64],
            role=access.role[:30],
            survey_id=access.survey_id[:60],
            period=access.period[:60],
            detail=access.detail[:200],
        )
    )


def entries(conn: Connection, *, since: datetime | None = None, limit: int = 10_000) -> list[Access]:
    """The entries from ``since`` on (all without it), oldest first, at most ``limit``."""
    query = select(ACCESS).order_by(ACCESS.c.at, ACCESS.c.id).limit(limit)
    if since is not None:
        query = query.where(ACCESS.c.at >= since)
    return [
        Access(r.at, r.kind, r.channel, r.requester, r.role, r.survey_id, r.period, r.detail)
        for r in conn.execute(query)
    ]
