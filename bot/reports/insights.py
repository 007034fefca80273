"""One server's insights: digests, plans and signed links, on the database and the current content.

Database work runs through ``Database.read`` (off the event loop on both dialects) and charts are
drawn in a worker thread, so a digest never blocks other turns.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

from bot.access_log import AccessLog
from bot.content import guidance_base_url
from bot.reports import links
from bot.reports.audit import audit_breakdowns
from bot.reports.digest import collect_context, collect_main, digest_charts, digest_text
from bot.reports.evidence import OUTCOMES_SURVEY, STAFF_SURVEY
from bot.reports.periods import Period, parse_period
from bot.reports.plan import PlanEvidence, build_plan, collect_plan
from bot.reports.plan_document import ImprovementPlan
from bot.reports.released import Released, resolve
from bot.settings import Settings
from bot.turn import Content, utcnow
from dialogs.conversation import find_survey
from dialogs.model import ROLES, SurveyDef
from dialogs.replies import Image, Reply, Text
from storage import schedules
from storage.db import Database

# (survey, period start, period end) -> lines to add to the digest.
Footer = Callable[[SurveyDef, datetime | None, datetime | None], Awaitable[list[str]]]
PLAN_PATH = "/plan"
IMAGE_PATH = "/reports/images/"
PLAN_HINT = "For the improvement plan, type `plan`."


class Insights:
    """Digests, plans and report links, for commands, the scheduler and the routes."""

    def __init__(
        self,
        db: Database,
        content: Callable[[], Content],
        settings: Settings,
        secret_key: bytes,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self._content = content
        self.settings = settings
        self.link_key = links.link_key(secret_key)
        self.clock = clock
        # Lines added to every digest of a survey and period (campaigns' response rates).
        self.footers: list[Footer] = []
        # Where digests are recorded (set by the turn handler's owner; None for the command line's plan).
        self.access: AccessLog | None = None

    @property
    def content(self) -> Content:
        """The content the server runs on now (it may have been reloaded)."""
        return self._content()

    def period(self, word: str, now: datetime | None = None, *, rolling: bool = False) -> Period:
        """The period a word names, in the council's time zone; ValueError with a hint otherwise.

        ``rolling`` (``last-N-days``) is for reports that are not about survey responses.
        """
        return parse_period(word, now or self.clock(), self.settings.zone, rolling=rolling)

    def survey(self, name: str) -> SurveyDef | None:
        """The survey a user means (any audience: digests are about every survey)."""
        return find_survey(self.content.catalog, name, frozenset(ROLES))

    async def digest(
        self, survey: SurveyDef, period: Period, *, fallback: Period | None = None
    ) -> list[Reply]:
        """The digest message and its charts; ``fallback`` is shown instead when ``period`` has none yet.

        The batches are looked up and recorded first (``released.resolve``). The charts are drawn
        as soon as the period's own figures are in, while the database gathers the period before
        and desired outcomes: queries wait on the server (PostgreSQL) or in sqlite3 without the
        GIL, so the two overlap.
        """
        released = await self._released(survey, period)
        note = ""
        if released[0].batches.empty and fallback is not None:
            note = (
                f"No figures have been released for {period.label} yet (they come in batches of at least "
                f"{self.k} people), so here is {fallback.label}."
            )
            period, released = fallback, await self._released(survey, fallback)
        main = await self.db.read(
            partial(collect_main, survey=survey, period=period, released=released[0], min_group_size=self.k)
        )
        context = partial(
            collect_context,
            main=main,
            catalog=self.content.catalog,
            previous=released[1],
            outcomes=released[2],
        )
        async with asyncio.TaskGroup() as both:
            drawing = both.create_task(asyncio.to_thread(digest_charts, main))
            gathering = both.create_task(self.db.read(context))
        digest = gathering.result()
        digest.note = note
        text = digest_text(digest, self.settings.zone, PLAN_HINT)
        extra = [line for footer in self.footers for line in await footer(survey, period.start, period.end)]
        if extra:
            text += "\n\n*Response rate*\n" + "\n".join(extra)
        return [Text(text), *drawing.result()]

    async def _released(self, survey: SurveyDef, period: Period) -> list[Released]:
        """The batches of the period, the period before, and desired outcomes (for the staff survey)."""
        wants = self.content.catalog.get(OUTCOMES_SURVEY)
        outcomes = wants is not None and survey.id == STAFF_SURVEY
        wanted = [
            (survey.stored_as, period),
            (survey.stored_as, period.previous),
            (wants.stored_as, period) if wants is not None and outcomes else (survey.stored_as, None),
        ]
        return await self.db.write(partial(resolve, wanted=wanted, now=self.clock()))

    async def plan(
        self, period: Period, *, with_charts: bool = True, every_question: bool = True
    ) -> ImprovementPlan:
        """The improvement plan for a period; the chat's short version needs neither charts nor appendix.

        Its role and team breakdowns are shown only after they pass the audit (``audit``), in a
        write transaction of their own.
        """
        content = self.content
        staff_survey, wants_survey = (content.catalog.get(s) for s in (STAFF_SURVEY, OUTCOMES_SURVEY))
        wanted: list[tuple[str, Period | None]] = [
            (s.stored_as, period) for s in (staff_survey, wants_survey) if s is not None
        ]
        released = await self.db.write(partial(resolve, wanted=wanted, now=self.clock()))
        found = dict(zip((survey_id for survey_id, _ in wanted), released, strict=True))
        collect = partial(
            collect_plan,
            catalog=content.catalog,
            period=period,
            released=found,
            min_group_size=self.k,
            every_question=every_question,
        )
        evidence = await self.db.read(collect)
        staff = evidence.staff
        if staff is not None and staff.pending_breakdowns:
            await self.db.write(
                partial(audit_breakdowns, evidence=staff, tz=self.settings.zone, now=self.clock())
            )
        drawn = await asyncio.to_thread(_plan_charts, evidence) if with_charts else ()
        return build_plan(
            evidence,
            content.guidance,
            start_page=guidance_base_url(self.settings),
            tz=self.settings.zone,
            now=self.clock(),
            charts=drawn,
        )

    def plan_url(self, period: Period, fmt: str = "html") -> str:
        """A signed link to the full plan, valid for ``GUIDEBOT_REPORT_LINK_HOURS``."""
        return links.signed_url(
            self.link_key,
            self.settings.base_url,
            PLAN_PATH,
            {"period": period.name, "format": fmt},
            now=self.clock(),
            valid_for=timedelta(hours=self.settings.report_link_hours),
        )

    async def image_url(self, image: Image) -> str:
        """Keep a chart and return a signed address for it (for channels that link to images).

        A chart lives as long as a digest is worth reading (``GUIDEBOT_CHART_DAYS``), much longer
        than a link to the plan: a Teams card fetches its image each time someone scrolls to it.
        """
        image_id = str(uuid.uuid4())
        now = self.clock()
        valid_for = timedelta(days=self.settings.chart_days)
        await self.db.write(
            partial(
                schedules.save_image, image_id=image_id, png=image.png, now=now, expires_at=now + valid_for
            )
        )
        path = f"{IMAGE_PATH}{image_id}.png"
        return links.signed_url(self.link_key, self.settings.base_url, path, {}, now=now, valid_for=valid_for)

    @property
    def k(self) -> int:
        """The smallest group anything is shown about (GUIDEBOT_MIN_GROUP_SIZE)."""
        return self.settings.min_group_size


def _plan_charts(evidence: PlanEvidence) -> tuple[Image, ...]:
    """The digest's two charts, of the staff survey's figures, where enough people answered."""
    staff = evidence.staff
    if staff is None or not staff.enough:
        return ()
    return tuple(digest_charts(staff))
