"""Statements run on SQLite's cursor store exactly what SQLAlchemy's own execution stores."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, insert, select, text

from storage.db import Database
from storage.models import Answer, SurveyResponse
from storage.prepared import Prepared, first

RESPONSE = SurveyResponse.__table__
ANSWER = Answer.__table__
AT = datetime(2026, 11, 2, 9, 5, 7, 123456, tzinfo=UTC)
INSERT_ANSWER = insert(ANSWER).values(
    response_id=bindparam("rid"),
    question_id=bindparam("qid"),
    kind=bindparam("kind"),
    value_text=bindparam("text"),
    value_number=bindparam("number"),
    answered_at=bindparam("at"),
)


async def test_prepared_and_plain_execution_store_the_same_values(db: Database) -> None:
    prepared = Prepared(INSERT_ANSWER)
    rows = [
        {"qid": "sus_1", "kind": "likert", "text": "agree", "number": 4.0, "at": AT},
        {"qid": "frustration", "kind": "free_text", "text": "Search is slow.", "number": None, "at": AT},
        {"qid": "time_lost", "kind": "single_choice", "text": None, "number": 2.5, "at": AT},
    ]

    def write(conn: Connection) -> None:
        for rid in ("r-plain", "r-fast"):
            conn.execute(
                insert(RESPONSE),
                {
                    "id": rid,
                    "survey_id": "pain-points",
                    "survey_version": 1,
                    "respondent": f"p-{rid}",
                    "status": "in_progress",
                    "started_at": AT,
                    "is_demo": False,
                },
            )
        conn.execute(INSERT_ANSWER, [{**r, "rid": "r-plain"} for r in rows])
        prepared.run(conn, [{**r, "rid": "r-fast"} for r in rows])

    await db.write(write)

    def stored(conn: Connection, rid: str) -> list[tuple[object, ...]]:
        # As the database holds them (text for SQLite's datetimes), not as SQLAlchemy reads them back.
        query = text(
            "SELECT question_id, kind, value_text, value_number, CAST(answered_at AS TEXT) "
            "FROM answer WHERE response_id = :rid ORDER BY question_id"
        )
        return [tuple(row) for row in conn.execute(query, {"rid": rid})]

    plain = await db.read(lambda conn: stored(conn, "r-plain"))
    fast = await db.read(lambda conn: stored(conn, "r-fast"))
    assert len(plain) == 3 and fast == plain
    found = await db.read(
        lambda conn: first(
            conn,
            Prepared(select(ANSWER.c.value_number).where(ANSWER.c.response_id == bindparam("rid"))),
            {"rid": "r-fast"},
        )
    )
    assert found is not None and found[0] in (4.0, 2.5, None)
    missing = await db.read(
        lambda conn: first(
            conn,
            Prepared(select(ANSWER.c.kind).where(ANSWER.c.response_id == bindparam("rid"))),
            {"rid": "r-none"},
        )
    )
    assert missing is None
