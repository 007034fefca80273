"""The improvement plan, in the order the guidance asks: vision, current use, barriers, problem
statement, digital maturity, prioritised actions, and how to measure improvement.

``collect_plan`` gathers the figures in one transaction; ``build_plan`` is pure and turns them
into an ``ImprovementPlan`` that the renderers write as Markdown, HTML or a short message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.reports import plan_sections as sections
from bot.reports.evidence import (
    MATURITY_SURVEY,
    OUTCOMES_SURVEY,
    REPORT_QUESTIONS,
    STAFF_SURVEY,
    SurveyEvidence,
    gather,
)
from bot.reports.gaps import collect_gaps, gaps_appendix
from bot.reports.periods import Period, describe
from bot.reports.plan_actions import prioritised_actions
from bot.reports.plan_document import ImprovementPlan, PlanSection
from bot.reports.plan_evidence import MaturityStep, PlanEvidence
from bot.reports.released import Released
from dialogs.guidance import GuidanceLibrary
from dialogs.loader import SurveyCatalog
from dialogs.replies import Image
from dialogs.sus_score import median_of_counts
from storage import aggregates as agg

RESURVEY_AFTER = timedelta(days=91)


def collect_plan(
    conn: Connection,
    catalog: SurveyCatalog,
    period: Period,
    released: dict[str, Released],
    min_group_size: int,
    *,
    every_question: bool = False,
) -> PlanEvidence:
    """Gather everything the plan shows over each survey's ``released`` batches (run through ``Database.read``).

    ``every_question`` adds each question's distribution, for the whole document's appendix.
    The staff survey's breakdowns wait for the audit (``bot.reports.audit``).
    """
    only = None if every_question else REPORT_QUESTIONS
    found: dict[str, SurveyEvidence] = {}
    for survey_id in (STAFF_SURVEY, OUTCOMES_SURVEY):
        survey = catalog.get(survey_id)
        if survey is not None and survey.stored_as in released:
            r = released[survey.stored_as]
            found[survey_id] = gather(
                conn, survey, period, r.batches, min_group_size, latest_batch=r.latest, only=only,
                breakdowns=survey_id == STAFF_SURVEY,
            )  # fmt: skip
    staff, wants = found.get(STAFF_SURVEY), found.get(OUTCOMES_SURVEY)
    gaps = collect_gaps(conn, period, min_group_size) if every_question else None
    return PlanEvidence(period, staff, wants, _maturity(conn, catalog, period), every_question, gaps)


def _maturity(conn: Connection, catalog: SurveyCatalog, period: Period) -> dict[str, MaturityStep]:
    """Median level per step. The assessment describes the service, not the people answering it, and
    is usually made by one or two digital leads, so the group-size threshold does not apply here."""
    survey = catalog.get(MATURITY_SURVEY)
    if survey is None:
        return {}
    ids = [q.id for q in survey.questions]
    counted = agg.value_counts(conn, agg.AssessmentScope(survey.id, period.start, period.end), ids)
    if not counted:
        counted = agg.value_counts(conn, agg.AssessmentScope(survey.id), ids)
    steps = {}
    for q in survey.questions:
        values = counted.get(q.id, {})
        levels = sorted((float(v), c.count) for v, c in values.items() if v.isdigit())
        not_sure = sum(c.count for v, c in values.items() if not v.isdigit())
        level = median_of_counts(levels) if levels else None
        steps[q.id] = MaturityStep(
            q.text.split(":", 1)[0].strip(), level, sum(c for _, c in levels) + not_sure, not_sure
        )
    return steps


def build_plan(
    evidence: PlanEvidence,
    guidance: GuidanceLibrary | None,
    *,
    start_page: str,
    tz: ZoneInfo,
    now: datetime,
    charts: tuple[Image, ...] = (),
) -> ImprovementPlan:
    """The plan from its evidence; ``start_page`` is where links go for a section with no address."""

    def resolve(section_id: str) -> tuple[str, str]:
        try:
            section = guidance.section(section_id) if guidance else None
        except KeyError:
            section = None
        return (section.title, section.url) if section else ("the guidance", start_page)

    staff, wants = evidence.staff, evidence.wants
    maturity = {step: (m.title, m.level, m.not_sure > 0) for step, m in evidence.maturity.items()}
    actions = prioritised_actions(staff, maturity, resolve)
    statement = sections.problem_statement(staff, wants)
    resurvey = (now + RESURVEY_AFTER).astimezone(tz)
    body: tuple[PlanSection, ...] = (
        sections.vision(evidence, wants, resolve),
        sections.current_use(staff, charts, resolve),
        sections.barriers(staff, resolve),
        sections.problem(statement, resolve),
        sections.maturity(evidence.maturity, resolve),
        sections.actions(actions, resolve),
        sections.measures(staff, resurvey, resolve),
    )
    if evidence.every_question:
        body += (sections.appendix((staff, wants), resolve), gaps_appendix(evidence.gaps))
    k = staff.min_group_size if staff else 5
    notes = [
        f"Figures about fewer than {k} people are not shown, nor figures that could be worked out from "
        f"the ones shown or from earlier reports. Answers are added to figures in batches of at least {k} "
        "people, so the newest answers appear once enough people have finished."
    ]
    demo = sum(e.counts.demo for e in (staff, wants) if e is not None and e.enough)
    total = sum(e.counts.completed for e in (staff, wants) if e is not None and e.enough)
    notice = ""
    if demo:
        which = "All" if demo == total else f"{demo} of the {total}"
        notice = (
            f"Demo data: {which} responses in this plan are synthetic demo data, not real staff. "
            "Remove them with `guidebot demo-data --remove` before using the plan."
        )
    return ImprovementPlan(
        title="Case management system improvement plan",
        covers=f"What staff said in {describe(evidence.period, tz)}",
        generated=now.astimezone(tz).strftime("%-d %B %Y, %H:%M"),
        sections=body,
        problem_statement=statement,
        notes=tuple(notes),
        notice=notice,
    )
