"""The figures a plan is written from: gathered by ``plan.collect_plan``, read by ``plan_sections``."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.reports.evidence import SurveyEvidence
from bot.reports.gaps import Gaps
from bot.reports.periods import Period


@dataclass(frozen=True, slots=True)
class MaturityStep:
    """One step of the maturity assessment: its title, the median level (None: not assessed) and answers."""

    title: str
    level: float | None
    answers: int
    not_sure: int


@dataclass
class PlanEvidence:
    """The figures a plan is written from."""

    period: Period
    staff: SurveyEvidence | None
    wants: SurveyEvidence | None
    maturity: dict[str, MaturityStep] = field(default_factory=dict)
    every_question: bool = False
    gaps: Gaps | None = None
