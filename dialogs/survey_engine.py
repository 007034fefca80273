"""The survey state machine: start, answer, back, skip, stop and restart, as pure functions.

Each function takes the survey, the user's progress and the turn's input and returns what to
say and what to store. Nothing here reads a clock, a database or a channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from dialogs.answers import Invalid, Parsed, parse_answer
from dialogs.effects import DropAnswer, Effect, FinishResponse, RecordAnswer, StartResponse
from dialogs.model import QuestionDef, QuestionType, SurveyDef
from dialogs.replies import SKIP, Answered, Choice, Link, Progress, Prompt, Question, Reply, Text
from dialogs.state import SurveyProgress
from dialogs.values import AnswerValue, CommandValue

MAX_INVALID_TRIES = 3
STOP = Choice("Stop for now", CommandValue("stop"))


@dataclass(slots=True)
class Outcome:
    """What one survey step produced: the progress (None when the survey ended), replies, effects."""

    progress: SurveyProgress | None
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)


def start(survey: SurveyDef, response_id: str, now: datetime, *, counts: bool = True) -> Outcome:
    """Begin a new response: the survey's introduction and its first question.

    ``counts`` is False when the response must not count towards releasing figures.
    """
    first = next_question(survey, {}, -1)
    assert first is not None, "a survey always has a question that applies to everyone first"
    progress = SurveyProgress(survey.id, response_id, first.id)
    replies: list[Reply] = [Text(f"*{survey.title}*\n{survey.intro or survey.description}")]
    replies.append(ask(survey, progress))
    return Outcome(
        progress, replies, [StartResponse(response_id, survey.stored_as, survey.version, now, counts)]
    )


def answer(
    survey: SurveyDef, progress: SurveyProgress, text: str | None, value: object, now: datetime
) -> Outcome:
    """Take typed text or a clicked value as the answer to the current question."""
    question = current(survey, progress)
    parsed = parse_answer(question, text, value)
    if isinstance(parsed, Invalid):
        return _invalid(survey, progress, parsed)
    return _advance(survey, progress, question, parsed, now)


def skip(survey: SurveyDef, progress: SurveyProgress, now: datetime) -> Outcome:
    """Leave out the current question: always for optional ones, after three failed tries for others."""
    question = current(survey, progress)
    if not question.optional and progress.invalid_tries < MAX_INVALID_TRIES:
        return Outcome(progress, [Text("This question needs an answer."), ask(survey, progress)])
    effects: list[Effect] = []
    if question.id in progress.answers:
        effects.append(DropAnswer(progress.response_id, question.id))
    return _advance(survey, progress, question, None, now, effects)


def back(survey: SurveyDef, progress: SurveyProgress) -> Outcome:
    """Return to the previous question; its earlier answer stands until it is answered again."""
    if not progress.history:
        return Outcome(progress, [Text("This is the first question."), ask(survey, progress)])
    previous = progress.history[-1]
    moved = SurveyProgress(
        progress.survey_id,
        progress.response_id,
        previous,
        dict(progress.answers),
        progress.history[:-1],
    )
    replies: list[Reply] = []
    given = survey.question(previous)
    if given is not None and previous in progress.answers:
        replies.append(Text(f"You answered: {label_of(given, progress.answers[previous])}"))
    replies.append(ask(survey, moved))
    return Outcome(moved, replies)


def restart(
    survey: SurveyDef, progress: SurveyProgress, response_id: str, now: datetime, *, counts: bool = True
) -> Outcome:
    """Abandon the current response and begin the survey again with a new one."""
    fresh = start(survey, response_id, now, counts=counts)
    fresh.effects.insert(0, FinishResponse(progress.response_id, "abandoned", now))
    fresh.replies.insert(0, Text("Starting again from the first question."))
    return fresh


def ask(survey: SurveyDef, progress: SurveyProgress) -> Question:
    """The current question as a neutral reply, with its progress."""
    q = current(survey, progress)
    choices = tuple(Choice(c.label, AnswerValue(q.id, c.value)) for c in q.offered_choices())
    hint = q.hint
    if q.max_choices and not hint and not STATES_LIMIT.search(q.text):
        hint = f"Choose up to {_count_word(q.max_choices)}."
    text = f"{q.explain}\n\n{q.text}" if q.explain else q.text
    return Question(
        survey_id=survey.id,
        question_id=q.id,
        text=text,
        kind=q.type.value,
        choices=choices,
        progress=progress_of(survey, q.id),
        hint=hint,
        optional=q.optional,
        multiple=q.type == QuestionType.MULTIPLE_CHOICE,
        max_choices=q.max_choices,
        max_length=q.max_length,
        link=Link("More in the guidance", q.link) if q.link else None,
    )


def current(survey: SurveyDef, progress: SurveyProgress) -> QuestionDef:
    """The question the user is on (falls back to the first if the survey changed under them)."""
    return survey.question(progress.question_id) or survey.questions[0]


def next_question(survey: SurveyDef, answers: dict[str, object], after: int) -> QuestionDef | None:
    """The first question after position ``after`` whose condition holds."""
    for q in survey.questions[after + 1 :]:
        if q.when is None or q.when.holds(answers):
            return q
    return None


def progress_of(survey: SurveyDef, question_id: str) -> Progress:
    """Where a question stands: numbered among the questions everyone is asked, whatever the answers.

    A conditional question is a follow-up carrying the number of the question before it, so the
    count neither grows when it appears nor skips a number when it does not.
    """
    number, follow_up = 0, False
    for q in survey.questions:
        if q.when is None:
            number += 1
        if q.id == question_id:
            follow_up = q.when is not None
            break
    total = sum(1 for q in survey.questions if q.when is None)
    return Progress(max(number, 1), total, follow_up)


def position(survey: SurveyDef, question_id: str) -> tuple[int, int]:
    """(number, total) of a question, as ``progress_of`` counts them."""
    progress = progress_of(survey, question_id)
    return progress.number, progress.total


# A question's own words already give its limit ("Choose up to three."), so the engine adds none.
STATES_LIMIT = re.compile(r"\b(up to|at most|no more than)\b", re.IGNORECASE)
COUNT_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count_word(n: int) -> str:
    return COUNT_WORDS[n - 1] if 1 <= n <= len(COUNT_WORDS) else str(n)


def label_of(question: QuestionDef, value: object) -> str:
    """How a stored answer reads back to the user."""
    if value is None:
        return "(skipped)"
    values = value if isinstance(value, list) else [value]
    labels = []
    for v in values:
        choice = question.choice(str(v))
        labels.append(choice.label if choice else str(v))
    return ", ".join(labels)


def _drop_stale(survey: SurveyDef, response_id: str, answers: dict[str, object]) -> list[Effect]:
    """Answers to questions whose condition no longer holds (after ``back``) are withdrawn."""
    stale = [q.id for q in survey.questions if q.when and q.id in answers and not q.when.holds(answers)]
    for question_id in stale:
        answers.pop(question_id)
    return [DropAnswer(response_id, question_id) for question_id in stale]


def _invalid(survey: SurveyDef, progress: SurveyProgress, problem: Invalid) -> Outcome:
    progress.invalid_tries += 1
    replies: list[Reply] = [Text(problem.hint)]
    if progress.invalid_tries >= MAX_INVALID_TRIES:
        replies.append(
            Prompt(
                "Having trouble with this one? You can skip it, or stop and come back later.", (SKIP, STOP)
            )
        )
        return Outcome(progress, replies)
    replies.append(ask(survey, progress))
    return Outcome(progress, replies)


def _advance(
    survey: SurveyDef,
    progress: SurveyProgress,
    question: QuestionDef,
    parsed: Parsed | None,
    now: datetime,
    effects: list[Effect] | None = None,
) -> Outcome:
    effects = list(effects or [])
    answers = dict(progress.answers)
    replies: list[Reply] = []
    if parsed is None:
        answers.pop(question.id, None)
        replies.append(Answered(survey.id, question.id, question.text, "Skipped", skipped=True))
    else:
        answers[question.id] = parsed.value
        effects.append(
            RecordAnswer(
                response_id=progress.response_id,
                question_id=question.id,
                kind=question.type.value,
                answered_at=now,
                text=parsed.text,
                number=parsed.number,
                choices=parsed.choices,
                field=question.field,
            )
        )
        replies.append(Answered(survey.id, question.id, question.text, parsed.label))
    effects += _drop_stale(survey, progress.response_id, answers)
    following = next_question(survey, answers, survey.index(question.id))
    if following is None:
        effects.append(FinishResponse(progress.response_id, "completed", now))
        replies.append(Text(survey.outro))
        return Outcome(None, replies, effects)
    moved = SurveyProgress(
        progress.survey_id, progress.response_id, following.id, answers, [*progress.history, question.id]
    )
    replies.append(ask(survey, moved))
    return Outcome(moved, replies, effects)
