"""The ``digest`` and ``plan`` commands, for managers and digital leads in any channel.

``digest [survey] [period]`` posts a digest; ``digest every monday 09:00`` (or ``digest cron ...``)
subscribes the conversation; ``digest schedule`` lists its schedules and ``digest stop`` cancels
them. ``plan [period]`` posts the short plan and a signed link to the full one. Anyone else is
refused politely, and the refusal is logged.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import partial

from bot.access_log import SCHEDULE as SCHEDULED
from bot.inbound import Inbound
from bot.logs import get_logger
from bot.reports.insights import Insights
from bot.reports.periods import (
    DEFAULT_DIGEST_PERIOD,
    DEFAULT_PLAN_PERIOD,
    Period,
    fixed_for,
    is_period,
)
from bot.reports.plan_render import short_text
from bot.reports.schedule_rules import RULE_HELP, next_due, parse_rule
from bot.turn import TurnHandler
from dialogs.model import SurveyDef
from dialogs.replies import Link, Links, Reply, Text
from dialogs.roles import LEADS
from storage import schedules

log = get_logger(__name__)
REFUSAL = (
    "Sorry, digests and the improvement plan are only for managers and digital leads. "
    "If you need one, please ask your digital lead."
)
DEFAULT_SURVEY = "pain-points"


class InsightCommands:
    """Command handlers registered with the turn handler."""

    def __init__(self, insights: Insights, turns: TurnHandler) -> None:
        self.insights = insights
        self.turns = turns

    def register(self) -> None:
        """Add ``digest`` and ``plan`` to the turn handler's commands."""
        self.turns.add_command("digest", self.digest)
        self.turns.add_command("plan", self.plan)

    async def digest(self, inbound: Inbound, args: str) -> list[Reply]:
        """``digest [survey] [period]``, or a schedule subcommand."""
        if refused := await self._refuse(inbound, "digest"):
            return refused
        words = args.split()
        head = words[0].casefold() if words else ""
        if head in ("every", "cron"):
            return await self._subscribe(inbound, words)
        if head in ("schedule", "schedules"):
            return await self._list(inbound)
        if head in ("stop", "cancel", "unsubscribe"):
            return await self._stop(inbound, words[1:])
        if not words and (held := await self._held(inbound)):
            return held
        chosen = self._survey_and_period(words, DEFAULT_DIGEST_PERIOD)
        if isinstance(chosen, str):
            return [Text(chosen)]
        survey, period = chosen
        await self.turns.access.by(inbound, "digest", survey=survey.id, period=period.name)
        # Early in a month nothing may be released yet: the default then shows last month.
        typed = any(is_period(w) for w in words)
        fallback = None if typed else self.insights.period("last-month")
        return await self.insights.digest(survey, period, fallback=fallback)

    async def plan(self, inbound: Inbound, args: str) -> list[Reply]:
        """``plan [period]``: the problem statement and first actions, with a link to the whole plan."""
        if refused := await self._refuse(inbound, "plan"):
            return refused
        chosen = self._survey_and_period(args.split(), DEFAULT_PLAN_PERIOD)
        if isinstance(chosen, str):
            return [Text(chosen)]
        _, period = chosen
        await self.turns.access.by(inbound, "plan", period=period.name)
        plan = await self.insights.plan(period, with_charts=False, every_question=False)
        hours = self.insights.settings.report_link_hours
        return [
            Text(short_text(plan)),
            Links(
                "The whole improvement plan",
                (
                    Link(
                        "Open the plan (prints on A4)",
                        self.insights.plan_url(period),
                        f"The link works for {hours} hours.",
                    ),
                    Link(
                        "The plan in Markdown",
                        self.insights.plan_url(period, "md"),
                        "To paste into a document.",
                    ),
                ),
            ),
        ]

    async def _refuse(self, inbound: Inbound, command: str) -> list[Reply] | None:
        if inbound.roles & LEADS:
            return None
        respondent = self.turns.respondent(inbound)
        log.info("insights.refused", command=command, channel=inbound.channel, respondent=respondent[:10])
        await self.turns.access.by(inbound, "refusal", detail=command)
        return [Text(REFUSAL)]

    def _survey_and_period(self, words: list[str], default_period: str) -> tuple[SurveyDef, Period] | str:
        periods = [w for w in words if is_period(w)]
        name = " ".join(w for w in words if not is_period(w)) or DEFAULT_SURVEY
        survey = self.insights.survey(name)
        if survey is None:
            known = ", ".join(sorted(self.insights.content.catalog.surveys))
            return f"I don't know a survey called \u201c{name[:60]}\u201d. Surveys: {known}."
        try:
            return survey, self.insights.period(periods[0] if periods else default_period)
        except ValueError as exc:
            return str(exc)

    async def _subscribe(self, inbound: Inbound, words: list[str]) -> list[Reply]:
        try:
            rule, rest = parse_rule(words)
        except ValueError as exc:
            return [Text(str(exc))]
        chosen = self._survey_and_period(rest, DEFAULT_DIGEST_PERIOD)
        if isinstance(chosen, str):
            return [Text(chosen)]
        survey, period = chosen
        now, tz = self.insights.clock(), self.insights.settings.zone
        address = self.turns.keys.seal(dict(inbound.later)) if inbound.later is not None else None
        schedule = schedules.Schedule(
            str(uuid.uuid4()), inbound.channel, self._key(inbound), address, survey.stored_as, period.name,
            rule.cron, rule.description, next_due(rule.cron, now, tz),
        )  # fmt: skip
        creator = self.turns.respondent(inbound)
        await self.insights.db.write(
            partial(schedules.add_schedule, schedule=schedule, created_by=creator, now=now)
        )
        first = schedule.next_due_at.astimezone(tz).strftime("%A %-d %B at %H:%M")
        lines = [
            f"Done: I'll post the {survey.id} digest here {rule.description} ({tz.key}), covering {period.label} "
            f"each time. The first is due {first}.",
            "`digest schedule` lists this conversation's schedules; `digest stop` cancels them.",
        ]
        if address is None:
            lines.append(
                "The web chat can't receive messages on its own: each one waits here until you type `digest`."
            )
        return [Text("\n".join(lines))]

    async def _list(self, inbound: Inbound) -> list[Reply]:
        found = await self._schedules(inbound)
        if not found:
            return [Text("No digests are scheduled here. " + RULE_HELP)]
        tz = self.insights.settings.zone
        lines = ["Digests scheduled here:"]
        for i, s in enumerate(found, 1):
            due = s.next_due_at.astimezone(tz).strftime("%a %-d %b %H:%M")
            lines.append(f"{i}. {s.survey_id}, {s.period}, {s.description} (next: {due})")
        lines.append(
            "`digest stop` cancels them"
            + ("; `digest stop 2` cancels the second." if len(found) > 1 else ".")
        )
        return [Text("\n".join(lines))]

    async def _stop(self, inbound: Inbound, words: list[str]) -> list[Reply]:
        found = await self._schedules(inbound)
        if words and words[0].isdigit():
            index = int(words[0]) - 1
            if not 0 <= index < len(found):
                return [Text(f"There is no schedule {words[0]} here; `digest schedule` lists them.")]
            found = [found[index]]
        if not found:
            return [Text("No digests are scheduled here.")]
        stopped = await self.insights.db.write(
            partial(schedules.stop_schedules, ids=[s.id for s in found], now=self.insights.clock())
        )
        return [Text(f"Stopped {stopped} scheduled digest{'s' if stopped != 1 else ''} here.")]

    async def _schedules(self, inbound: Inbound) -> list[schedules.Schedule]:
        return await self.insights.db.read(
            partial(
                schedules.conversation_schedules, channel=inbound.channel, conversation_key=self._key(inbound)
            )
        )

    def _key(self, inbound: Inbound) -> str:
        """The conversation's key: schedules are found by it, never by the platform's own id."""
        return self.turns.keys.lane(inbound.channel, inbound.conversation_id)

    async def _held(self, inbound: Inbound) -> list[Reply]:
        """Scheduled digests kept for this conversation (the web chat): the latest, as it was when due."""
        held = await self.insights.db.read(
            partial(schedules.held_runs, channel=inbound.channel, conversation_key=self._key(inbound))
        )
        if not held:
            return []
        schedule, due_at = held[-1]
        replies = await scheduled_digest(self.insights, schedule, due_at)
        await self.insights.db.write(partial(schedules.mark_delivered, runs=held, now=self.insights.clock()))
        if len(held) > 1:
            replies.insert(0, Text(f"{len(held)} scheduled digests were waiting; here is the latest."))
        return replies


async def scheduled_digest(insights: Insights, schedule: schedules.Schedule, due_at: datetime) -> list[Reply]:
    """A scheduled digest as it stood when it was due, with a line saying how to stop it."""
    survey = insights.survey(schedule.survey_id)
    note = ""
    name = schedule.period
    if (fixed := fixed_for(name)) is not None:
        note = (
            f" It was set up for {name}; digests now cover fixed periods (rolling windows that overlap "
            f"could single someone out), so it shows {fixed}. To choose another, type `digest stop` and "
            f"set it up again with a period such as this-month."
        )
        name = fixed
    try:
        period = insights.period(name, now=due_at)
    except ValueError:
        period = insights.period(DEFAULT_DIGEST_PERIOD, now=due_at)
    if survey is None:
        return [
            Text(f"The scheduled digest for {schedule.survey_id} can't be made: the survey no longer exists.")
        ]
    if insights.access is not None:
        await insights.access.add(
            "digest",
            channel=schedule.channel,
            requester=schedule.created_by,
            role=SCHEDULED,
            survey=survey.id,
            period=period.name,
            detail="scheduled",
        )
    replies = await insights.digest(survey, period)
    said = f"Scheduled digest, {schedule.description}. Type `digest stop` to cancel it.{note}"
    return [*replies, Text(said)]
