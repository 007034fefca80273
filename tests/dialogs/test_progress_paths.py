"""The progress count on every path through every survey: it starts at 1, its total never changes,
and each step moves it on by one, or keeps it for a follow-up question, never back or past a number."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dialogs import survey_engine as engine
from dialogs.effects import FinishResponse
from dialogs.loader import load_surveys
from dialogs.model import QuestionDef, QuestionType, SurveyDef
from dialogs.replies import Progress, Question
from dialogs.state import SurveyProgress

CONTENT = Path(__file__).resolve().parents[2] / "content" / "surveys"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SURVEYS = load_surveys(CONTENT).surveys


def _answers(survey: SurveyDef, q: QuestionDef) -> list[object]:
    """The answers worth trying: every choice of a question a condition reads, else one answer;
    ``None`` (skip) too for an optional question."""
    read = any(other.when is not None and other.when.question == q.id for other in survey.questions)
    if q.type == QuestionType.FREE_TEXT:
        tried: list[object] = ["A fictional answer"]
    elif q.type == QuestionType.NUMBER:
        tried = [str(int(q.min or 1))]
    else:
        values = [c.value for c in q.offered_choices()]
        if q.type == QuestionType.MULTIPLE_CHOICE:
            tried = [[v] for v in values] if read else [values[:1]]
        else:
            tried = list(values) if read else values[:1]
    return [*tried, None] if q.optional else tried


def _paths(survey: SurveyDef) -> Iterator[list[Progress]]:
    """Every path through the survey, as the progress shown at each question asked."""
    first = engine.start(survey, "r", NOW)

    def walk(progress: SurveyProgress, shown: list[Progress]) -> Iterator[list[Progress]]:
        asked = engine.ask(survey, progress)
        assert asked.progress is not None
        shown = [*shown, asked.progress]
        q = engine.current(survey, progress)
        for answer in _answers(survey, q):
            if answer is None:
                outcome = engine.skip(survey, progress, NOW)
            elif isinstance(answer, str) and q.type in (QuestionType.FREE_TEXT, QuestionType.NUMBER):
                outcome = engine.answer(survey, progress, answer, None, NOW)
            else:
                outcome = engine.answer(survey, progress, None, answer, NOW)
            if outcome.progress is None:
                assert any(isinstance(e, FinishResponse) for e in outcome.effects)
                yield shown
            else:
                assert outcome.progress.question_id != progress.question_id, (q.id, answer)
                yield from walk(outcome.progress, shown)

    assert first.progress is not None
    yield from walk(first.progress, [])


@pytest.mark.parametrize("survey_id", sorted(SURVEYS))
def test_the_count_never_goes_back_grows_or_skips_on_any_path(survey_id: str) -> None:
    survey = SURVEYS[survey_id]
    paths = list(_paths(survey))
    assert paths
    totals = {p.total for path in paths for p in path}
    assert len(totals) == 1, f"{survey_id}: the total changed between {sorted(totals)}"
    (total,) = totals
    for path in paths:
        assert path[0].number == 1 and not path[0].follow_up
        for before, after in itertools.pairwise(path):
            step = after.number - before.number
            assert step == (0 if after.follow_up else 1), f"{survey_id}: {before} then {after}"
        assert path[-1].number == total, f"{survey_id}: ends at {path[-1]}"


def test_pain_points_follow_up_appears_without_changing_the_count() -> None:
    survey = SURVEYS["pain-points"]
    paths = list(_paths(survey))
    with_follow_up = [path for path in paths if any(p.follow_up for p in path)]
    without = [path for path in paths if not any(p.follow_up for p in path)]
    assert with_follow_up and without
    assert [str(p) for p in with_follow_up[0]][14:17] == [
        "Question 15 of 18",
        "Question 15 of 18 (follow-up)",
        "Question 16 of 18",
    ]
    assert [str(p) for p in without[0]][14:16] == ["Question 15 of 18", "Question 16 of 18"]


def test_going_back_shows_the_count_the_question_had() -> None:
    survey = SURVEYS["pain-points"]
    tasks = survey.index("tasks")
    progress = SurveyProgress(survey.id, "r", "tasks")
    moved = engine.answer(survey, progress, None, ["other"], NOW).progress
    assert moved is not None and moved.question_id == "tasks_other"
    back = engine.back(survey, moved)
    asked = [r for r in back.replies if isinstance(r, Question)][-1]
    assert str(asked.progress) == f"Question {tasks + 1} of 18"
