"""The tables. Respondents appear only as pseudonyms; free text is stored already redacted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, Index, Integer, LargeBinary, Table, Text, UniqueConstraint, false
from sqlalchemy import inspect as inspect_model
from sqlmodel import Field, SQLModel


class SurveyResponse(SQLModel, table=True):
    """One person's run through one survey, with the facts about it that digests read.

    The fields after ``released_at`` are kept up to date by the write that changes them (see
    ``storage.response_facts``), so a digest reads one row per response instead of its answers.
    A completed response enters figures only once released in a batch (``storage.releases``):
    ``counts`` says whether it counts towards a batch's threshold (not when its author held a
    manager's or digital lead's role, or came through a channel whose users are not authenticated).
    """

    __tablename__ = "survey_response"
    __table_args__ = (Index("ix_survey_response_survey_started", "survey_id", "started_at"),)

    id: str = Field(primary_key=True, max_length=36)
    survey_id: str = Field(max_length=60)
    survey_version: int
    respondent: str = Field(index=True, max_length=64)
    status: str = Field(max_length=16)
    started_at: datetime
    finished_at: datetime | None = None
    role: str | None = Field(default=None, max_length=60)
    team: str | None = Field(default=None, max_length=60)
    is_demo: bool = False
    counts: bool = True
    batch_id: int | None = None
    released_at: datetime | None = None
    seconds_to_complete: float | None = None
    sus_score: float | None = None
    # Copies of the answers to the questions in ``response_facts.COPIED_ANSWERS``: value and number.
    disruption: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    disruption_number: float | None = None
    time_lost: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    time_lost_number: float | None = None
    consulted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    consulted_number: float | None = None
    # The SUS items' answers (1 to 5), from which ``sus_score`` is worked out.
    sus_1: float | None = None
    sus_2: float | None = None
    sus_3: float | None = None
    sus_4: float | None = None
    sus_5: float | None = None
    sus_6: float | None = None
    sus_7: float | None = None
    sus_8: float | None = None
    sus_9: float | None = None
    sus_10: float | None = None


class Answer(SQLModel, table=True):
    """One answer to one question; a choice answer keeps its value in ``value_text``."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id", name="uq_answer_response_question"),
        Index("ix_answer_question", "question_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    response_id: str = Field(foreign_key="survey_response.id", max_length=36)
    question_id: str = Field(max_length=60)
    kind: str = Field(max_length=20)
    value_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    value_number: float | None = None
    answered_at: datetime


class AnswerChoice(SQLModel, table=True):
    """Each option picked in a multiple-choice answer, so that options can be counted in SQL.

    ``position`` is the option's place in its answer (0 first, so the 0s count the answers). The
    response's survey, start, whether it was abandoned and its release batch are copied here, so
    counting options for a period needs no join (the indexes differ per database: see migrations
    0005 and 0007).
    """

    __tablename__ = "answer_choice"

    response_id: str = Field(foreign_key="survey_response.id", primary_key=True, max_length=36)
    question_id: str = Field(primary_key=True, max_length=60)
    choice: str = Field(primary_key=True, max_length=60)
    position: int = 0
    survey_id: str | None = Field(default=None, max_length=60)
    started_at: datetime | None = None
    abandoned: bool = False
    batch_id: int | None = None
    # Set on release: whether the response counted towards its batch (real, and ``counts``). No
    # default on the Python side, so the turn's INSERT ... SELECT of options leaves it to the table.
    counting: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))


class DialogStateRow(SQLModel, table=True):
    """A user's dialog state as JSON, with a version so two turns cannot both advance it."""

    __tablename__ = "dialog_state"

    respondent: str = Field(primary_key=True, max_length=64)
    state: str = Field(sa_column=Column(Text, nullable=False))
    version: int = 0
    updated_at: datetime


class LegacyPseudonym(SQLModel, table=True):
    """A pseudonym written before Slack's team ids were part of them (migration 0011), not yet joined.

    Slack user ids are unique only within a workspace, so pseudonyms are now made from
    ``slack:T0123:U0123``. The first time a Slack user arrives with their team, the rows kept under
    their old ``slack:U0123`` pseudonym, if it is listed here, are re-keyed to the new one and the
    entry is removed (``storage.pseudonyms``). Every pseudonym stored before 0011 is listed, as the
    database cannot tell a Slack one from another; the others are never matched.
    """

    __tablename__ = "legacy_pseudonym"

    pseudonym: str = Field(primary_key=True, max_length=64)


class ProcessedMessage(SQLModel, table=True):
    """The key of every inbound message already handled: a platform retry or double click is ignored."""

    __tablename__ = "processed_message"

    key: str = Field(primary_key=True, max_length=200)
    processed_at: datetime = Field(index=True)


class ConversationRef(SQLModel, table=True):
    """Where the bot can write to later (a DM, a Teams personal chat or a channel), for proactive messages.

    ``reference`` is the platform's own address (for Teams, the conversation reference with its
    service URL), sealed with the secret key, so no raw platform id is readable at rest. Rows are
    found by ``conversation_key`` (a keyed hash of the conversation) and, for a person's own chat,
    ``contact`` (a keyed hash of the person, different from their pseudonym, so a reference cannot
    be joined to answers).
    """

    __tablename__ = "conversation_ref"
    __table_args__ = (UniqueConstraint("channel", "conversation_key", name="uq_conversation_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    conversation_key: str = Field(max_length=300)
    kind: str = Field(max_length=20)
    contact: str | None = Field(default=None, index=True, max_length=64)
    reference: str = Field(sa_column=Column(Text, nullable=False))
    blocked: bool = False
    updated_at: datetime


class PostedQuestion(SQLModel, table=True):
    """The message that shows a conversation's open question, so it can be updated once answered.

    ``lane`` is the keyed hash of the conversation the outbox delivers in (``outbox_message.lane``).
    """

    __tablename__ = "posted_question"

    lane: str = Field(primary_key=True, max_length=64)
    question_id: str = Field(max_length=60)
    message_id: str = Field(max_length=200)
    posted_at: datetime


class OutboxMessage(SQLModel, table=True):
    """One message to send (a reply, an update of an answered question, a digest, an invitation...).

    Written in the same transaction as what caused it, sent at once by the process that wrote it,
    and retried after failures and restarts. ``lane`` is a keyed hash of the conversation: one
    lane's messages are sent in order. ``address`` says where, in the channel's own terms, sealed
    with the secret key; ``payload`` holds the neutral replies as JSON and is cleared once sent.
    ``op`` is ``post``, ``edit`` (``target`` is the platform's id of the message to replace, or
    ``question_id`` names the question whose message it is) or ``home`` (a home screen).
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_due", "status", "not_before"),
        Index("ix_outbox_message_lane", "lane", "id"),
        Index("ix_outbox_message_key", "message_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    lane: str = Field(max_length=64)
    op: str = Field(max_length=10)
    purpose: str = Field(max_length=20)
    address: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    question_id: str | None = Field(default=None, max_length=60)
    target: str | None = Field(default=None, max_length=200)
    message_key: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=10)
    attempts: int = 0
    error: str | None = Field(default=None, max_length=80)
    created_at: datetime
    not_before: datetime
    sent_at: datetime | None = None


class OutboxLane(SQLModel, table=True):
    """Which server process is sending a lane's messages, until when (PostgreSQL, several processes)."""

    __tablename__ = "outbox_lane"

    lane: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=60)
    lease_until: datetime


class PacingSlot(SQLModel, table=True):
    """A rate limit's state shared by every process: its requests' times in the last window (JSON)."""

    __tablename__ = "pacing_slot"

    key: str = Field(primary_key=True, max_length=120)
    times: str = Field(sa_column=Column(Text, nullable=False))


class GuidanceAnswer(SQLModel, table=True):
    """A question answered from the guidance (redacted), its sections and feedback; unconfident = a content gap."""

    __tablename__ = "guidance_answer"

    id: str = Field(primary_key=True, max_length=36)
    question: str = Field(sa_column=Column(Text, nullable=False))
    sections: str = Field(default="", max_length=400)
    confident: bool
    helpful: bool | None = None
    asked_at: datetime = Field(index=True)
    feedback_at: datetime | None = None


class DigestSchedule(SQLModel, table=True):
    """A channel's subscription to a digest: a cron rule read in the council's time zone."""

    __tablename__ = "digest_schedule"
    __table_args__ = (Index("ix_digest_schedule_due", "stopped_at", "next_due_at"),)

    id: str = Field(primary_key=True, max_length=36)
    channel: str = Field(max_length=20)
    # A keyed hash of the conversation (to list its schedules) and where to post, sealed.
    conversation_key: str = Field(max_length=300)
    address: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    survey_id: str = Field(max_length=60)
    period: str = Field(max_length=30)
    cron: str = Field(max_length=100)
    description: str = Field(max_length=120)
    created_by: str = Field(max_length=64)
    created_at: datetime
    next_due_at: datetime
    stopped_at: datetime | None = None


class DigestRun(SQLModel, table=True):
    """The claim on one scheduled digest: the unique (schedule, due time) lets one process post it."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("schedule_id", "due_at", name="uq_digest_run_schedule_due"),)

    id: int | None = Field(default=None, primary_key=True)
    schedule_id: str = Field(foreign_key="digest_schedule.id", max_length=36)
    due_at: datetime
    status: str = Field(max_length=16)
    claimed_by: str = Field(max_length=60)
    claimed_at: datetime
    finished_at: datetime | None = None


class ReportImage(SQLModel, table=True):
    """A chart kept for a while so a channel that needs an address for it (Teams cards) can link to it."""

    __tablename__ = "report_image"

    id: str = Field(primary_key=True, max_length=36)
    png: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime
    expires_at: datetime = Field(index=True)


class ReleaseBatch(SQLModel, table=True):
    """Completed responses of one survey released into figures together (``storage.releases``).

    A batch is made once the unreleased responses that count come from at least ``min_group_size``
    people; it takes every unreleased completed response of the survey (demo responses are
    batched among themselves). ``sequence`` numbers a survey's batches from 1, and ids and
    ``released_at`` grow with it, so a period's batches are one run of ids.
    """

    __tablename__ = "release_batch"
    __table_args__ = (
        UniqueConstraint("survey_id", "sequence", name="uq_release_batch_sequence"),
        Index("ix_release_batch_released", "survey_id", "released_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: str = Field(max_length=60)
    sequence: int
    released_at: datetime
    is_demo: bool = False
    responses: int
    counting_respondents: int
    min_group_size: int


class ReleasePolicy(SQLModel, table=True):
    """The threshold batches are released with, kept in the database so every process uses one rule."""

    __tablename__ = "release_policy"

    id: int = Field(default=1, primary_key=True)
    min_group_size: int
    updated_at: datetime


class ReleasedPopulation(SQLModel, table=True):
    """A population a shown figure was computed over, remembered for query auditing.

    The responses of ``survey_id`` in batches ``first_batch`` to ``last_batch`` (and, for a group
    of a breakdown, whose ``field`` has ``value``; '' stands for "not given", and ``field`` '' for
    the whole population). A new figure whose population differs from one of these by a few
    people is refused (``bot.reports.audit``).
    """

    __tablename__ = "released_population"
    __table_args__ = (
        UniqueConstraint(
            "survey_id", "field", "value", "first_batch", "last_batch", name="uq_released_population"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: str = Field(max_length=60)
    field: str = Field(max_length=20)
    value: str = Field(max_length=60)
    first_batch: int
    last_batch: int
    released_at: datetime


def table_of(model: type[SQLModel]) -> Table:
    """The Core ``Table`` of a table model, for queries written in SQLAlchemy Core.

    SQLModel does not declare ``__table__`` to type checkers, so this asks the mapper for it.
    """
    table = inspect_model(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a single table")
    return table


class Campaign(SQLModel, table=True):
    """A survey run across an audience: invitations, reminders, a closing date (``storage.campaigns``).

    ``conversation_key`` is a keyed hash of the conversation it was started in, ``address`` where
    to write there (sealed) and ``audience`` what it asked the platform for (sealed: a user group
    or team id). ``reminders_at`` is the planned reminders' UTC times, comma-separated;
    ``reminders_sent`` how many have gone, moved on in the transaction that writes one.
    """

    __tablename__ = "campaign"
    __table_args__ = (
        Index("ix_campaign_conversation", "channel", "conversation_key"),
        Index("ix_campaign_status", "status"),
    )

    id: str = Field(primary_key=True, max_length=36)
    number: int
    channel: str = Field(max_length=20)
    conversation_key: str = Field(max_length=300)
    address: str = Field(sa_column=Column(Text, nullable=False))
    audience: str = Field(sa_column=Column(Text, nullable=False))
    audience_label: str = Field(max_length=120)
    survey_id: str = Field(max_length=60)
    status: str = Field(max_length=16)
    created_by: str = Field(max_length=64)
    created_at: datetime
    launched_at: datetime | None = None
    closes_at: datetime
    grace_until: datetime | None = None
    closed_at: datetime | None = None
    reminders_at: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    reminders_sent: int = 0
    repeat_months: int | None = None
    repeat_of: str | None = Field(default=None, max_length=36)
    left_out: int = 0
    channel_posted: bool = False
    addresses_until: datetime | None = None
    follow_up_at: datetime | None = None


class CampaignMember(SQLModel, table=True):
    """One person of a campaign's audience, by pseudonym; where to write to them is kept apart.

    ``state``: ``pending`` (not yet invited), ``invited``, ``declined`` ("Not this time"),
    ``stopped`` (``stop reminders``), ``left`` (no longer in the audience). ``reach``: how the
    invitation got there (``direct``, ``channel``, ``failed``, or None while on its way).
    """

    __tablename__ = "campaign_member"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person", name="uq_campaign_member"),
        Index("ix_campaign_member_state", "campaign_id", "state"),
        Index("ix_campaign_member_outbox", "outbox_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: str = Field(foreign_key="campaign.id", max_length=36)
    person: str = Field(max_length=64)
    state: str = Field(max_length=16)
    reach: str | None = Field(default=None, max_length=16)
    invited_at: datetime | None = None
    reminded: int = 0
    outbox_id: int | None = None


class CampaignContact(SQLModel, table=True):
    """Where to write to a campaign member (sealed), deleted a set time after the campaign closes."""

    __tablename__ = "campaign_contact"

    member_id: int = Field(primary_key=True, foreign_key="campaign_member.id")
    campaign_id: str = Field(max_length=36, index=True)
    address: str = Field(sa_column=Column(Text, nullable=False))


class AccessLogEntry(SQLModel, table=True):
    """One access to results or personal data (digest, plan, export, subject access, erasure, refusal).

    Says when, on which channel, who asked (their pseudonym and role, or ``admin`` for the command
    line) and what was asked (the kind, survey and period), never the figures or answers shown.
    Kept for ``GUIDEBOT_RETENTION_AUDIT_DAYS``; listed by ``guidebot audit``.
    """

    __tablename__ = "access_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    kind: str = Field(max_length=30)
    channel: str = Field(max_length=20)
    requester: str = Field(max_length=64)
    role: str = Field(max_length=30)
    survey_id: str = Field(default="", max_length=60)
    period: str = Field(default="", max_length=60)
    detail: str = Field(default="", max_length=200)


class PrivacyNoticeShown(SQLModel, table=True):
    """That a person (by pseudonym) has been shown the privacy notice, so it is shown once unasked."""

    __tablename__ = "privacy_notice_shown"

    person: str = Field(primary_key=True, max_length=64)
    shown_at: datetime


class RetentionRun(SQLModel, table=True):
    """The claim on one day's retention run (``storage.retention``): one process applies the rules.

    ``day`` is the date in the council's time zone; ``removed`` how many rows the run removed or
    cleared, all rules together (the log has them per rule).
    """

    __tablename__ = "retention_run"

    day: str = Field(primary_key=True, max_length=10)
    claimed_by: str = Field(max_length=60)
    claimed_at: datetime
    finished_at: datetime | None = None
    removed: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
