"""Helpers shared by the server, storage and channel tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from storage.db import Database
from storage.models import Answer, AnswerChoice, DialogStateRow, ProcessedMessage, SurveyResponse

SECRET = "test-secret-key-not-for-production"

# One practitioner's typed answers to the pain-points survey, by question id.
PAIN_POINTS_TYPED = {
    "role": "social worker",
    "team": "2",
    "tenure": "1 to 3 years",
    "disruption": "weekly",
    "sus_1": "2",
    "sus_2": "agree",
    "sus_3": "disagree",
    "sus_4": "3",
    "sus_5": "2",
    "sus_6": "4",
    "sus_7": "neither agree nor disagree",
    "sus_8": "4",
    "sus_9": "3",
    "sus_10": "strongly agree",
    "tasks": "recording visits, entering the same data twice, search",
    "time_lost": "2 to 5 hours",
    "consulted": "no",
    "frustration": "It logs me out while I'm typing up a visit.",
}


async def table_counts(db: Database) -> dict[str, int]:
    """Rows in each core table."""
    tables = {
        "response": SurveyResponse,
        "answer": Answer,
        "choice": AnswerChoice,
        "state": DialogStateRow,
        "processed": ProcessedMessage,
    }

    def count(conn: Any) -> dict[str, int]:
        return {
            name: conn.execute(select(func.count()).select_from(m.__table__)).scalar_one()
            for name, m in tables.items()
        }

    return await db.read(count)


async def stored_answers(db: Database) -> dict[str, tuple[str | None, float | None]]:
    """question id -> (value_text, value_number) for every stored answer."""
    table = Answer.__table__

    def rows(conn: Any) -> dict[str, tuple[str | None, float | None]]:
        result = conn.execute(select(table.c.question_id, table.c.value_text, table.c.value_number))
        return {r.question_id: (r.value_text, r.value_number) for r in result}

    return await db.read(rows)


async def responses(db: Database) -> list[dict[str, Any]]:
    """Every survey response row as a dict."""
    table = SurveyResponse.__table__
    return await db.read(lambda conn: [dict(r._mapping) for r in conn.execute(select(table))])


async def all_text(db: Database) -> str:
    """Every value in every table, as one string, to search for what must never be stored."""
    from storage.models import SQLModel

    def dump(conn: Any) -> str:
        parts = []
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                parts.extend(str(v) for v in row)
        return "\n".join(parts)

    return await db.read(dump)


def is_privacy_notice(reply: Any) -> bool:
    """Whether a web chat reply (JSON) is the privacy notice a person's first message gets."""
    return isinstance(reply, dict) and reply.get("type") == "notice"


def without_notice(replies: list[Any]) -> list[Any]:
    """Web chat replies without the privacy notice, for tests of other things (tests/governance checks it)."""
    return [r for r in replies if not is_privacy_notice(r)]
