"""The ``gaps [period]`` command: for managers and digital leads, the guidance questions the bot
could not answer well. Anyone else is refused politely, and the refusal is logged."""

from __future__ import annotations

from functools import partial

from bot.inbound import Inbound
from bot.logs import get_logger
from bot.reports.commands import LEADS
from bot.reports.gaps import collect_gaps, gaps_text
from bot.reports.insights import Insights
from bot.reports.periods import DEFAULT_GAPS_PERIOD
from bot.turn import TurnHandler
from dialogs.replies import Reply, Text

log = get_logger(__name__)
REFUSAL = (
    "Sorry, the list of questions I could not answer is only for managers and digital leads. "
    "If you think something is missing from the guidance, ask your digital lead."
)


class GapsCommand:
    """``gaps [period]``, registered with the turn handler beside ``digest`` and ``plan``."""

    def __init__(self, insights: Insights, turns: TurnHandler) -> None:
        self.insights = insights
        self.turns = turns

    def register(self) -> None:
        """Add ``gaps`` to the turn handler's commands."""
        self.turns.add_command("gaps", self.gaps)

    async def gaps(self, inbound: Inbound, args: str) -> list[Reply]:
        """The period's gap groups (default the last 30 days), most asked first."""
        if not inbound.roles & LEADS:
            respondent = self.turns.respondent(inbound)
            log.info("insights.refused", command="gaps", channel=inbound.channel, respondent=respondent[:10])
            await self.turns.access.by(inbound, "refusal", detail="gaps")
            return [Text(REFUSAL)]
        try:
            word = args.split()[0] if args.split() else DEFAULT_GAPS_PERIOD
            period = self.insights.period(word, rolling=True)
        except ValueError as exc:
            return [Text(str(exc))]
        await self.turns.access.by(inbound, "gaps", period=period.name)
        found = await self.insights.db.read(
            partial(collect_gaps, period=period, min_group_size=self.insights.k)
        )
        return [Text(gaps_text(found))]
