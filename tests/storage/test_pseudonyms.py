"""Joining a pseudonym from before Slack team ids to the new one moves everything kept under it, once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select

from storage.db import Database
from storage.models import (
    ConversationRef,
    DialogStateRow,
    DigestSchedule,
    LegacyPseudonym,
    SurveyResponse,
    table_of,
)
from storage.pseudonyms import join_legacy, legacy_pseudonyms

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
OLD, NEW, OTHER = "a" * 64, "b" * 64, "c" * 64
OLD_CONTACT, NEW_CONTACT = "d" * 64, "e" * 64
RESPONSE, STATE, SCHEDULE, REF = map(
    table_of, (SurveyResponse, DialogStateRow, DigestSchedule, ConversationRef)
)


def _before(conn: Connection, *, new_state: bool = False) -> None:
    conn.execute(insert(table_of(LegacyPseudonym)), [{"pseudonym": OLD}, {"pseudonym": OTHER}])
    for rid, who in (("r1", OLD), ("r2", OLD), ("r3", OTHER)):
        conn.execute(
            insert(RESPONSE).values(
                id=rid,
                survey_id="pain-points",
                survey_version=1,
                respondent=who,
                status="completed",
                started_at=NOW,
            )
        )
    conn.execute(insert(STATE).values(respondent=OLD, state='{"old": 1}', version=4, updated_at=NOW))
    if new_state:
        conn.execute(insert(STATE).values(respondent=NEW, state='{"new": 1}', version=1, updated_at=NOW))
    conn.execute(
        insert(SCHEDULE).values(
            id="s1", channel="slack", conversation_key="k", survey_id="pain-points", period="last-7-days",
            cron="0 9 * * 1", description="Mondays", created_by=OLD, created_at=NOW, next_due_at=NOW,
        )
    )  # fmt: skip
    conn.execute(
        insert(REF).values(
            channel="slack", conversation_key="lane", kind="personal", contact=OLD_CONTACT, reference="sealed",
            updated_at=NOW,
        )
    )  # fmt: skip


def _join(conn: Connection) -> bool:
    return join_legacy(
        conn, old=OLD, new=NEW, channel="slack", old_contact=OLD_CONTACT, new_contact=NEW_CONTACT
    )


async def test_the_old_pseudonyms_rows_move_to_the_new_one_once(db: Database) -> None:
    await db.write(_before)
    assert await db.read(legacy_pseudonyms) == {OLD, OTHER}
    assert await db.write(_join) is True
    assert await db.write(_join) is False  # already joined: nothing happens again

    def seen(conn: Connection) -> tuple[object, ...]:
        return (
            sorted(conn.execute(select(RESPONSE.c.id, RESPONSE.c.respondent)).all()),
            conn.execute(select(STATE.c.respondent, STATE.c.version)).all(),
            conn.execute(select(SCHEDULE.c.created_by)).scalars().all(),
            conn.execute(select(REF.c.contact)).scalars().all(),
        )

    responses, states, creators, contacts = await db.read(seen)
    assert responses == [("r1", NEW), ("r2", NEW), ("r3", OTHER)]
    assert states == [(NEW, 4)] and creators == [NEW] and contacts == [NEW_CONTACT]
    assert await db.read(legacy_pseudonyms) == {OTHER}


async def test_a_dialog_state_the_new_pseudonym_has_already_is_kept(db: Database) -> None:
    await db.write(lambda conn: _before(conn, new_state=True))
    assert await db.write(_join) is True
    states = await db.read(lambda conn: conn.execute(select(STATE.c.respondent, STATE.c.state)).all())
    assert states == [(NEW, '{"new": 1}')]
    assert await db.read(
        lambda c: c.execute(select(RESPONSE.c.respondent).where(RESPONSE.c.id == "r1")).scalar()
    )
