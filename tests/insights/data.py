"""Small fixed data sets for the insights tests, written straight into the tables."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.settings import REPO_CONTENT
from dialogs.loader import load_surveys
from dialogs.model import QuestionType
from storage.demo import AnswerRow, ResponseRow

CATALOG = load_surveys(REPO_CONTENT / "surveys")
MARCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_ids = itertools.count(1)


def sus(odd: int, even: int, *, missing: tuple[int, ...] = ()) -> dict[str, int]:
    """SUS answers: every odd item ``odd``, every even item ``even``, leaving out ``missing`` items."""
    return {f"sus_{i}": (odd if i % 2 else even) for i in range(1, 11) if i not in missing}


def response(
    answers: dict[str, Any],
    *,
    survey: str = "pain-points",
    started: datetime = MARCH,
    minutes: float = 3,
    status: str = "completed",
    respondent: str | None = None,
    demo: bool = False,
) -> ResponseRow:
    """A response with these answers (question id -> choice value, list of values, 1-5 or text)."""
    definition = CATALOG.get(survey)
    assert definition is not None
    n = next(_ids)
    at = started
    rows = []
    for question_id, value in answers.items():
        question = definition.question(question_id)
        assert question is not None, question_id
        at += timedelta(seconds=5)
        if question.type == QuestionType.MULTIPLE_CHOICE:
            rows.append(AnswerRow(question_id, question.type.value, at, ",".join(value), None, tuple(value)))
        elif question.type == QuestionType.FREE_TEXT:
            rows.append(AnswerRow(question_id, question.type.value, at, value))
        else:
            choice = question.choice(str(value))
            assert choice is not None, (question_id, value)
            number = choice.score if choice.score is not None else None
            rows.append(AnswerRow(question_id, question.type.value, at, choice.value, number))
    return ResponseRow(
        id=f"00000000-0000-4000-8000-{n:012d}",
        survey_id=definition.stored_as,
        survey_version=definition.version,
        respondent=respondent or f"person-{n}",
        status=status,
        started_at=started,
        finished_at=started + timedelta(minutes=minutes) if status == "completed" else None,
        role=answers.get("role"),
        team=answers.get("team"),
        is_demo=demo,
        answers=tuple(rows),
    )


def march_responses() -> Iterator[ResponseRow]:
    """The hand-checked pain-points data set: five responses released in March, and noise.

    SUS scores 50, 100, 75, 25 and 0 (mean 50, median 50, SD 39.53, 95% CI 0.93 to 99.07, three of
    five below 68). Completed in 3, 4, 5, 6 and 10 minutes (median 5). Time lost 3.5, 0, 1.5, 12 and
    7.5 hours (mean 4.9). The five make one release batch (at the fifth completion, 09:10 on 2
    March); the in-progress response (no item 10, so no score) is in no figure.
    """
    base = {"role": "social-worker", "team": "assessment"}
    yield response(
        {**base, "disruption": "daily", **sus(3, 3), "tasks": ["double-entry", "search"], "time_lost": "2-5h",
         "consulted": "no", "frustration": "It is so slow that I give up."}, minutes=3)  # fmt: skip
    yield response(
        {**base, "disruption": "weekly", **sus(5, 1), "tasks": ["double-entry"], "time_lost": "none",
         "consulted": "no", "frustration": "Slow, and it crashes when I save."}, minutes=4)  # fmt: skip
    yield response(
        {**base, "disruption": "weekly", **sus(4, 2), "tasks": ["recording-visits", "double-entry"],
         "time_lost": "1-2h", "consulted": "yes", "frustration": "I type the same thing twice."}, minutes=5)  # fmt: skip
    yield response(
        {**base, "disruption": "monthly", **sus(2, 4), "tasks": ["search"], "time_lost": "over-10h",
         "consulted": "no", "frustration": "So slow in the mornings."}, minutes=6)  # fmt: skip
    yield response(
        {**base, "disruption": "fortnightly", **sus(1, 5), "tasks": ["speed"], "time_lost": "5-10h",
         "consulted": "no", "frustration": "Slow slow slow, call me on 07700 900123"}, minutes=10)  # fmt: skip
    yield response({**base, "disruption": "rarely", **sus(3, 3, missing=(10,))}, status="in_progress")
    # Not in March's figures: restarted (abandoned), another survey (too few to release), and five
    # responses released in February in a batch of their own.
    yield response({**base, "disruption": "daily", **sus(5, 1)}, status="abandoned")
    yield response({"outcomes": ["enter-once"]}, survey="desired-outcomes")
    for day in range(5):
        yield response({**base, "disruption": "daily", **sus(1, 5)}, started=MARCH - timedelta(days=20 - day))
