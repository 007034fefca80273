"""Campaigns, their members (by pseudonym) and the sealed contacts used to write to them.

Invitations and reminders are written to the outbox by the caller in the same transaction as the
change recorded here: a member goes from ``pending`` to ``invited`` only with its invitation's row
(``invite``), and a campaign's reminder count moves on only with that reminder's rows
(``claim_reminder``). Both are conditional updates, so with several processes on PostgreSQL only
one of them writes each invitation and each reminder, however many try at once.

No figure here names anyone: counts are of members, and the completed count is of people in
released batches (``answered``), which moves only by whole batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, delete, distinct, func, insert, select, update

from storage.models import Campaign, CampaignContact, CampaignMember, ReleaseBatch, SurveyResponse, table_of

CAMPAIGN = table_of(Campaign)
MEMBER = table_of(CampaignMember)
CONTACT = table_of(CampaignContact)
BATCH = table_of(ReleaseBatch)
RESPONSE = table_of(SurveyResponse)
DRAFT, RUNNING, CLOSED, STOPPED, CANCELLED = "draft", "running", "closed", "stopped", "cancelled"
PENDING, INVITED, DECLINED, OPTED_OUT, LEFT = "pending", "invited", "declined", "stopped", "left"
DIRECT, IN_CHANNEL, UNREACHED = "direct", "channel", "failed"


@dataclass(frozen=True, slots=True)
class CampaignRow:
    """A stored campaign (addresses still sealed)."""

    id: str
    number: int
    channel: str
    conversation_key: str
    address: str
    audience: str
    audience_label: str
    survey_id: str
    status: str
    created_by: str
    created_at: datetime
    closes_at: datetime
    launched_at: datetime | None = None
    grace_until: datetime | None = None
    closed_at: datetime | None = None
    reminders_at: tuple[datetime, ...] = ()
    reminders_sent: int = 0
    repeat_months: int | None = None
    repeat_of: str | None = None
    left_out: int = 0
    channel_posted: bool = False
    addresses_until: datetime | None = None
    follow_up_at: datetime | None = None

    @property
    def next_reminder(self) -> datetime | None:
        """When the next reminder is due, if one is still to go."""
        if self.reminders_sent < len(self.reminders_at):
            return self.reminders_at[self.reminders_sent]
        return None


@dataclass(frozen=True, slots=True)
class Counts:
    """How many were invited and reached each way; never who."""

    invited: int = 0
    direct: int = 0
    in_channel: int = 0
    unreached: int = 0
    waiting: int = 0

    @property
    def reached(self) -> int:
        """Reached by a direct message or by the invitation in the channel."""
        return self.direct + self.in_channel


@dataclass(frozen=True, slots=True)
class Contact:
    """A member to write to: its row id, pseudonym and sealed address."""

    member_id: int
    person: str
    address: str
    paused: bool = field(default=False)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _row(r: object) -> CampaignRow:
    m = r._mapping  # type: ignore[attr-defined]
    times = tuple(datetime.fromisoformat(t) for t in (m["reminders_at"] or "").split(",") if t)
    return CampaignRow(
        m["id"], m["number"], m["channel"], m["conversation_key"], m["address"], m["audience"],
        m["audience_label"], m["survey_id"], m["status"], m["created_by"], _utc(m["created_at"]),  # type: ignore[arg-type]
        _utc(m["closes_at"]), _utc(m["launched_at"]), _utc(m["grace_until"]), _utc(m["closed_at"]),  # type: ignore[arg-type]
        times, m["reminders_sent"], m["repeat_months"], m["repeat_of"], m["left_out"], bool(m["channel_posted"]),
        _utc(m["addresses_until"]), _utc(m["follow_up_at"]),
    )  # fmt: skip


def add_draft(
    conn: Connection, campaign: CampaignRow, members: Sequence[tuple[str, str]], *, now: datetime
) -> int:
    """Store a campaign waiting for the manager's Start, with its members (pseudonym, sealed address).

    Returns the campaign's number in its conversation.
    """
    number = (
        conn.execute(
            select(func.max(CAMPAIGN.c.number)).where(
                CAMPAIGN.c.channel == campaign.channel,
                CAMPAIGN.c.conversation_key == campaign.conversation_key,
            )
        ).scalar()
        or 0
    ) + 1
    conn.execute(
        insert(CAMPAIGN).values(
            id=campaign.id, number=number, channel=campaign.channel, conversation_key=campaign.conversation_key,
            address=campaign.address, audience=campaign.audience, audience_label=campaign.audience_label,
            survey_id=campaign.survey_id, status=DRAFT, created_by=campaign.created_by, created_at=now,
            closes_at=campaign.closes_at, reminders_at=_times(campaign.reminders_at),
            repeat_months=campaign.repeat_months, repeat_of=campaign.repeat_of, left_out=campaign.left_out,
        )
    )  # fmt: skip
    add_members(conn, campaign.id, members)
    return number


def add_members(conn: Connection, campaign_id: str, members: Sequence[tuple[str, str]]) -> None:
    """Add pending members and their sealed contacts (one person once)."""
    seen: set[str] = set()
    for person, address in members:
        if person in seen:
            continue
        seen.add(person)
        member_id = conn.execute(
            insert(MEMBER)
            .values(campaign_id=campaign_id, person=person, state=PENDING, reminded=0)
            .returning(MEMBER.c.id)
        ).scalar_one()
        conn.execute(insert(CONTACT).values(member_id=member_id, campaign_id=campaign_id, address=address))


def _times(times: Iterable[datetime]) -> str:
    return ",".join(t.astimezone(UTC).isoformat() for t in times)


def get(conn: Connection, campaign_id: str) -> CampaignRow | None:
    """One campaign."""
    row = conn.execute(select(CAMPAIGN).where(CAMPAIGN.c.id == campaign_id)).first()
    return _row(row) if row is not None else None


def of_conversation(conn: Connection, *, channel: str, conversation_key: str) -> list[CampaignRow]:
    """A conversation's campaigns (not drafts or cancelled ones), newest first."""
    rows = conn.execute(
        select(CAMPAIGN)
        .where(
            CAMPAIGN.c.channel == channel,
            CAMPAIGN.c.conversation_key == conversation_key,
            CAMPAIGN.c.status.in_([RUNNING, CLOSED, STOPPED, "scheduled"]),
        )
        .order_by(CAMPAIGN.c.created_at.desc(), CAMPAIGN.c.number.desc())
    )
    return [_row(r) for r in rows]


def with_status(conn: Connection, *statuses: str) -> list[CampaignRow]:
    """Every campaign in one of ``statuses``."""
    return [_row(r) for r in conn.execute(select(CAMPAIGN).where(CAMPAIGN.c.status.in_(statuses)))]


def launch(conn: Connection, campaign_id: str, *, now: datetime, reminders_at: Sequence[datetime]) -> bool:
    """A draft starts running (True for the one caller that moved it)."""
    return (
        conn.execute(
            update(CAMPAIGN)
            .where(CAMPAIGN.c.id == campaign_id, CAMPAIGN.c.status == DRAFT)
            .values(status=RUNNING, launched_at=now, reminders_at=_times(reminders_at))
        ).rowcount
        == 1
    )


def cancel(conn: Connection, campaign_id: str) -> bool:
    """A draft is dropped, with its members and their contacts."""
    done = (
        conn.execute(
            update(CAMPAIGN)
            .where(CAMPAIGN.c.id == campaign_id, CAMPAIGN.c.status == DRAFT)
            .values(status=CANCELLED)
        ).rowcount
        == 1
    )
    if done:
        _forget_members(conn, campaign_id)
    return done


def _forget_members(conn: Connection, campaign_id: str) -> None:
    conn.execute(delete(CONTACT).where(CONTACT.c.campaign_id == campaign_id))
    conn.execute(delete(MEMBER).where(MEMBER.c.campaign_id == campaign_id))


def drop_stale_drafts(conn: Connection, *, before: datetime) -> int:
    """Drafts nobody started (or cancelled) since ``before`` are forgotten."""
    ids = list(
        conn.execute(
            select(CAMPAIGN.c.id).where(CAMPAIGN.c.status == DRAFT, CAMPAIGN.c.created_at < before)
        ).scalars()
    )
    for campaign_id in ids:
        cancel(conn, campaign_id)
    return len(ids)


def take_pending(conn: Connection, campaign_id: str, *, limit: int, now: datetime) -> list[Contact]:
    """Up to ``limit`` members not yet invited, now marked invited: the caller writes their invitations
    in this same transaction (and then ``set_outbox``)."""
    candidates = list(
        conn.execute(
            select(MEMBER.c.id)
            .where(MEMBER.c.campaign_id == campaign_id, MEMBER.c.state == PENDING)
            .order_by(MEMBER.c.id)
            .limit(limit)
        ).scalars()
    )
    if not candidates:
        return []
    won = set(
        conn.execute(
            update(MEMBER)
            .where(MEMBER.c.id.in_(candidates), MEMBER.c.state == PENDING)
            .values(state=INVITED, invited_at=now)
            .returning(MEMBER.c.id)
        ).scalars()
    )
    rows = conn.execute(
        select(MEMBER.c.id, MEMBER.c.person, CONTACT.c.address)
        .join(CONTACT, CONTACT.c.member_id == MEMBER.c.id)
        .where(MEMBER.c.id.in_(won))
        .order_by(MEMBER.c.id)
    )
    return [Contact(r.id, r.person, r.address) for r in rows]


def set_outbox(conn: Connection, pairs: Iterable[tuple[int, int]]) -> None:
    """Remember which outbox message carries each member's invitation (member id, outbox id)."""
    for member_id, outbox_id in pairs:
        conn.execute(update(MEMBER).where(MEMBER.c.id == member_id).values(outbox_id=outbox_id))


def has_pending(conn: Connection, campaign_id: str) -> bool:
    """Whether some members are still to be invited."""
    found = conn.execute(
        select(MEMBER.c.id).where(MEMBER.c.campaign_id == campaign_id, MEMBER.c.state == PENDING).limit(1)
    ).first()
    return found is not None


def settle(conn: Connection, outbox_id: int, reach: str) -> tuple[str, str] | None:
    """An invitation was delivered (or not): its member's reach. Returns (campaign id, member state)."""
    row = conn.execute(
        select(MEMBER.c.id, MEMBER.c.campaign_id, MEMBER.c.state).where(MEMBER.c.outbox_id == outbox_id)
    ).first()
    if row is None:
        return None
    conn.execute(update(MEMBER).where(MEMBER.c.id == row.id).values(reach=reach))
    return row.campaign_id, row.state


def mark_channel_posted(conn: Connection, campaign_id: str) -> bool:
    """The invitation in the campaign's channel is to be posted: True for the first caller only."""
    return (
        conn.execute(
            update(CAMPAIGN)
            .where(CAMPAIGN.c.id == campaign_id, CAMPAIGN.c.channel_posted.is_(False))
            .values(channel_posted=True)
        ).rowcount
        == 1
    )


def counts(conn: Connection, campaign_id: str) -> Counts:
    """Invited and reached, by how (members still waiting to be invited are not counted as invited)."""
    rows = conn.execute(
        select(MEMBER.c.state, MEMBER.c.reach, func.count())
        .where(MEMBER.c.campaign_id == campaign_id)
        .group_by(MEMBER.c.state, MEMBER.c.reach)
    ).all()
    invited = direct = channel = failed = waiting = 0
    for state, reach, n in rows:
        if state == PENDING:
            waiting += n
            continue
        invited += n
        direct += n if reach == DIRECT else 0
        channel += n if reach == IN_CHANNEL else 0
        failed += n if reach == UNREACHED else 0
    return Counts(invited, direct, channel, failed, waiting)


def answered(conn: Connection, survey_id: str, start: datetime, end: datetime | None) -> int:
    """People who count, in the survey's batches released in [start, end): moves by whole batches."""
    where = [BATCH.c.survey_id == survey_id, BATCH.c.is_demo.is_(False), BATCH.c.released_at >= start]
    if end is not None:
        where.append(BATCH.c.released_at < end)
    return int(
        conn.execute(select(func.coalesce(func.sum(BATCH.c.counting_respondents), 0)).where(*where)).scalar()
        or 0
    )


def started(conn: Connection, survey_id: str, start: datetime, end: datetime) -> int:
    """People who count and started the survey in [start, end) (shown only once a campaign is over)."""
    return int(
        conn.execute(
            select(func.count(distinct(RESPONSE.c.respondent))).where(
                RESPONSE.c.survey_id == survey_id,
                RESPONSE.c.started_at >= start,
                RESPONSE.c.started_at < end,
                RESPONSE.c.counts.is_(True),
                RESPONSE.c.is_demo.is_(False),
            )
        ).scalar()
        or 0
    )


def claim_reminder(conn: Connection, campaign_id: str, sent: int) -> bool:
    """Reminder number ``sent + 1`` is this caller's to write (in this transaction); True once only."""
    return (
        conn.execute(
            update(CAMPAIGN)
            .where(
                CAMPAIGN.c.id == campaign_id, CAMPAIGN.c.status == RUNNING, CAMPAIGN.c.reminders_sent == sent
            )
            .values(reminders_sent=sent + 1)
        ).rowcount
        == 1
    )


def to_remind(conn: Connection, campaign: CampaignRow, *, survey_id: str) -> list[Contact]:
    """Members to remind: invited and reached by direct message, still in the audience, not opted out,
    and with no completed response of the survey since the launch; ``paused`` when they have one
    under way."""
    since = campaign.launched_at or campaign.created_at
    done = select(RESPONSE.c.respondent).where(
        RESPONSE.c.survey_id == survey_id, RESPONSE.c.status == "completed", RESPONSE.c.finished_at >= since
    )
    under_way = select(RESPONSE.c.respondent).where(
        RESPONSE.c.survey_id == survey_id, RESPONSE.c.status == "in_progress", RESPONSE.c.started_at >= since
    )
    rows = conn.execute(
        select(
            MEMBER.c.id, MEMBER.c.person, CONTACT.c.address, MEMBER.c.person.in_(under_way).label("paused")
        )
        .join(CONTACT, CONTACT.c.member_id == MEMBER.c.id)
        .where(
            MEMBER.c.campaign_id == campaign.id,
            MEMBER.c.state == INVITED,
            MEMBER.c.reach == DIRECT,
            MEMBER.c.person.not_in(done),
        )
        .order_by(MEMBER.c.id)
    )
    return [Contact(r.id, r.person, r.address, bool(r.paused)) for r in rows]


def mark_reminded(conn: Connection, member_ids: Sequence[int]) -> None:
    """Count a reminder against each member."""
    if member_ids:
        conn.execute(update(MEMBER).where(MEMBER.c.id.in_(member_ids)).values(reminded=MEMBER.c.reminded + 1))


def members_of(conn: Connection, campaign_id: str) -> list[tuple[int, str, str]]:
    """Every member (id, pseudonym, state)."""
    return [
        (r.id, r.person, r.state)
        for r in conn.execute(
            select(MEMBER.c.id, MEMBER.c.person, MEMBER.c.state).where(MEMBER.c.campaign_id == campaign_id)
        )
    ]


def mark_left(conn: Connection, campaign_id: str, people: Iterable[str]) -> int:
    """People no longer in the audience get no more reminders."""
    people = list(people)
    if not people:
        return 0
    return conn.execute(
        update(MEMBER)
        .where(MEMBER.c.campaign_id == campaign_id, MEMBER.c.person.in_(people), MEMBER.c.state == INVITED)
        .values(state=LEFT)
    ).rowcount


def decline(conn: Connection, campaign_id: str, person: str, *, state: str = DECLINED) -> bool:
    """A member said "Not this time" (or stop reminders): no reminders for this campaign."""
    return (
        conn.execute(
            update(MEMBER)
            .where(MEMBER.c.campaign_id == campaign_id, MEMBER.c.person == person, MEMBER.c.state == INVITED)
            .values(state=state)
        ).rowcount
        == 1
    )


def stop_reminders(conn: Connection, person: str) -> int:
    """A person wants no more reminders from any running campaign; returns how many it applied to."""
    running = select(CAMPAIGN.c.id).where(CAMPAIGN.c.status == RUNNING)
    return conn.execute(
        update(MEMBER)
        .where(MEMBER.c.person == person, MEMBER.c.state == INVITED, MEMBER.c.campaign_id.in_(running))
        .values(state=OPTED_OUT)
    ).rowcount


def close(
    conn: Connection,
    campaign_id: str,
    *,
    now: datetime,
    grace_until: datetime,
    addresses_until: datetime,
    status: str = CLOSED,
) -> bool:
    """A running campaign closes (or is stopped): True for the one caller that moved it."""
    return (
        conn.execute(
            update(CAMPAIGN)
            .where(CAMPAIGN.c.id == campaign_id, CAMPAIGN.c.status == RUNNING)
            .values(status=status, closed_at=now, grace_until=grace_until, addresses_until=addresses_until)
        ).rowcount
        == 1
    )  # fmt: skip


def contacts(conn: Connection, campaign_id: str) -> list[Contact]:
    """Every invited member still with a contact (a follow-up goes to all of them)."""
    rows = conn.execute(
        select(MEMBER.c.id, MEMBER.c.person, CONTACT.c.address)
        .join(CONTACT, CONTACT.c.member_id == MEMBER.c.id)
        .where(MEMBER.c.campaign_id == campaign_id, MEMBER.c.state != PENDING, MEMBER.c.reach == DIRECT)
        .order_by(MEMBER.c.id)
    )
    return [Contact(r.id, r.person, r.address) for r in rows]


def claim_follow_up(conn: Connection, campaign_id: str, *, now: datetime) -> bool:
    """The one follow-up of a closed campaign is this caller's to write."""
    return (
        conn.execute(
            update(CAMPAIGN)
            .where(CAMPAIGN.c.id == campaign_id, CAMPAIGN.c.follow_up_at.is_(None))
            .values(follow_up_at=now)
        ).rowcount
        == 1
    )


def overlapping(
    conn: Connection, survey_id: str, start: datetime | None, end: datetime | None
) -> list[CampaignRow]:
    """Launched campaigns of a survey whose time (launch to the end of grace) overlaps [start, end)."""
    where = [CAMPAIGN.c.survey_id == survey_id, CAMPAIGN.c.launched_at.is_not(None)]
    if end is not None:
        where.append(CAMPAIGN.c.launched_at < end)
    rows = [
        _row(r) for r in conn.execute(select(CAMPAIGN).where(and_(*where)).order_by(CAMPAIGN.c.launched_at))
    ]
    if start is None:
        return rows
    return [r for r in rows if (r.grace_until or r.closes_at) > start or r.status == RUNNING]


def campaign_person(conn: Connection, campaign_id: str, person: str) -> str | None:
    """A person's state in a campaign (for their own buttons only), or None if not a member."""
    return conn.execute(
        select(MEMBER.c.state).where(MEMBER.c.campaign_id == campaign_id, MEMBER.c.person == person)
    ).scalar()


SCHEDULED = "scheduled"


def schedule_repeat(conn: Connection, campaign: CampaignRow, *, new_id: str, launch_at: datetime) -> None:
    """The next run of a repeating campaign, to launch at ``launch_at`` (its audience is read then)."""
    length = campaign.closes_at - (campaign.launched_at or campaign.created_at)
    conn.execute(
        insert(CAMPAIGN).values(
            id=new_id, number=campaign.number + 1, channel=campaign.channel,
            conversation_key=campaign.conversation_key, address=campaign.address, audience=campaign.audience,
            audience_label=campaign.audience_label, survey_id=campaign.survey_id, status=SCHEDULED,
            created_by=campaign.created_by, created_at=launch_at, closes_at=launch_at + length,
            reminders_at=_times(campaign.reminders_at), repeat_months=campaign.repeat_months,
            repeat_of=campaign.id,
        )
    )  # fmt: skip


def claim_repeat(conn: Connection, campaign_id: str) -> bool:
    """A scheduled run becomes this caller's draft to fill with its audience (True once only)."""
    return (
        conn.execute(
            update(CAMPAIGN)
            .where(CAMPAIGN.c.id == campaign_id, CAMPAIGN.c.status == SCHEDULED)
            .values(status=DRAFT)
        ).rowcount
        == 1
    )
