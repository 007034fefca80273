"""Retention rules: what goes when, counted (a dry run) or removed in SQL, a batch at a time.

Each rule says what it removes, which cut-off it is measured against, how many rows are past it
(``count``) and how to remove one batch of them (``remove``); the daily job (``bot.retention``)
calls ``remove`` until it finds nothing more, one transaction per batch, so no big table is
locked for long and a job stopped half way leaves whole batches done and the rest for next time.

Why each rule is drawn where it is:

* Free-text answers lose their text, not their row: "answered" and everything counted from the
  response stay, the words go. Guidance questions are free text too: their text is blanked and
  the row (confident, helpful) kept.
* Whole responses go with everything derived from them (answers, chosen options, the facts and
  indexes on the response row). A released response goes with its whole release batch, in one
  transaction, once the batch's release time is past the cut-off (then every response in it was
  finished before it): figures then change by whole batches, as release guarantees, so no
  digest before and after can be subtracted to show a few people's answers. The populations the
  query audit remembered only those batches by are removed with them.
* A dialog state holds copies of the answers in progress: one untouched for as long as the
  shorter of the two answer periods goes; a state still pointing at a removed in-progress
  response goes with it, so the person starts afresh rather than answering into nothing.
* Conversation references are only needed to reach a person or channel again: one unused for the
  period goes, unless a live digest schedule in that conversation still needs its record that
  the platform blocked the bot there (campaigns keep their own sealed addresses, which go
  ``GUIDEBOT_CAMPAIGN_ADDRESS_DAYS`` after the campaign closes).
* Sent and failed outgoing messages go a day after they were written (a failure can be sent
  again meanwhile, ``guidebot outbox retry``); one still waiting to be sent stays however old.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, delete, exists, func, select, text, update

from storage.models import (
    AccessLogEntry,
    Answer,
    AnswerChoice,
    Campaign,
    CampaignContact,
    ConversationRef,
    DialogStateRow,
    DigestSchedule,
    GuidanceAnswer,
    OutboxMessage,
    PostedQuestion,
    ProcessedMessage,
    ReleaseBatch,
    ReleasedPopulation,
    ReportImage,
    SurveyResponse,
    table_of,
)
from storage.releases import lock_survey

RESPONSE = table_of(SurveyResponse)
ANSWER = table_of(Answer)
CHOICE = table_of(AnswerChoice)
BATCH = table_of(ReleaseBatch)
RELEASED = table_of(ReleasedPopulation)
STATE = table_of(DialogStateRow)
GUIDANCE = table_of(GuidanceAnswer)
PROCESSED = table_of(ProcessedMessage)
REF = table_of(ConversationRef)
POSTED = table_of(PostedQuestion)
SCHEDULE = table_of(DigestSchedule)
CAMPAIGN = table_of(Campaign)
CONTACT = table_of(CampaignContact)
OUTBOX = table_of(OutboxMessage)
IMAGE = table_of(ReportImage)
ACCESS = table_of(AccessLogEntry)

BATCH_ROWS = 1000
# Sent and failed messages are kept a day for the outbox's own checks (``guidebot outbox``).
SENT_OUTBOX = timedelta(days=1)
LOCK_KEY = 52_000_000_000 + zlib.crc32(b"retention")


@dataclass(frozen=True, slots=True)
class Periods:
    """The retention periods in days, as the settings give them."""

    free_text_days: int
    response_days: int
    processed_days: int
    conversation_days: int
    audit_days: int


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """The moments before which each kind of data goes, worked out from one ``now``."""

    now: datetime
    free_text: datetime
    responses: datetime
    processed: datetime
    conversations: datetime
    audit: datetime

    @classmethod
    def at(cls, now: datetime, periods: Periods) -> Cutoffs:
        """The cut-offs of ``periods`` counted back from ``now``."""
        return cls(
            now=now,
            free_text=now - timedelta(days=periods.free_text_days),
            responses=now - timedelta(days=periods.response_days),
            processed=now - timedelta(days=periods.processed_days),
            conversations=now - timedelta(days=periods.conversation_days),
            audit=now - timedelta(days=periods.audit_days),
        )

    @property
    def states(self) -> datetime:
        """Dialog states hold answers: they go at the shorter of the two answer periods."""
        return max(self.free_text, self.responses)

    @property
    def sent_outbox(self) -> datetime:
        """Sent and failed outbox messages go a day after they were written."""
        return self.now - SENT_OUTBOX


Count = Callable[[Connection, Cutoffs], int]
Remove = Callable[[Connection, Cutoffs, int], int]


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of data and when it goes: ``count`` what is past its cut-off, ``remove`` one batch."""

    name: str
    what: str
    cutoff: Callable[[Cutoffs], datetime]
    count: Count
    remove: Remove
    # How the rule's cut-off is described, e.g. "answered before".
    measured: str


def lock(conn: Connection) -> None:
    """Serialise retention batches across processes until the transaction ends (PostgreSQL only).

    Two servers running the job at once then take turns batch by batch: each row is removed
    once, and the second finds what the first already removed gone.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _count(conn: Connection, table: object, *where: ColumnElement[bool]) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())  # type: ignore[arg-type]


# Free-text answers: the text goes, the answer stays.
def _free_text(c: Cutoffs) -> list[ColumnElement[bool]]:
    return [
        ANSWER.c.kind == "free_text",
        ANSWER.c.value_text.is_not(None),
        ANSWER.c.answered_at < c.free_text,
    ]


def _count_free_text(conn: Connection, c: Cutoffs) -> int:
    return _count(conn, ANSWER, *_free_text(c))


def _remove_free_text(conn: Connection, c: Cutoffs, limit: int) -> int:
    ids = select(ANSWER.c.id).where(*_free_text(c)).limit(limit).scalar_subquery()
    return conn.execute(update(ANSWER).where(ANSWER.c.id.in_(ids)).values(value_text=None)).rowcount


# Guidance questions: the text goes, whether the answer was confident and helpful stays.
def _guidance(c: Cutoffs) -> list[ColumnElement[bool]]:
    return [GUIDANCE.c.question != "", GUIDANCE.c.asked_at < c.free_text]


def _count_guidance(conn: Connection, c: Cutoffs) -> int:
    return _count(conn, GUIDANCE, *_guidance(c))


def _remove_guidance(conn: Connection, c: Cutoffs, limit: int) -> int:
    ids = select(GUIDANCE.c.id).where(*_guidance(c)).limit(limit).scalar_subquery()
    return conn.execute(update(GUIDANCE).where(GUIDANCE.c.id.in_(ids)).values(question="")).rowcount


# Released responses: whole release batches.
def _old_batches(c: Cutoffs) -> ColumnElement[bool]:
    return BATCH.c.released_at < c.responses


def _count_released(conn: Connection, c: Cutoffs) -> int:
    batches = select(BATCH.c.id).where(_old_batches(c))
    return _count(conn, RESPONSE, RESPONSE.c.batch_id.in_(batches))


def _remove_released(conn: Connection, c: Cutoffs, limit: int) -> int:
    """Remove the oldest batches past the cut-off, whole, until ``limit`` responses have gone."""
    removed = 0
    while removed < limit:
        batch = conn.execute(
            select(BATCH.c.id, BATCH.c.survey_id).where(_old_batches(c)).order_by(BATCH.c.id).limit(1)
        ).first()
        if batch is None:
            return removed
        lock_survey(conn, batch.survey_id)
        members = select(RESPONSE.c.id).where(RESPONSE.c.batch_id == batch.id)
        _remove_responses(conn, members)
        removed += conn.execute(delete(RESPONSE).where(RESPONSE.c.batch_id == batch.id)).rowcount
        conn.execute(delete(BATCH).where(BATCH.c.id == batch.id))
        # Earlier batches of the survey went before this one (ids grow with release time).
        conn.execute(
            delete(RELEASED).where(RELEASED.c.survey_id == batch.survey_id, RELEASED.c.last_batch <= batch.id)
        )
    return removed


def _remove_responses(conn: Connection, ids: object) -> None:
    """Everything derived from these responses, before the response rows themselves."""
    conn.execute(delete(CHOICE).where(CHOICE.c.response_id.in_(ids)))  # type: ignore[arg-type]
    conn.execute(delete(ANSWER).where(ANSWER.c.response_id.in_(ids)))  # type: ignore[arg-type]


# Responses in no batch (in progress, abandoned, or completed and waiting for others).
def _unreleased(c: Cutoffs) -> list[ColumnElement[bool]]:
    return [RESPONSE.c.batch_id.is_(None), RESPONSE.c.started_at < c.responses]


def _count_unreleased(conn: Connection, c: Cutoffs) -> int:
    return _count(conn, RESPONSE, *_unreleased(c))


def _remove_unreleased(conn: Connection, c: Cutoffs, limit: int) -> int:
    survey = conn.execute(select(RESPONSE.c.survey_id).where(*_unreleased(c)).limit(1)).scalar()
    if survey is None:
        return 0
    # Under the survey's release lock, read after taking it: none of these can be released into a
    # batch meanwhile, which would leave that batch short of the people it was released with.
    lock_survey(conn, survey)
    rows = conn.execute(
        select(RESPONSE.c.id, RESPONSE.c.respondent, RESPONSE.c.status)
        .where(RESPONSE.c.survey_id == survey, *_unreleased(c))
        .limit(limit)
    ).all()
    ids = [r.id for r in rows]
    for r in rows:
        if r.status == "in_progress":
            conn.execute(
                delete(STATE).where(STATE.c.respondent == r.respondent, STATE.c.state.contains(r.id))
            )
    _remove_responses(conn, ids)
    return conn.execute(delete(RESPONSE).where(RESPONSE.c.id.in_(ids))).rowcount


def _deleting(
    table: object, key: ColumnElement[object], where: Callable[[Cutoffs], list[ColumnElement[bool]]]
) -> tuple[Count, Remove]:
    """A rule that deletes whole rows, ``limit`` at a time chosen by ``key``."""

    def count(conn: Connection, c: Cutoffs) -> int:
        return _count(conn, table, *where(c))

    def remove(conn: Connection, c: Cutoffs, limit: int) -> int:
        keys = select(key).where(*where(c)).limit(limit).scalar_subquery()
        return conn.execute(delete(table).where(key.in_(keys))).rowcount  # type: ignore[arg-type]

    return count, remove


def _unused_refs(c: Cutoffs) -> list[ColumnElement[bool]]:
    # A live schedule posts there and needs the reference's record that the platform blocked the
    # bot. Campaigns keep their own sealed addresses (the campaign's and its contacts'), so no
    # reference is kept for them.
    schedule = exists().where(
        SCHEDULE.c.channel == REF.c.channel,
        SCHEDULE.c.conversation_key == REF.c.conversation_key,
        SCHEDULE.c.stopped_at.is_(None),
    )
    return [REF.c.updated_at < c.conversations, ~schedule]


def _expired_contacts(c: Cutoffs) -> list[ColumnElement[bool]]:
    closed = select(CAMPAIGN.c.id).where(CAMPAIGN.c.addresses_until <= c.now)
    return [CONTACT.c.campaign_id.in_(closed)]


def _rule(
    name: str, what: str, measured: str, cutoff: Callable[[Cutoffs], datetime], pair: tuple[Count, Remove]
) -> Rule:
    return Rule(name, what, cutoff, pair[0], pair[1], measured)


RULES: tuple[Rule, ...] = (
    _rule("free_text_answers", "free-text answers (the text; the answer stays)", "answered before",
          lambda c: c.free_text, (_count_free_text, _remove_free_text)),
    _rule("guidance_questions", "guidance questions (the text; the feedback stays)", "asked before",
          lambda c: c.free_text, (_count_guidance, _remove_guidance)),
    _rule("dialog_states", "conversation states with answers in progress", "untouched since",
          lambda c: c.states, _deleting(STATE, STATE.c.respondent, lambda c: [STATE.c.updated_at < c.states])),
    _rule("released_responses", "responses in figures, whole release batches, with their answers",
          "batch released before", lambda c: c.responses, (_count_released, _remove_released)),
    _rule("unreleased_responses", "responses in no figure, with their answers", "started before",
          lambda c: c.responses, (_count_unreleased, _remove_unreleased)),
    _rule("processed_messages", "ids of inbound messages already handled", "handled before",
          lambda c: c.processed,
          _deleting(PROCESSED, PROCESSED.c.key, lambda c: [PROCESSED.c.processed_at < c.processed])),
    _rule("conversation_refs", "where to write to a person or channel", "unused since",
          lambda c: c.conversations, _deleting(REF, REF.c.id, _unused_refs)),
    _rule("posted_questions", "which message shows a conversation's open question", "posted before",
          lambda c: c.conversations,
          _deleting(POSTED, POSTED.c.lane, lambda c: [POSTED.c.posted_at < c.conversations])),
    _rule("campaign_contacts", "campaign delivery addresses (GUIDEBOT_CAMPAIGN_ADDRESS_DAYS after closing)",
          "keeping date passed by", lambda c: c.now, _deleting(CONTACT, CONTACT.c.member_id, _expired_contacts)),
    _rule("sent_outbox", "sent and failed outgoing messages", "written before", lambda c: c.sent_outbox,
          _deleting(OUTBOX, OUTBOX.c.id,
                    lambda c: [OUTBOX.c.status != "pending", OUTBOX.c.created_at < c.sent_outbox])),
    _rule("report_images", "expired chart images", "expired by", lambda c: c.now,
          _deleting(IMAGE, IMAGE.c.id, lambda c: [IMAGE.c.expires_at <= c.now])),
    _rule("access_log", "access log entries", "recorded before", lambda c: c.audit,
          _deleting(ACCESS, ACCESS.c.id, lambda c: [ACCESS.c.at < c.audit])),
)  # fmt: skip
RULE_NAMES = tuple(rule.name for rule in RULES)


def rule(name: str) -> Rule:
    """The rule called ``name``."""
    for found in RULES:
        if found.name == name:
            return found
    raise KeyError(name)


def counts(conn: Connection, cutoffs: Cutoffs) -> dict[str, int]:
    """How many rows each rule would remove now (changes nothing)."""
    return {r.name: r.count(conn, cutoffs) for r in RULES}


def remove_batch(conn: Connection, name: str, cutoffs: Cutoffs, *, limit: int = BATCH_ROWS) -> int:
    """Remove up to ``limit`` rows of one rule (a released batch whole even past it); returns how many."""
    lock(conn)
    return rule(name).remove(conn, cutoffs, limit)
