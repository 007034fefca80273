"""The digest: what staff said in one period, readable in a minute, with two charts.

Completed responses, SUS with its band, the top pain points (or whichever options the survey
ranks), time lost, national comparisons, what staff want most, and what changed since the period
before. Figures come from ``evidence.gather``, so anything about too few people is already gone,
and every figure counts out of the same responses: those released in the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

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
from bot.reports.released import Released
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
    note: str = ""


# What a digest reads: a handful of questions, no free-text themes.
_REPORT_ONLY: dict[str, Any] = {"only": REPORT_QUESTIONS, "themes": False, "quotes": False}
# Headings for the multiple-choice questions a digest ranks; others take their question's words.
RANKED_HEADINGS = {TASKS: "Top pain points", OUTCOMES: "What staff want most"}


def collect_main(
    conn: Connection, survey: SurveyDef, period: Period, released: Released, min_group_size: int
) -> SurveyEvidence:
    """The survey's figures in the period: all the charts need (run through ``Database.read``)."""
    return gather(
        conn, survey, period, released.batches, min_group_size, latest_batch=released.latest, **_REPORT_ONLY
    )


def collect_context(
    conn: Connection,
    main: SurveyEvidence,
    catalog: SurveyCatalog,
    *,
    previous: Released | None,
    outcomes: Released | None,
) -> Digest:
    """The digest around ``main``: the period before, its notable changes, and desired outcomes.

    A separate read from ``collect_main``'s, so the charts can be drawn meanwhile; each reads
    its own batches, which no later release changes.
    """
    survey, period, k = main.survey, main.period, main.min_group_size
    digest = Digest(main)
    if main.enough and period.previous is not None and previous is not None:
        before = gather(conn, survey, period.previous, previous.batches, k, **_REPORT_ONLY)
        if before.enough:
            digest.previous = before
            digest.changes = notable_changes(main, before)
    wants = catalog.get(OUTCOMES_SURVEY)
    if survey.id == STAFF_SURVEY and wants is not None and outcomes is not None:
        digest.outcomes = gather(conn, wants, period, outcomes.batches, k, **_REPORT_ONLY)
    return digest


def notable_changes(now: SurveyEvidence, before: SurveyEvidence) -> list[str]:
    """Sentences for the changes big enough to mention, comparing two periods' shown figures."""
    found = [
        f"{now.counts.completed} completed responses, against {before.counts.completed} in the period before."
    ]
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
    earlier = {s.value: s.share for s in before.ranked(TASKS) if s.shown}
    for s in [s for s in now.ranked(TASKS) if s.shown][:TOP]:
        if s.value in earlier and abs(s.share - earlier[s.value]) >= 2 * NOTABLE_SHARE:
            found.append(f"{s.label}: {_moved(100 * (s.share - earlier[s.value]), ' percentage points')}.")
    return found


def demo_notice(evidence: SurveyEvidence) -> str | None:
    """The line that says, first of all, that figures include synthetic demo responses."""
    c = evidence.counts
    if not c.demo:
        return None
    which = "All" if c.demo == c.completed else f"{c.demo} of the {c.completed}"
    return (
        f"*Demo data:* {which} responses here are synthetic demo data, not real staff. "
        "Remove them with `guidebot demo-data --remove`."
    )


def digest_text(digest: Digest, tz: ZoneInfo, plan_hint: str) -> str:
    """The digest as one neutral text message (``*bold*`` marks headings)."""
    main = digest.main
    lines = [f"*{main.survey.title}: digest for {describe(main.period, tz)}*"]
    if digest.note:
        lines.append(digest.note)
    if notice := demo_notice(main):
        lines.append(notice)
    k = main.min_group_size
    if not main.enough:
        lines.append(
            f"No figures yet for this period: {TOO_FEW}. Answers are added to figures in batches, "
            f"once at least {k} people have completed the survey, so nobody's answers can be picked out."
        )
        return "\n".join(lines)
    c = main.counts
    minutes = f"; median {c.median_seconds / 60:.1f} minutes to complete" if c.median_seconds else ""
    lines.append(
        f"*Responses:* {c.completed} completed{minutes}. Every figure below is out of these {c.completed}."
    )
    if main.sus:
        lines.append(f"*Usability (SUS):* {sus_sentence(main)}")
    elif any(q.sus_item for q in main.survey.questions):
        lines.append(f"*Usability (SUS):* {TOO_FEW}.")
    for question in main.survey.questions:
        if question.type == QuestionType.MULTIPLE_CHOICE:
            heading = RANKED_HEADINGS.get(question.id) or question.text.split("?")[0].strip()
            lines += _ranked_line(heading, main.ranked(question.id), k)
    hours = _hours(main)
    if hours is not None:
        lines.append(f"*Time lost:* {hours:.1f} hours a week per person on average.")
    if main.comparisons:
        lines.append("*Beside national figures:*")
        lines += [f"\u2022 {c.sentence()}." for c in main.comparisons]
    wants = digest.outcomes
    if wants is not None and wants.survey.question(OUTCOMES) is not None:
        shares = wants.ranked(OUTCOMES) if wants.enough else ()
        lines += _ranked_line("What staff want most", shares, k)
    if digest.changes:
        lines.append("*Since the period before:* " + " ".join(digest.changes))
    lines.append(plan_hint)
    return "\n".join(lines)


def sus_sentence(evidence: SurveyEvidence) -> str:
    """The SUS mean with its interval and band, and how many score below the average of 68."""
    s = evidence.sus
    assert s is not None
    said = f"{s.mean:.1f} out of 100 (95% CI {s.ci_low:.1f} to {s.ci_high:.1f}), \u201c{s.band}\u201d"
    below = evidence.sus_below
    if below is not None:
        return f"{said}; {below / s.count:.0%} score below the average of 68."
    return f"{said}; the split either side of the average of 68 is {TOO_FEW}."


def digest_charts(main: SurveyEvidence) -> list[Image]:
    """A bar chart of each ranked question and the SUS histogram, where shown (blocking: use a thread).

    matplotlib is imported here, on the first digest, not when the server starts: it is a third of
    the server's memory and start-up time, and most processes draw few charts.
    """
    from bot.reports import charts

    images = []
    for question in main.survey.questions:
        shares = [s for s in main.ranked(question.id) if s.shown]
        if question.type != QuestionType.MULTIPLE_CHOICE or not shares:
            continue
        title = CHART_TITLES.get(question.id, f"{question.text.split('?')[0].strip()}, by share of staff")
        images.append(charts.pain_points_chart(shares, title=title))
    if main.sus is not None and main.sus_bars:
        images.append(
            charts.sus_distribution_chart(main.sus_bars, main.sus, title="System Usability Scale scores")
        )
    return images


CHART_TITLES = {
    TASKS: "Tasks that cost most time, by share of staff",
    OUTCOMES: "What staff want most, by share of staff",
}


def _ranked_line(heading: str, shares: tuple[Share, ...], k: int) -> list[str]:
    shown = [s for s in shares if s.shown]
    if not shown:
        return [f"*{heading}:* {TOO_FEW}."]
    top = "; ".join(f"{s.label} ({s.share:.0%})" for s in shown[:TOP])
    return [f"*{heading}:* {top}."]


def _hours(evidence: SurveyEvidence) -> float | None:
    found = evidence.distributions.get(TIME_LOST)
    return found.mean_number if found is not None else None


def _moved(delta: float, unit: str) -> str:
    return f"{'up' if delta > 0 else 'down'} {abs(delta):.1f}{unit}".replace(".0 ", " ")
