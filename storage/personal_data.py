"""Everything stored about one person, found by their pseudonyms and contact keys: to show it or erase it.

A person is stored under pseudonyms (``bot.respondent``: one per form their address has had) in
``survey_response`` (with its ``answer`` and ``answer_choice`` rows), ``dialog_state``,
``campaign_member`` (and the ``campaign_contact`` that says where to write to them),
``privacy_notice_shown``, ``legacy_pseudonym``, ``access_log`` (as a requester), and as the
creator of a ``digest_schedule`` or ``campaign``; and under contact keys (a different keyed hash)
in ``conversation_ref`` for their own chat, whose conversation key is also the outbox lane of
that chat's messages (whose unsent words and addresses are cleared). Erasing deletes every row that is about the person; rows that are the
council's rather than the person's (a schedule a manager set up for a channel, a campaign, an
access-log entry) stay, with the pseudonym replaced by ``ERASED`` so nothing links them back.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from storage.models import (
    AccessLogEntry,
    Answer,
    AnswerChoice,
    Campaign,
    CampaignContact,
    CampaignMember,
    ConversationRef,
    DialogStateRow,
    DigestSchedule,
    LegacyPseudonym,
    OutboxMessage,
    PrivacyNoticeShown,
    ReleaseBatch,
    SurveyResponse,
    table_of,
)
from storage.outbox import FAILED

ERASED = "erased"

RESPONSE = table_of(SurveyResponse)
ANSWER = table_of(Answer)
CHOICE = table_of(AnswerChoice)
STATE = table_of(DialogStateRow)
MEMBER = table_of(CampaignMember)
CONTACT = table_of(CampaignContact)
CAMPAIGN = table_of(Campaign)
NOTICE = table_of(PrivacyNoticeShown)
LEGACY = table_of(LegacyPseudonym)
ACCESS = table_of(AccessLogEntry)
SCHEDULE = table_of(DigestSchedule)
REF = table_of(ConversationRef)
OUTBOX = table_of(OutboxMessage)
BATCH = table_of(ReleaseBatch)


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """One stored answer: the question's id, its kind and the value (free text already redacted)."""

    question_id: str
    kind: str
    value: str | float | None
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """One response with its answers, in the order they were given."""

    survey_id: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    role: str | None
    team: str | None
    in_figures: bool
    answers: tuple[StoredAnswer, ...]


@dataclass(frozen=True, slots=True)
class StoredInvitation:
    """A campaign the person was asked to answer, and what they did with it."""

    survey_id: str
    state: str
    invited_at: datetime | None
    reminded: int


@dataclass(slots=True)
class PersonalData:
    """Everything found under a person's pseudonyms and contact keys."""

    responses: list[StoredResponse] = field(default_factory=list)
    dialog_state: str | None = None
    invitations: list[StoredInvitation] = field(default_factory=list)
    notice_shown_at: datetime | None = None
    conversations: int = 0
    schedules_created: int = 0
    campaigns_created: int = 0
    access_log_entries: int = 0

    @property
    def empty(self) -> bool:
        """Whether nothing at all is stored about the person."""
        return not (
            self.responses
            or self.dialog_state
            or self.invitations
            or self.notice_shown_at
            or self.conversations
            or self.schedules_created
            or self.campaigns_created
            or self.access_log_entries
        )


def collect(conn: Connection, pseudonyms: Collection[str], contacts: Collection[str]) -> PersonalData:
    """Read everything stored under ``pseudonyms`` (and, for their own chats, ``contacts``)."""
    people, keys = list(pseudonyms), list(contacts)
    found = PersonalData()
    responses = conn.execute(
        select(RESPONSE).where(RESPONSE.c.respondent.in_(people)).order_by(RESPONSE.c.started_at)
    ).all()
    answers: dict[str, list[StoredAnswer]] = {}
    if responses:
        rows = conn.execute(
            select(ANSWER)
            .where(ANSWER.c.response_id.in_([r.id for r in responses]))
            .order_by(ANSWER.c.answered_at, ANSWER.c.id)
        ).all()
        for a in rows:
            value = a.value_text if a.value_text is not None else a.value_number
            answers.setdefault(a.response_id, []).append(
                StoredAnswer(a.question_id, a.kind, value, a.answered_at)
            )
    found.responses = [
        StoredResponse(
            r.survey_id,
            r.status,
            r.started_at,
            r.finished_at,
            r.role,
            r.team,
            r.batch_id is not None,
            tuple(answers.get(r.id, ())),
        )
        for r in responses
    ]
    found.dialog_state = conn.execute(
        select(STATE.c.state).where(STATE.c.respondent.in_(people)).limit(1)
    ).scalar_one_or_none()
    found.invitations = [
        StoredInvitation(m.survey_id, m.state, m.invited_at, m.reminded)
        for m in conn.execute(
            select(CAMPAIGN.c.survey_id, MEMBER.c.state, MEMBER.c.invited_at, MEMBER.c.reminded)
            .join(CAMPAIGN, CAMPAIGN.c.id == MEMBER.c.campaign_id)
            .where(MEMBER.c.person.in_(people))
            .order_by(MEMBER.c.id)
        )
    ]
    found.notice_shown_at = conn.execute(
        select(func.min(NOTICE.c.shown_at)).where(NOTICE.c.person.in_(people))
    ).scalar_one_or_none()
    found.conversations = _count(conn, REF, REF.c.contact.in_(keys)) if keys else 0
    found.schedules_created = _count(conn, SCHEDULE, SCHEDULE.c.created_by.in_(people))
    found.campaigns_created = _count(conn, CAMPAIGN, CAMPAIGN.c.created_by.in_(people))
    found.access_log_entries = _count(conn, ACCESS, ACCESS.c.requester.in_(people))
    return found


def erase(
    conn: Connection, pseudonyms: Collection[str], contacts: Collection[str], lanes: Collection[str] = ()
) -> dict[str, int]:
    """Remove everything about the person; returns how many rows each table lost or had unlinked.

    ``lanes`` are outbox lanes known to be the person's own chat (the one they asked in); the lanes
    of every chat stored under their contact keys are added. Their outbox messages, sent or not,
    go, so no message to them (and no address of theirs) is left. A released response leaves its
    batch's totals too, so figures and thresholds are worked out without it from then on.
    """
    people, keys = list(pseudonyms), list(contacts)
    removed: dict[str, int] = {}
    response_ids = list(
        conn.execute(select(RESPONSE.c.id).where(RESPONSE.c.respondent.in_(people))).scalars()
    )
    if response_ids:
        _leave_batches(conn, response_ids)
        removed["answer_choice"] = _delete(conn, CHOICE, CHOICE.c.response_id.in_(response_ids))
        removed["answer"] = _delete(conn, ANSWER, ANSWER.c.response_id.in_(response_ids))
        removed["survey_response"] = _delete(conn, RESPONSE, RESPONSE.c.id.in_(response_ids))
    removed["dialog_state"] = _delete(conn, STATE, STATE.c.respondent.in_(people))
    members = list(conn.execute(select(MEMBER.c.id).where(MEMBER.c.person.in_(people))).scalars())
    if members:
        removed["campaign_contact"] = _delete(conn, CONTACT, CONTACT.c.member_id.in_(members))
        removed["campaign_member"] = _delete(conn, MEMBER, MEMBER.c.id.in_(members))
    removed["privacy_notice_shown"] = _delete(conn, NOTICE, NOTICE.c.person.in_(people))
    removed["legacy_pseudonym"] = _delete(conn, LEGACY, LEGACY.c.pseudonym.in_(people))
    chats = set(lanes)
    if keys:
        chats |= set(conn.execute(select(REF.c.conversation_key).where(REF.c.contact.in_(keys))).scalars())
        removed["conversation_ref"] = _delete(conn, REF, REF.c.contact.in_(keys))
    if chats:
        removed["outbox_message"] = _cancel_messages(conn, list(chats))
    removed["digest_schedule"] = _unlink(conn, SCHEDULE, SCHEDULE.c.created_by, people)
    removed["campaign"] = _unlink(conn, CAMPAIGN, CAMPAIGN.c.created_by, people)
    removed["access_log"] = _unlink(conn, ACCESS, ACCESS.c.requester, people)
    return {table: n for table, n in removed.items() if n}


def _cancel_messages(conn: Connection, lanes: list[str]) -> int:
    """Clear what is still kept of messages to the person: unsent ones are never sent.

    A sent message keeps no address and no words already (``storage.outbox``). Rows are cleared,
    not deleted: SQLite would give a new row a deleted one's id, which the dispatcher remembers as
    sent, and the reply that confirms the erasure would never go.
    """
    return conn.execute(
        update(OUTBOX)
        .where(OUTBOX.c.lane.in_(lanes), OUTBOX.c.payload.is_not(None) | OUTBOX.c.address.is_not(None))
        .values(payload=None, address=None, status=FAILED, error="erased")
    ).rowcount


def _leave_batches(conn: Connection, response_ids: list[str]) -> None:
    """Take released responses out of their batches' totals (one batch at a time, as they were counted)."""
    released = conn.execute(
        select(RESPONSE.c.batch_id, func.count(), func.sum(_as_int(RESPONSE.c.counts)))
        .where(RESPONSE.c.id.in_(response_ids), RESPONSE.c.batch_id.is_not(None))
        .group_by(RESPONSE.c.batch_id)
    ).all()
    for batch_id, responses, counting in released:
        conn.execute(
            update(BATCH)
            .where(BATCH.c.id == batch_id)
            .values(
                responses=BATCH.c.responses - responses,
                counting_respondents=func.max(0, BATCH.c.counting_respondents - (counting or 0))
                if conn.dialect.name == "sqlite"
                else func.greatest(0, BATCH.c.counting_respondents - (counting or 0)),
            )
        )


def _as_int(column: Any) -> Any:
    from sqlalchemy import Integer, case

    return case((column.is_(True), 1), else_=0).cast(Integer)


def _count(conn: Connection, table: Any, where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(where)).scalar_one())


def _delete(conn: Connection, table: Any, where: Any) -> int:
    return conn.execute(delete(table).where(where)).rowcount


def _unlink(conn: Connection, table: Any, column: Any, people: list[str]) -> int:
    return conn.execute(update(table).where(column.in_(people)).values({column.name: ERASED})).rowcount
