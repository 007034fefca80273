"""Joining a person's pseudonym from before Slack team ids (``slack:U0123``) to their new one.

Migration 0011 listed every pseudonym stored until then in ``legacy_pseudonym``. When a Slack user
arrives with their team, ``join_legacy`` moves whatever is kept under their old pseudonym (their
responses, dialog state and the digest schedules they made) and under their old contact key (their
conversation references) to the new ones, once: the entry is deleted in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, select, update

from storage.models import (
    ConversationRef,
    DialogStateRow,
    DigestSchedule,
    LegacyPseudonym,
    SurveyResponse,
    table_of,
)

LEGACY = table_of(LegacyPseudonym)
RESPONSE = table_of(SurveyResponse)
STATE = table_of(DialogStateRow)
SCHEDULE = table_of(DigestSchedule)
REF = table_of(ConversationRef)


def legacy_pseudonyms(conn: Connection) -> set[str]:
    """Every pseudonym from before team ids that no arrival has joined yet."""
    return set(conn.execute(select(LEGACY.c.pseudonym)).scalars())


def join_legacy(
    conn: Connection, *, old: str, new: str, channel: str, old_contact: str, new_contact: str
) -> bool:
    """Re-key ``old``'s rows to ``new`` (and the old contact's references); False if already joined.

    Should ``new`` already have a dialog state, it is kept and the old one dropped: the newer
    conversation wins, and the old responses still join the person's.
    """
    if conn.execute(delete(LEGACY).where(LEGACY.c.pseudonym == old)).rowcount == 0:
        return False  # joined before (by this process or another), or never stored
    conn.execute(update(RESPONSE).where(RESPONSE.c.respondent == old).values(respondent=new))
    conn.execute(update(SCHEDULE).where(SCHEDULE.c.created_by == old).values(created_by=new))
    if conn.execute(select(STATE.c.respondent).where(STATE.c.respondent == new)).first() is None:
        conn.execute(update(STATE).where(STATE.c.respondent == old).values(respondent=new))
    else:
        conn.execute(delete(STATE).where(STATE.c.respondent == old))
    conn.execute(
        update(REF).where(REF.c.channel == channel, REF.c.contact == old_contact).values(contact=new_contact)
    )
    return True
