"""Realistic synthetic responses, so a newcomer sees a digest and a plan within a minute.

Each synthetic practitioner has one hidden "how much the system gets in the way" level that drives
their SUS answers, how often they are disrupted and how much time they lose, so the figures hang
together the way real ones do. Choices come from the survey files; the weights below only make
common answers common (an answer with no weight gets a small one). Seeded, so runs repeat.

``fill_demo`` puts half the people in the current month so far, so that the default digest (this
month, beside last month) shows figures and a change on any day of the month.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from dialogs.loader import SurveyCatalog
from dialogs.model import ChoiceDef, QuestionDef, QuestionType, SurveyDef
from storage.demo import AnswerRow, ResponseRow, insert_responses, response_total

WEIGHTS: dict[str, dict[str, float]] = {
    "role": {"social-worker": 55, "senior-practitioner": 12, "team-manager": 8, "family-support": 15, "business-support": 7, "other": 3},
    "team": {"front-door": 14, "assessment": 20, "cin-cp": 28, "children-in-care": 18, "disabled-children": 8, "fostering-adoption": 8, "other": 4},
    "tenure": {"under-6-months": 10, "6-12-months": 15, "1-3-years": 40, "over-3-years": 35},
    "tasks": {"double-entry": 50, "recording-visits": 45, "finding-information": 35, "speed": 30, "search": 24, "assessments-plans": 25, "working-away": 20, "sharing-partners": 15, "reports-returns": 14, "training-support": 8, "other": 4},
    "outcomes": {"more-time-with-families": 60, "enter-once": 45, "find-information-fast": 40, "single-view": 30, "reliable-fast": 30, "work-anywhere": 25, "better-templates": 18, "share-safely": 15, "easier-returns": 8, "training-support": 8, "be-consulted": 12},
}  # fmt: skip
FRUSTRATIONS = {
    "double-entry": ["I type the same details into three different forms.", "Having to re-enter everything twice when a case transfers."],
    "recording-visits": ["Writing up a visit takes longer than the visit itself.", "Recording visits means going back to the office to type it all up."],
    "finding-information": ["I can never find the latest plan without clicking through ten screens.", "Finding the history of a family takes ages."],
    "speed": ["It is so slow in the mornings that I give up and use paper.", "It logs me out while I'm typing and I lose my case notes.", "The system freezes when I attach documents."],
    "search": ["Search never finds the person unless the spelling is exact."],
    "assessments-plans": ["The assessment templates don't fit how we actually work."],
    "working-away": ["The laptop can't connect when I'm out on visits, no signal in most homes."],
    "sharing-partners": ["Sharing with health and schools still means emailing attachments."],
    "reports-returns": ["Reports for returns have to be checked by hand every month."],
    "training-support": ["Nobody showed me how to use it, I learned from colleagues."],
}  # fmt: skip
WISHES = [
    "Record a visit on my phone while I'm still in the car.",
    "See the family's whole history in one place.",
    "Enter information once and have it appear everywhere.",
    "Spend more time with children and less time typing.",
    "Find the latest plan in one click.",
    "Share a plan with health safely without emailing it.",
    "A system that is fast and doesn't log me out.",
]
# Answers listed in order: (usual position, which way strain moves it).
ORDERED = {"disruption": (1.3, -1.0), "time_lost": (2.7, 1.0)}
MATURITY_LEVELS = {"vision": "2", "systems_use": "2", "user_research": "1", "barriers": "2", "problem_statement": "1", "roadmap": "1", "procurement": "2", "information_sharing": "1", "monitoring": "not-sure"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoPlan:
    """How much synthetic data to make: respondents, over how many days before ``now``, and the seed."""

    respondents: int
    now: datetime
    days: int = 60
    seed: int = 2026
    is_demo: bool = True
    repeat_share: float = 0.0
    recent_from: datetime | None = None
    recent_share: float = 0.5


def demo_responses(catalog: SurveyCatalog, plan: DemoPlan) -> Iterator[ResponseRow]:
    """Pain-points and desired-outcomes responses for ``plan.respondents`` people, and one maturity assessment."""
    rng = random.Random(plan.seed)
    pain, wants, maturity = (catalog.get(s) for s in ("pain-points", "desired-outcomes", "digital-maturity"))
    for n in range(plan.respondents):
        person = f"demo-{n:06d}"
        rounds = 2 if rng.random() < plan.repeat_share else 1
        for _ in range(rounds):
            started = plan.now - timedelta(days=rng.uniform(0, plan.days), minutes=5)
            if plan.recent_from is not None and rng.random() < plan.recent_share:
                room = max(0.0, (plan.now - plan.recent_from).total_seconds() - 420)
                started = plan.recent_from + timedelta(seconds=rng.uniform(0, room))
            # Later responses are a little happier: the demo digest has a change to report.
            strain = rng.gauss(0.4, 0.9) - 0.3 * (1 - (plan.now - started).days / max(plan.days, 1))
            if pain is not None:
                yield _pain_points(rng, pain, person, started, strain, plan.is_demo)
            if wants is not None and rng.random() < 0.7:
                yield _answers(rng, wants, person, started + timedelta(minutes=4), 0.0, plan.is_demo)
    if maturity is not None:
        yield _maturity(rng, maturity, plan)


def _pain_points(
    rng: random.Random, survey: SurveyDef, person: str, started: datetime, strain: float, demo: bool
) -> ResponseRow:
    return _answers(rng, survey, person, started, strain, demo)


def _answers(
    rng: random.Random, survey: SurveyDef, person: str, started: datetime, strain: float, demo: bool
) -> ResponseRow:
    stop_after = len(survey.questions) if rng.random() < 0.9 else rng.randrange(1, len(survey.questions))
    at, answers = started, []
    given: dict[str, list[str] | str | None] = {}
    for question in survey.questions[:stop_after]:
        if question.when is not None and not question.when.holds(given):
            continue
        at += timedelta(seconds=rng.uniform(4, 20))
        answer = _answer(rng, question, strain, given, at)
        if answer is not None:
            answers.append(answer)
            given[question.id] = list(answer.choices) if answer.choices else answer.value_text
    done = stop_after == len(survey.questions)
    return ResponseRow(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        survey_id=survey.stored_as,
        survey_version=survey.version,
        respondent=person,
        status="completed" if done else "in_progress",
        started_at=started,
        finished_at=at if done else None,
        role=role if isinstance(role := given.get("role"), str) else None,
        team=team if isinstance(team := given.get("team"), str) else None,
        is_demo=demo,
        answers=tuple(answers),
    )


def _answer(rng: random.Random, q: QuestionDef, strain: float, given: dict, at: datetime) -> AnswerRow | None:
    kind = q.type.value
    if q.sus_item is not None:
        lean = -strain if q.sus_item % 2 == 1 else strain
        level = min(5, max(1, round(3 + 0.9 * lean + rng.gauss(0, 0.8))))
        return AnswerRow(q.id, kind, at, str(level), float(level))
    if q.type == QuestionType.MULTIPLE_CHOICE:
        values = _pick_several(rng, q, rng.choice((1, 2, 2, 3, 3)))
        return AnswerRow(q.id, kind, at, ",".join(values), None, tuple(values))
    if q.type == QuestionType.FREE_TEXT:
        return _free_text(rng, q, given, at)
    if q.type == QuestionType.YES_NO:
        roll = rng.random()
        value = "no" if roll < 0.74 else "yes" if roll < 0.95 else None
        return None if value is None else AnswerRow(q.id, kind, at, value, None)
    choices = q.offered_choices()
    if q.id in ORDERED:
        centre, direction = ORDERED[q.id]
        position = centre + direction * strain + rng.gauss(0, 0.9)
        chosen = choices[min(len(choices) - 1, max(0, round(position)))]
    else:
        chosen = _weighted(rng, q, choices)
    number = chosen.score if chosen.score is not None else None
    return AnswerRow(q.id, kind, at, chosen.value, number)


def _weighted(rng: random.Random, q: QuestionDef, choices: list[ChoiceDef]) -> ChoiceDef:
    weights = WEIGHTS.get(q.id, {})
    return rng.choices(choices, weights=[weights.get(c.value, 2) for c in choices])[0]


def _pick_several(rng: random.Random, q: QuestionDef, how_many: int) -> list[str]:
    pool = {c.value: WEIGHTS.get(q.id, {}).get(c.value, 2) for c in q.offered_choices()}
    picked: list[str] = []
    while pool and len(picked) < min(how_many, q.max_choices or how_many):
        value = rng.choices(list(pool), weights=list(pool.values()))[0]
        picked.append(value)
        pool.pop(value)
    return picked


def _free_text(rng: random.Random, q: QuestionDef, given: dict, at: datetime) -> AnswerRow | None:
    if rng.random() > 0.45:
        return None
    if q.id == "tasks_other":
        return AnswerRow(q.id, q.type.value, at, "Chasing signatures on forms.")
    tasks = given.get("tasks") or []
    pool = (
        [line for task in tasks for line in FRUSTRATIONS.get(task, [])] if q.id == "frustration" else WISHES
    )
    return AnswerRow(q.id, q.type.value, at, rng.choice(pool or WISHES))


def _maturity(rng: random.Random, survey: SurveyDef, plan: DemoPlan) -> ResponseRow:
    at = plan.now - timedelta(days=min(plan.days, 10), hours=2)
    answers = []
    for q in survey.questions:
        at += timedelta(seconds=30)
        value = MATURITY_LEVELS.get(q.id, "1")
        chosen = q.choice(value) or q.offered_choices()[0]
        answers.append(AnswerRow(q.id, q.type.value, at, chosen.value, chosen.score))
    return ResponseRow(
        str(uuid.UUID(int=rng.getrandbits(128), version=4)), survey.id, survey.version, "demo-digital-lead",
        "completed", at - timedelta(minutes=5), at, None, None, plan.is_demo, tuple(answers),
    )  # fmt: skip


DEMO_RESPONDENTS = 150
LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True, slots=True)
class DemoOutcome:
    """What ``fill_demo`` did: whether it added anything, why not, and what to tell people."""

    added: bool
    real_responses: int
    message: str

    def __str__(self) -> str:
        return self.message


def fill_demo(
    conn: Connection, catalog: SurveyCatalog, *, respondents: int, now: datetime, tz: ZoneInfo = LONDON
) -> DemoOutcome:
    """Add demo responses to an empty database (run through ``Database.write``); says what happened."""
    total, demo = response_total(conn)
    if total:
        what = "demo data already" if demo == total else "real responses"
        said = f"Not adding demo data: the database has {what} ({total} responses)."
        return DemoOutcome(False, total - demo, said)
    local = now.astimezone(tz)
    month_start = datetime.combine(local.date().replace(day=1), time(0), tzinfo=tz)
    plan = DemoPlan(respondents, now, recent_from=month_start)
    answers = insert_responses(conn, demo_responses(catalog, plan))
    said = (
        f"Added demo data: {respondents} synthetic people, {answers} answers. "
        "Remove it with `guidebot demo-data --remove`."
    )
    return DemoOutcome(True, 0, said)
