"""Running campaigns: the ``campaign`` command, invitations, reminders, closing and the follow-up.

Every invitation, reminder and follow-up is an outbox row written in the transaction that records
it (a member marked invited, a reminder counted, the follow-up claimed), so a process killed
mid-way loses none and repeats none beyond the outbox's one-per-kill; the outbox paces them to the
platforms' limits. Every server process runs ``run_due``; the conditional updates in
``storage.campaigns`` let only one of them write each step.
"""

from __future__ import annotations

import asyncio
import calendar
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection

from bot.campaigns import messages
from bot.campaigns.calendar import WorkingCalendar
from bot.inbound import Inbound
from bot.logs import failure, get_logger
from bot.runtime import reply_codec
from bot.runtime.adapter import Member, RosterError, RosterSource
from bot.runtime.runtime import Runtime
from bot.settings import Settings
from bot.turn import Continue, TurnHandler, utcnow
from dialogs.campaign_request import HELP, Audience, RequestError, parse_request
from dialogs.model import SurveyDef
from dialogs.replies import Reply, Text
from dialogs.roles import LEADS
from dialogs.values import CommandValue
from storage import campaigns as store
from storage import outbox
from storage.campaigns import CampaignRow, Contact
from storage.outbox import NewMessage, QueuedMessage

log = get_logger(__name__)
INVITE, REMIND, FOLLOW_UP, IN_CHANNEL, CLOSING = (
    "campaign.invite", "campaign.remind", "campaign.follow-up", "campaign.channel", "campaign.close",
)  # fmt: skip
CHUNK = 500
TICK_SECONDS = 30.0
DRAFT_HOURS = 24
DEFAULT_SURVEY = "pain-points"
MAX_FOLLOW_UP = 1000
# Refusals Teams and Slack give for one person that the channel invitation covers instead.
NOT_INSTALLED = frozenset({"not_installed"})
WHO_WORDS = frozenset(
    {"who", "whom", "which", "names", "name", "people", "missing", "non-responders", "nonresponders",
     "responders", "respondents", "answered", "unanswered", "outstanding", "chase", "list-people"}
)  # fmt: skip


# A Slack user mention or id, a Teams mention, an email address.
PERSON = re.compile(
    r"^(<@[uw][a-z0-9]+(\|[^>]*)?>|[uw](?=[a-z0-9]*[0-9])[a-z0-9]{6,}|<at>.*|[^@\s]+@[^@\s]+\.[a-z]+)$"
)


class AlreadyDone(Exception):
    """Another process did this step first: the transaction is undone."""


class Campaigns:
    """The campaign command and the work that runs while the server does."""

    def __init__(
        self,
        settings: Settings,
        turns: TurnHandler,
        runtime: Runtime,
        *,
        clock: Callable[[], datetime] = utcnow,
        digest: Callable[..., Any] | None = None,
    ) -> None:
        self.settings = settings
        self.turns = turns
        self.runtime = runtime
        self.db = turns.db
        self.keys = turns.keys
        self.clock = clock
        self.tz = settings.zone
        opens, closes = settings.working_day
        self.calendar = WorkingCalendar(settings.zone, opens, closes)
        self.k = settings.min_group_size
        # Renders a campaign's digest for the closing message (the reports', when installed).
        self.digest = digest

    def register(self) -> None:
        """Add ``campaign`` (and ``stop reminders``) to the turns, and the invitations' delivery hook."""
        self.turns.add_command("campaign", self.command)
        self.runtime.dispatcher.settled[INVITE] = self._settled
        self.runtime.dispatcher.narrow("campaign.", self.settings.campaign_in_flight)

    # The command.
    async def command(self, inbound: Inbound, args: str) -> list[Reply] | Continue:
        """``campaign ...``: a manager's subcommands, and everyone's buttons on their invitations."""
        words = args.split()
        head = words[0].casefold() if words else ""
        if head in ("join", "decline", "resume") and len(words) == 2:
            return await self._person_button(inbound, head, words[1])
        if head == "stop-reminders":
            return await self._stop_reminders(inbound)
        if not inbound.roles & LEADS:
            log.info(
                "campaign.refused", channel=inbound.channel, respondent=self.turns.respondent(inbound)[:10]
            )
            await self.turns.access.by(inbound, "refusal", detail="campaign")
            return [Text(messages.REFUSAL)]
        if head in ("confirm", "cancel") and len(words) == 2:
            return (
                await self._confirm(inbound, words[1]) if head == "confirm" else await self._cancel(words[1])
            )
        if head == "status":
            if len(words) > 1:
                return [Text(messages.NOBODY)]
            return await self._status(inbound)
        if head == "list":
            if len(words) > 1:
                return [Text(messages.NOBODY)]
            return await self._list(inbound)
        if head in ("stop", "end"):
            return await self._stop(inbound)
        if head in ("follow-up", "followup", "follow"):
            text = args.split(maxsplit=1)[1] if len(words) > 1 else ""
            if head == "follow" and text.casefold().startswith("up"):
                text = text[2:].strip()
            return await self._follow_up(inbound, text)
        if head in ("help", ""):
            return [
                Text(
                    HELP
                    + " Also `campaign status`, `campaign list`, `campaign stop`, `campaign follow-up <message>`."
                )
            ]
        if _asks_who(words):
            log.info("campaign.who_refused", channel=inbound.channel)
            return [Text(messages.NOBODY)]
        return await self._draft(inbound, args)

    async def _draft(self, inbound: Inbound, args: str) -> list[Reply]:
        now = self.clock()
        try:
            request = parse_request(args, today=now.astimezone(self.tz).date())
        except RequestError as exc:
            return [Text(str(exc))]
        survey = self._survey(request.survey or DEFAULT_SURVEY)
        if survey is None:
            known = ", ".join(s.id for s in self.turns.content.catalog.surveys.values() if s.listed)
            return [
                Text(
                    f"I don't know a survey called \u201c{(request.survey or '')[:60]}\u201d. Surveys: {known}."
                )
            ]
        if inbound.is_direct or inbound.later is None:
            return [Text("Start a campaign in the channel or group chat whose members you want to ask.")]
        adapter = self.runtime.dispatcher.adapters.get(inbound.channel)
        if not isinstance(adapter, RosterSource):
            return [Text("Campaigns run in Slack and Microsoft Teams, where I can message people myself.")]
        try:
            roster = await adapter.members(inbound.later, request.audience)
        except RosterError as exc:
            return [Text(str(exc))]
        people, bots, inactive, leads = self._eligible(inbound.channel, roster)
        if not people:
            return [
                Text(
                    "There is nobody there I can ask (bots, deactivated accounts and managers are left out)."
                )
            ]
        closes = self.calendar.evening(request.closes)
        draft = CampaignRow(
            str(uuid.uuid4()), 0, inbound.channel, self._key(inbound), self.keys.seal(dict(inbound.later)),
            self.keys.seal(_audience_json(request.audience)), request.audience.label, survey.id, store.DRAFT,
            self.turns.respondent(inbound), now, closes,
            reminders_at=tuple(self._reminders(now, request.reminder_days, closes)),
            repeat_months=request.repeat_months, left_out=bots + inactive + leads,
        )  # fmt: skip
        members = [
            (
                self.turns.respondent(
                    replace(inbound, user_id=m.user_id, workspace=m.workspace or inbound.workspace)
                ),
                self.keys.seal(dict(m.address)),
            )
            for m in people
        ]
        number = await self.db.write(partial(store.add_draft, campaign=draft, members=members, now=now))
        draft = replace(draft, number=number)
        log.info("campaign.drafted", channel=inbound.channel, people=len(people), left_out=draft.left_out)
        return [
            messages.confirmation(
                draft, people=len(people), bots=bots, inactive=inactive, leads=leads, channel=inbound.channel,
                tz=self.tz, min_group_size=self.k,
            )
        ]  # fmt: skip

    def _eligible(self, channel: str, roster: Sequence[Member]) -> tuple[list[Member], int, int, int]:
        people, bots, inactive, leads, seen = [], 0, 0, 0, set()
        for member in roster:
            if member.user_id in seen:
                continue
            seen.add(member.user_id)
            if member.is_bot:
                bots += 1
            elif not member.active:
                inactive += 1
            elif self.turns.roles(Inbound(channel, member.user_id, "", workspace=member.workspace)) & LEADS:
                leads += 1  # their answers never count, so asking them would only lower the rate
            else:
                people.append(member)
        return people, bots, inactive, leads

    def _reminders(self, now: datetime, days: tuple[int, ...], closes: datetime) -> list[datetime]:
        times = [t for t in self.calendar.reminder_times(now, days) if t < closes]
        return times[: self.settings.campaign_reminders]

    async def _confirm(self, inbound: Inbound, campaign_id: str) -> list[Reply]:
        campaign = await self.db.read(partial(store.get, campaign_id=campaign_id))
        if campaign is None or campaign.status == store.CANCELLED:
            return [Text("That campaign was cancelled or has expired; type `campaign` to set one up again.")]
        if campaign.status != store.DRAFT:
            return [
                Text(
                    f"Campaign {campaign.number} has already started. `campaign status` shows how it is going."
                )
            ]
        now = self.clock()
        # Reminders count from the real launch: a draft started on a later day moves them on as much.
        late = (now.astimezone(self.tz).date() - campaign.created_at.astimezone(self.tz).date()).days
        reminders = [
            self.calendar.morning(
                self.calendar.next_working_day(t.astimezone(self.tz).date() + timedelta(days=late))
            )
            if late
            else t
            for t in campaign.reminders_at
        ]
        reminders = sorted(t for t in set(reminders) if t < campaign.closes_at)
        if not await self.db.write(
            partial(store.launch, campaign_id=campaign_id, now=now, reminders_at=reminders)
        ):
            return [Text(f"Campaign {campaign.number} has already started.")]
        log.info("campaign.launched", channel=campaign.channel, campaign=campaign_id)
        self.runtime.later(self._invite_all(campaign_id), name="campaign.invite")
        counts = await self.db.read(partial(store.counts, campaign_id=campaign_id))
        return [
            Text(
                f"Started: I'm inviting {counts.waiting + counts.invited} people now. `campaign status` shows "
                "how many have been reached and, once enough have answered, the response rate."
            )
        ]

    async def _cancel(self, campaign_id: str) -> list[Reply]:
        if await self.db.write(partial(store.cancel, campaign_id=campaign_id)):
            return [Text("Cancelled: nobody was asked.")]
        return [Text("That campaign can't be cancelled now (it has started, or was cancelled already).")]

    async def _status(self, inbound: Inbound) -> list[Reply]:
        found = [c for c in await self._mine(inbound) if c.status != store.SCHEDULED]
        if not found:
            return [Text("No campaign has run in this conversation. " + HELP)]
        return [await self._status_of(found[0], inbound.channel)]

    async def _status_of(self, campaign: CampaignRow, channel: str) -> Text:
        counts = await self.db.read(partial(store.counts, campaign_id=campaign.id))
        return messages.status(
            campaign, counts, await self._rate(campaign, counts), tz=self.tz, channel=channel
        )

    async def _rate(self, campaign: CampaignRow, counts: store.Counts | None = None) -> str:
        survey = self._survey(campaign.survey_id)
        stored_as = survey.stored_as if survey is not None else campaign.survey_id
        start = campaign.launched_at or campaign.created_at
        over = campaign.grace_until is not None and campaign.grace_until <= self.clock()

        def read(conn: Connection) -> tuple[store.Counts, int, int | None]:
            found = counts or store.counts(conn, campaign.id)
            done = store.answered(conn, stored_as, start, campaign.grace_until)
            began = (
                store.started(conn, stored_as, start, campaign.grace_until)
                if over and campaign.grace_until
                else None
            )
            return found, done, began

        found, done, began = await self.db.read(read)
        return messages.rate_line(campaign, found, done, started=began, min_group_size=self.k, tz=self.tz)

    async def rate_lines(self, survey: SurveyDef, start: datetime | None, end: datetime | None) -> list[str]:
        """The response rate of every campaign of ``survey`` overlapping a digest's period."""
        found = await self.db.read(partial(store.overlapping, survey_id=survey.id, start=start, end=end))
        return [await self._rate(c) for c in found]

    async def _list(self, inbound: Inbound) -> list[Reply]:
        found = await self._mine(inbound)
        if not found:
            return [Text("No campaign has run in this conversation.")]
        lines = ["Campaigns here:"]
        for c in found:
            ends = c.closed_at or c.closes_at
            if c.status == store.SCHEDULED:
                lines.append(
                    f"{c.number}. {c.survey_id}, {c.audience_label}: starts {messages.day(c.created_at, self.tz)}"
                )
                continue
            lines.append(
                f"{c.number}. {c.survey_id}, {c.audience_label}: {c.status}, "
                f"{'closed' if c.status != store.RUNNING else 'closes'} {messages.day(ends, self.tz)}"
            )
        return [Text("\n".join(lines))]

    async def _stop(self, inbound: Inbound) -> list[Reply]:
        mine = await self._mine(inbound)
        planned = [c for c in mine if c.status == store.SCHEDULED]
        for campaign in planned:  # a repeat not yet started is dropped too
            if await self.db.write(partial(store.claim_repeat, campaign_id=campaign.id)):
                await self.db.write(partial(store.cancel, campaign_id=campaign.id))
        running = [c for c in mine if c.status == store.RUNNING]
        if not running:
            return [
                Text("No campaign is running here." + (" Its next run will not start." if planned else ""))
            ]
        for campaign in running:
            await self._close(campaign, status=store.STOPPED)
        return [
            Text(
                f"Stopped campaign {running[0].number}: no more invitations or reminders. Its buttons now say it has closed."
            )
        ]

    async def _follow_up(self, inbound: Inbound, text: str) -> list[Reply]:
        if not text.strip():
            return [Text("Type the message after `campaign follow-up`, for example: `campaign follow-up You told us "
                          "searching was slow; search now finds a child's record in two steps.`")]  # fmt: skip
        if len(text) > MAX_FOLLOW_UP:
            return [Text(f"Please keep a follow-up under {MAX_FOLLOW_UP} characters; it is read on phones.")]
        done = [c for c in await self._mine(inbound) if c.status in (store.CLOSED, store.STOPPED)]
        if not done:
            return [
                Text(
                    "A follow-up goes to everyone invited once a campaign has closed; none has closed here yet."
                )
            ]
        campaign = done[0]
        if campaign.addresses_until is not None and campaign.addresses_until <= self.clock():
            return [Text(
                f"I no longer keep the addresses of campaign {campaign.number}'s people: they were deleted "
                f"{self.settings.campaign_address_days} days after it closed, as the privacy policy says."
            )]  # fmt: skip
        survey = self._survey(campaign.survey_id)
        if survey is None:
            return [Text("That campaign's survey no longer exists.")]
        message = messages.follow_up(campaign, survey, text.strip())
        now = self.clock()

        def write(conn: Connection) -> int:
            if not store.claim_follow_up(conn, campaign.id, now=now):
                return -1
            found = store.contacts(conn, campaign.id)
            self._add(conn, campaign.channel, found, [message], FOLLOW_UP, now)
            return len(found)

        sent = await self.db.write(write)
        if sent < 0:
            return [Text(f"Campaign {campaign.number}'s follow-up has already been sent (one per campaign).")]
        self._nudge()
        return [
            Text(
                f"Sending your follow-up to the {sent} people reached by direct message, paced like the invitations."
            )
        ]

    async def _person_button(self, inbound: Inbound, action: str, campaign_id: str) -> list[Reply] | Continue:
        campaign = await self.db.read(partial(store.get, campaign_id=campaign_id))
        if campaign is None or campaign.status in (store.DRAFT, store.CANCELLED):
            return [Text("I don't know that invitation any more.")]
        now = self.clock()
        over = campaign.status != store.RUNNING or now >= campaign.closes_at
        in_grace = campaign.grace_until is not None and now < campaign.grace_until
        if over and not (action == "resume" and (in_grace or campaign.status == store.RUNNING)):
            return [messages.closed(campaign, self.tz)]
        if action == "decline":
            person = self.turns.respondent(inbound)
            await self.db.write(partial(store.decline, campaign_id=campaign_id, person=person))
            return [Text("Thanks for letting me know: I won't remind you about this survey.")]
        survey = self._survey(campaign.survey_id)
        if survey is None:
            return [Text("That survey no longer exists.")]
        return Continue(replace(inbound, value=CommandValue("start", survey.id), text=None))

    async def _stop_reminders(self, inbound: Inbound) -> list[Reply]:
        stopped = await self.db.write(partial(store.stop_reminders, person=self.turns.respondent(inbound)))
        if stopped:
            return [Text("Done: no more reminders from the surveys you've been invited to.")]
        return [Text("You have no reminders coming.")]

    async def _mine(self, inbound: Inbound) -> list[CampaignRow]:
        return await self.db.read(
            partial(store.of_conversation, channel=inbound.channel, conversation_key=self._key(inbound))
        )

    def _key(self, inbound: Inbound) -> str:
        """The conversation's key. Campaigns belong to a channel, not to the thread they were typed in
        (a Teams channel thread's id is the channel's, then ``;messageid=`` and its first message)."""
        return self.keys.lane(inbound.channel, "campaign:" + inbound.conversation_id.split(";", 1)[0])

    def _survey(self, name: str) -> SurveyDef | None:
        catalog = self.turns.content.catalog
        found = catalog.get(name)
        if found is None:
            found = next((s for s in catalog.surveys.values() if s.id.casefold() == name.casefold()), None)
        return found if found is not None and found.listed else None

    # Sending.
    def _add(
        self, conn: Connection, channel: str, people: Sequence[Contact], replies: list[Reply], purpose: str,
        now: datetime,
    ) -> list[QueuedMessage]:  # fmt: skip
        """One outbox message to each person, in their own lane (no claim: the sweep takes them up)."""
        payload = reply_codec.dumps(replies)
        rows = [
            NewMessage(
                channel,
                self.keys.lane(channel, f"person:{p.person}"),
                outbox.POST,
                purpose,
                p.address,
                payload,
            )
            for p in people
        ]
        # Sending keeps real time (the campaign's clock may be a test's).
        return outbox.add_messages(conn, rows, now=self.runtime.dispatcher.clock())

    def _nudge(self) -> None:
        self.runtime.later(self.runtime.dispatcher.sweep(), name="campaign.sweep")

    async def _invite_all(self, campaign_id: str) -> int:
        """Write the invitations still to be written, a chunk a transaction; returns how many."""
        campaign = await self.db.read(partial(store.get, campaign_id=campaign_id))
        survey = self._survey(campaign.survey_id) if campaign is not None else None
        if campaign is None or survey is None or campaign.status != store.RUNNING:
            return 0
        invitation = messages.invitation(campaign, survey, self.tz)
        total = 0
        while True:

            def write(conn: Connection, now: datetime) -> int:
                taken = store.take_pending(conn, campaign_id, limit=CHUNK, now=now)
                added = self._add(conn, campaign.channel, taken, [invitation], INVITE, now)
                store.set_outbox(conn, [(p.member_id, m.id) for p, m in zip(taken, added, strict=True)])
                return len(taken)

            written = await self.db.write(partial(write, now=self.clock()))
            if not written:
                break
            total += written
            self._nudge()
        if total:
            log.info("campaign.invited", campaign=campaign_id, people=total)
        return total

    def _settled(self, conn: Connection, message: QueuedMessage, error: str | None) -> bool:
        """An invitation was delivered or refused: how the person was reached (in the same transaction).

        A Teams refusal because the app is not installed for the person counts them as reached in
        the channel, and the first one posts the channel's invitation (once per campaign).
        """
        reach = (
            store.DIRECT if error is None else store.IN_CHANNEL if error in NOT_INSTALLED else store.UNREACHED
        )
        found = store.settle(conn, message.id, reach)
        if found is None or reach != store.IN_CHANNEL:
            return False
        campaign = store.get(conn, found[0])
        if campaign is None or not store.mark_channel_posted(conn, campaign.id):
            return False
        survey = self._survey(campaign.survey_id)
        if survey is None:
            return False
        address = self.keys.open(campaign.address)
        adapter = self.runtime.dispatcher.adapters.get(campaign.channel)
        if adapter is None:
            return False
        lane = self.keys.lane(campaign.channel, adapter.conversation(address))
        row = NewMessage(
            campaign.channel, lane, outbox.POST, IN_CHANNEL, campaign.address,
            reply_codec.dumps([messages.invitation(campaign, survey, self.tz, in_channel=True)]),
        )  # fmt: skip
        outbox.add_messages(conn, [row], now=self.runtime.dispatcher.clock())
        return True

    # What runs while the server does.
    async def run_due(self) -> list[str]:
        """One pass: invitations left to write, reminders due, campaigns to close.

        Addresses past their keeping date are deleted by the daily retention job (``bot.retention``).
        """
        now = self.clock()
        done: list[str] = []
        await self.db.write(partial(store.drop_stale_drafts, before=now - timedelta(hours=DRAFT_HOURS)))
        for planned in await self.db.read(lambda conn: store.with_status(conn, store.SCHEDULED)):
            if planned.created_at <= now and await self._repeat(planned):
                done.append(f"repeated:{planned.id}")
        for campaign in await self.db.read(lambda conn: store.with_status(conn, store.RUNNING)):
            pending = await self.db.read(partial(store.has_pending, campaign_id=campaign.id))
            if pending and await self._invite_all(campaign.id):
                done.append(f"invited:{campaign.id}")
            if now >= campaign.closes_at:
                if await self._close(campaign):
                    done.append(f"closed:{campaign.id}")
                continue
            due = campaign.next_reminder
            if due is not None and due <= now and self.calendar.working_time(now) == now:
                sent = await self._remind(campaign)
                if sent is not None:
                    done.append(f"reminded:{campaign.id}:{sent}")
        return done

    async def _remind(self, campaign: CampaignRow) -> int | None:
        """Refresh the audience, then write reminder number ``reminders_sent + 1`` (once, whichever process)."""
        survey = self._survey(campaign.survey_id)
        if survey is None:
            return None
        await self._refresh_audience(campaign)
        now = self.clock()
        remind = {
            paused: messages.reminder(campaign, survey, self.tz, paused=paused) for paused in (False, True)
        }

        def write(conn: Connection) -> int | None:
            if not store.claim_reminder(conn, campaign.id, campaign.reminders_sent):
                return None
            people = store.to_remind(conn, campaign, survey_id=survey.stored_as)
            for paused in (False, True):
                group = [p for p in people if p.paused is paused]
                self._add(conn, campaign.channel, group, [remind[paused]], REMIND, now)
            store.mark_reminded(conn, [p.member_id for p in people])
            return len(people)

        sent = await self.db.write(write)
        if sent is not None:
            log.info(
                "campaign.reminded", campaign=campaign.id, number=campaign.reminders_sent + 1, people=sent
            )
            self._nudge()
        return sent

    async def _refresh_audience(self, campaign: CampaignRow) -> None:
        """People who have left the conversation or group since the launch get no reminder."""
        adapter = self.runtime.dispatcher.adapters.get(campaign.channel)
        if not isinstance(adapter, RosterSource):
            return
        try:
            roster = await adapter.members(
                self.keys.open(campaign.address), _audience_of(self.keys.open(campaign.audience))
            )
        except (
            Exception
        ) as exc:  # without a roster (RosterError, a network failure) everyone still invited is reminded
            log.warning("campaign.roster_failed", campaign=campaign.id, error=type(exc).__name__)
            return
        present = {
            self.turns.respondent(Inbound(campaign.channel, m.user_id, "", workspace=m.workspace))
            for m in roster
        }
        members = await self.db.read(partial(store.members_of, campaign_id=campaign.id))
        gone = [person for _, person, state in members if state == store.INVITED and person not in present]
        if gone:
            await self.db.write(partial(store.mark_left, campaign_id=campaign.id, people=gone))

    async def _close(self, campaign: CampaignRow, *, status: str = store.CLOSED) -> bool:
        """Close (or stop) a campaign, posting its digest to its conversation in the same transaction."""
        now = self.clock()
        grace = now + timedelta(hours=self.settings.campaign_grace_hours)
        keep = now + timedelta(days=self.settings.campaign_address_days)
        closed = replace(campaign, status=status, closed_at=now, grace_until=grace, addresses_until=keep)

        def record(conn: Connection) -> None:
            if not store.close(
                conn, campaign.id, now=now, grace_until=grace, addresses_until=keep, status=status
            ):
                raise AlreadyDone(campaign.id)
            if campaign.repeat_months and status == store.CLOSED and campaign.launched_at is not None:
                later = _months_later(campaign.launched_at, campaign.repeat_months, self.tz)
                store.schedule_repeat(
                    conn, campaign, new_id=str(uuid.uuid4()), launch_at=self.calendar.working_time(later)
                )

        replies: list[Reply] = []
        if status == store.CLOSED:
            replies.append(Text(f"Campaign {campaign.number} ({campaign.survey_id}) has closed. "
                                f"Anyone part-way through has until {messages.day(grace, self.tz)} "
                                f"{grace.astimezone(self.tz):%H:%M} to finish."))  # fmt: skip
            replies.append(Text(await self._rate(closed)))
            if self.digest is not None:
                try:
                    replies += await self.digest(closed)
                except Exception as exc:  # the closing is recorded even if the digest cannot be drawn
                    log.warning("campaign.digest_failed", **failure(exc))
        try:
            if replies:
                said = await self.runtime.send_sealed(
                    campaign.channel, campaign.address, replies, purpose=CLOSING, also=record
                )
                if said != "queued":
                    await self.db.write(record)
            else:
                await self.db.write(record)
        except AlreadyDone:
            return False
        log.info("campaign.closed", campaign=campaign.id, status=status)
        return True

    async def _repeat(self, planned: CampaignRow) -> bool:
        """Launch the next run of a repeating campaign: its audience read again, then invitations."""
        if not await self.db.write(partial(store.claim_repeat, campaign_id=planned.id)):
            return False
        adapter = self.runtime.dispatcher.adapters.get(planned.channel)
        try:
            if not isinstance(adapter, RosterSource):
                raise RosterError("channel off")
            roster = await adapter.members(
                self.keys.open(planned.address), _audience_of(self.keys.open(planned.audience))
            )
        except Exception as exc:  # the draft is dropped like any other; the manager is told
            log.warning("campaign.repeat_failed", campaign=planned.id, error=type(exc).__name__)
            await self.runtime.send_sealed(
                planned.channel, planned.address,
                [Text(f"I couldn't read who to ask for the next {planned.survey_id} campaign, so it has not started. "
                      "Type `campaign` to start one.")],
                purpose=CLOSING,
            )  # fmt: skip
            await self.db.write(partial(store.cancel, campaign_id=planned.id))
            return False
        people, *_ = self._eligible(planned.channel, roster)
        members = [
            (
                self.turns.respondent(Inbound(planned.channel, m.user_id, "", workspace=m.workspace)),
                self.keys.seal(dict(m.address)),
            )
            for m in people
        ]
        now = self.clock()
        previous = planned.reminders_at
        start = (
            (await self.db.read(partial(store.get, campaign_id=planned.repeat_of or "")))
            if planned.repeat_of
            else None
        )
        days = tuple(
            (t.astimezone(self.tz).date() - start.launched_at.astimezone(self.tz).date()).days
            for t in previous
            if start is not None and start.launched_at is not None
        )
        reminders = self._reminders(now, days, planned.closes_at)

        def write(conn: Connection) -> bool:
            store.add_members(conn, planned.id, members)
            return store.launch(conn, planned.id, now=now, reminders_at=reminders)

        if not await self.db.write(write):
            return False
        log.info("campaign.repeated", campaign=planned.id, people=len(members))
        await self._invite_all(planned.id)
        return True

    async def run_forever(self, tick: float = TICK_SECONDS) -> None:
        """``run_due`` every ``tick`` seconds until cancelled."""
        while True:
            try:
                await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("campaign.tick_failed", **failure(exc))
            await asyncio.sleep(tick)


def _months_later(moment: datetime, months: int, tz: Any) -> datetime:
    """The same local time ``months`` later (the last day of a shorter month)."""
    local = moment.astimezone(tz)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(UTC)


def _asks_who(words: list[str]) -> bool:
    """Whether a campaign request asks about people: who, a name or a person's mention or id."""
    lowered = {w.casefold().strip("?.,!") for w in words}
    return bool(lowered & WHO_WORDS) or any(PERSON.match(w) for w in lowered)


def _audience_json(audience: Audience) -> dict[str, str]:
    return {"kind": audience.kind, "ref": audience.ref, "label": audience.label}


def _audience_of(raw: dict[str, str]) -> Audience:
    return Audience(raw.get("kind", "conversation"), raw.get("ref", ""), raw.get("label", ""))
