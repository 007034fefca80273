"""The guidance questions the bot could not answer well: the reading behind the ``gaps`` command.

``guidance_answer`` holds each question already redacted, and no asker, so nothing read here can
say who asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, false, or_, select

from storage.models import GuidanceAnswer, table_of

GUIDANCE = table_of(GuidanceAnswer)


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    """A question answered "not sure", or whose answer was marked not helpful."""

    question: str
    not_sure: bool
    not_helpful: bool


def unanswered_questions(
    conn: Connection, start: datetime | None, end: datetime | None
) -> list[UnansweredQuestion]:
    """Questions asked in [start, end) that got "not sure" or were marked not helpful, oldest first."""
    query = (
        select(GUIDANCE.c.question, GUIDANCE.c.confident, GUIDANCE.c.helpful)
        # A question whose text retention removed ('') has nothing left to group.
        .where(or_(GUIDANCE.c.confident == false(), GUIDANCE.c.helpful == false()), GUIDANCE.c.question != "")
        .order_by(GUIDANCE.c.asked_at, GUIDANCE.c.id)
    )
    if start is not None:
        query = query.where(GUIDANCE.c.asked_at >= start)
    if end is not None:
        query = query.where(GUIDANCE.c.asked_at < end)
    return [
        UnansweredQuestion(row.question, not row.confident, row.helpful is False)
        for row in conn.execute(query)
    ]
