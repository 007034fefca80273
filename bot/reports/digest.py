"""The digest: what staff said in one period, readable in a minute, with two charts.

Responses and completion, SUS with its band, the top pain points, time lost, national comparisons,
what staff want most, and what changed since the period before. Figures come from
``evidence.gather``, so anything about too few people is already gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.reports import charts
from bot.reports.anonymity import TOO_FEW
from bot.reports.evidence import (
    OUTCOMES,
    OUTCOMES_SURVEY,
    REPORT_QUESTIONS,
    STAFF_SURVEY,
    TASKS,
    TIME_LOST,
    Share,
    SurveyEvidence,
    gather,
)
from bot.reports.periods import Period, describe
from dialogs.loader import SurveyCatalog
from dialogs.model import QuestionType, SurveyDef
from dialogs.replies import Image

TOP = 3
# How big a change must be to be called notable: SUS points, percentage points, hours a week.
NOTABLE_SUS, NOTABLE_SHARE, NOTABLE_HOURS = 3.0, 0.05, 0.5


@dataclass
class Digest:
    """The evidence a digest shows: the survey in the period, the period before, and desired outcomes."""

    main: SurveyEvidence
    previous: SurveyEvidence | None = None
    outcomes: SurveyEvidence | None = None
    changes: list[str] = field(default_factory=list)


# What a digest reads: a handful of questions, no free-text themes.
_REPORT_ONLY: dict[str, Any] = {"only": REPORT_QUESTIONS, "themes": False, "quotes": False}


def collect_digest(
    conn: Connection, catalog: SurveyCatalog, survey: SurveyDef, period: Period, min_group_size: int
) -> Digest:
    """Gather a digest's figures in one transaction (run through ``Database.read``)."""
    main = collect_main(conn, survey, period, min_group_size)
    return collect_context(conn, main, catalog)


def collect_main(conn: Connection, survey: SurveyDef, period: Period, min_group_size: int) -> SurveyEvidence:
    """The survey's figures in the period: all the charts need (run through ``Database.read``)."""
    return gather(conn, survey, period, min_group_size, **_REPORT_ONLY)


def collect_context(conn: Connection, main: SurveyEvidence, catalog: SurveyCatalog) -> Digest:
    """The digest around ``main``: the period before, its notable changes, and desired outcomes.

    A separate read from ``collect_main``'s, so the charts can be drawn meanwhile; the period
    before and the other survey do not need the same snapshot as the period itself.
    """
    survey, period, k = main.survey, main.period, main.min_group_size
    digest = Digest(main)
    if main.enough and period.previous is not None:
        previous = gather(conn, survey, period.previous, k, **_REPORT_ONLY)
        if previous.enough:
            digest.previous = previous
            digest.changes = notable_changes(main, previous)
    wants = catalog.get(OUTCOMES_SURVEY)
    if survey.id == STAFF_SURVEY and wants is not None:
        digest.outcomes = gather(conn, wants, period, k, **_REPORT_ONLY)
    return digest


def notable_changes(now: SurveyEvidence, before: SurveyEvidence) -> list[str]:
    """Sentences for the changes big enough to mention, comparing two periods' shown figures."""
    found = [f"{now.counts.started} responses, against {before.counts.started} in the period before."]
    if now.sus and before.sus and abs(now.sus.mean - before.sus.mean) >= NOTABLE_SUS:
        found.append(f"SUS {_moved(now.sus.mean - before.sus.mean, ' points')} to {now.sus.mean:.0f}.")
    for mine, theirs in zip(now.comparisons, before.comparisons, strict=False):
        delta = mine.local_share - theirs.local_share
        if mine.figure == theirs.figure and abs(delta) >= NOTABLE_SHARE:
            found.append(
                f"Staff who {mine.figure.local_claim}: {_moved(100 * delta, ' percentage points')}"
                f" to {mine.local_share:.0%}."
            )
    hours, hours_before = _hours(now), _hours(before)
    if hours is not None and hours_before is not None and abs(hours - hours_before) >= NOTABLE_HOURS:
        found.append(f"Time lost a week {_moved(hours - hours_before, ' hours')} to {hours:.1f} hours.")
    earlier = {s.value: s.share for s in before.ranked(TASKS)}
    for s in now.ranked(TASKS)[:TOP]:
        if s.value in earlier and abs(s.share - earlier[s.value]) >= 2 * NOTABLE_SHARE:
            found.append(f"{s.label}: {_moved(100 * (s.share - earlier[s.value]), ' percentage points')}.")
    return found


def digest_text(digest: Digest, tz: ZoneInfo, plan_hint: str) -> str:
    """The digest as one neutral text message (``*bold*`` marks headings)."""
    main = digest.main
    lines = [f"*{main.survey.title}: digest for {describe(main.period, tz)}*"]
    if not main.enough:
        lines.append(
            f"Fewer than {main.min_group_size} people responded in this period: {TOO_FEW}. "
            "Figures appear once enough people have answered."
        )
        return "\n".join(lines)
    c = main.counts
    minutes = f"; median {c.median_seconds / 60:.1f} minutes to complete" if c.median_seconds else ""
    lines.append(
        f"*Responses:* {c.started} started, {c.completed} completed ({main.completion_rate:.0%}){minutes}."
    )
    if main.sus:
        s = main.sus
        lines.append(
            f"*Usability (SUS):* {s.mean:.1f} out of 100 (95% CI {s.ci_low:.1f} to {s.ci_high:.1f}), "
            f"\u201c{s.band}\u201d; {s.share_below_average:.0%} score below the average of 68."
        )
    elif any(q.sus_item for q in main.survey.questions):
        lines.append(f"*Usability (SUS):* {TOO_FEW}.")
    lines += _ranked_line("Top pain points", main.ranked(TASKS), main.survey, TASKS)
    hours = _hours(main)
    if hours is not None:
        lines.append(f"*Time lost:* {hours:.1f} hours a week per person on average.")
    if main.comparisons:
        lines.append("*Beside national figures:*")
        lines += [f"\u2022 {c.sentence()}." for c in main.comparisons]
    wants = digest.outcomes
    if wants is not None:
        shares = wants.ranked(OUTCOMES) if wants.enough else ()
        lines += _ranked_line("What staff want most", shares, wants.survey, OUTCOMES)
    if digest.changes:
        lines.append("*Since the period before:* " + " ".join(digest.changes))
    if c.demo:
        lines.append(f"Includes {c.demo} demo responses: remove them with `guidebot demo-data --remove`.")
    lines.append(plan_hint)
    return "\n".join(lines)


def digest_charts(main: SurveyEvidence) -> list[Image]:
    """The pain-points bar chart and the SUS histogram, where their figures are shown (blocking: use a thread)."""
    images = []
    tasks = main.ranked(TASKS)
    if tasks:
        images.append(charts.pain_points_chart(tasks, title="Tasks that cost most time, by share of staff"))
    if main.sus is not None and main.sus_scores:
        images.append(
            charts.sus_distribution_chart(main.sus_scores, main.sus, title="System Usability Scale scores")
        )
    return images


def _ranked_line(heading: str, shares: tuple[Share, ...], survey: SurveyDef, question_id: str) -> list[str]:
    question = survey.question(question_id)
    if question is None or question.type != QuestionType.MULTIPLE_CHOICE:
        return []
    if not shares:
        return [f"*{heading}:* {TOO_FEW}."]
    top = "; ".join(f"{s.label} ({s.share:.0%})" for s in shares[:TOP])
    return [f"*{heading}:* {top}."]


def _hours(evidence: SurveyEvidence) -> float | None:
    found = evidence.distributions.get(TIME_LOST)
    return found.mean_number if found is not None else None


def _moved(delta: float, unit: str) -> str:
    return f"{'up' if delta > 0 else 'down'} {abs(delta):.1f}{unit}".replace(".0 ", " ")
