"""Survey definitions: the pydantic models every survey file under ``content/surveys/`` is checked against."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dialogs.roles import ROLES

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class QuestionType(StrEnum):
    """The kinds of question a survey can ask."""

    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    AGREEMENT = "agreement"
    SCALE_0_10 = "scale_0_10"
    YES_NO = "yes_no"
    NUMBER = "number"
    FREE_TEXT = "free_text"


AGREEMENT_LABELS = ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree")
CHOICE_TYPES = {
    QuestionType.SINGLE_CHOICE,
    QuestionType.MULTIPLE_CHOICE,
    QuestionType.AGREEMENT,
    QuestionType.SCALE_0_10,
    QuestionType.YES_NO,
}


class Strict(BaseModel):
    """Unknown keys are mistakes in hand-edited content, so they are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ChoiceDef(Strict):
    """One answer a choice question offers. ``score`` is stored as the answer's number."""

    value: str = Field(pattern=ID_PATTERN, max_length=60)
    label: str = Field(min_length=1, max_length=150)
    score: float | None = None
    description: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_label(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"value": slug(data), "label": data}
        return data


class Condition(Strict):
    """Ask a question only when an earlier answer matches (``equals``, ``in`` or ``includes``)."""

    question: str
    equals: str | None = None
    in_: list[str] | None = Field(default=None, alias="in")
    includes: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_test(self) -> Self:
        tests = [t for t in (self.equals, self.in_, self.includes) if t is not None]
        if len(tests) != 1:
            raise ValueError("a 'when' condition needs exactly one of: equals, in, includes")
        return self

    def holds(self, answers: dict[str, Any]) -> bool:
        """Whether the condition is met by the answers given so far (unanswered means not met)."""
        given = answers.get(self.question)
        if given is None:
            return False
        if self.includes is not None:
            return isinstance(given, list) and self.includes in given
        if self.in_ is not None:
            return str(given) in self.in_
        return str(given) == self.equals


class QuestionDef(Strict):
    """One question of a survey."""

    id: str = Field(pattern=ID_PATTERN, max_length=60)
    type: QuestionType
    text: str = Field(min_length=1, max_length=600)
    hint: str | None = None
    explain: str | None = None
    link: str | None = None
    optional: bool = False
    choices: list[ChoiceDef] = Field(default_factory=list)
    max_choices: int | None = Field(default=None, ge=1)
    max_length: int | None = Field(default=None, ge=1, le=2000)
    min: float | None = None
    max: float | None = None
    integer: bool = True
    when: Condition | None = None
    field: str | None = Field(default=None, pattern=r"^(role|team)$")
    sus_item: int | None = Field(default=None, ge=1, le=10)

    @model_validator(mode="after")
    def _choices_fit_type(self) -> Self:
        if self.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
            if len(self.choices) < 2:
                raise ValueError(f"a {self.type.value} question needs at least two choices")
            values = [c.value for c in self.choices]
            if len(set(values)) != len(values):
                raise ValueError("two choices have the same value")
        elif self.choices:
            raise ValueError(f"a {self.type.value} question has fixed answers: remove 'choices'")
        if self.max_choices is not None and self.type != QuestionType.MULTIPLE_CHOICE:
            raise ValueError("max_choices only applies to multiple_choice questions")
        if self.type == QuestionType.FREE_TEXT and self.max_length is None:
            raise ValueError("a free_text question needs a max_length")
        if self.sus_item is not None and self.type != QuestionType.AGREEMENT:
            raise ValueError("a sus_item must be an agreement question")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self

    def offered_choices(self) -> list[ChoiceDef]:
        """The choices as shown, including the fixed ones of scales and yes/no."""
        match self.type:
            case QuestionType.AGREEMENT:
                return [
                    ChoiceDef(value=str(i), label=lab, score=i) for i, lab in enumerate(AGREEMENT_LABELS, 1)
                ]
            case QuestionType.SCALE_0_10:
                return [ChoiceDef(value=str(i), label=str(i), score=i) for i in range(11)]
            case QuestionType.YES_NO:
                return [ChoiceDef(value="yes", label="Yes"), ChoiceDef(value="no", label="No")]
            case _:
                return list(self.choices)

    def choice(self, value: str) -> ChoiceDef | None:
        """The offered choice with this value, if any."""
        return next((c for c in self.offered_choices() if c.value == value), None)


class SurveyDef(Strict):
    """A survey: its questions in order and who it is for."""

    id: str = Field(pattern=ID_PATTERN, max_length=60)
    version: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(min_length=1, max_length=400)
    audience: list[str] = Field(default_factory=lambda: list(ROLES))
    minutes: int = Field(default=3, ge=1, le=30)
    intro: str | None = None
    outro: str = "Thank you. Your answers have been saved."
    records_as: str | None = None
    listed: bool = True
    questions: list[QuestionDef] = Field(min_length=1)

    @field_validator("audience")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; roles are {list(ROLES)}")
        return value

    @model_validator(mode="after")
    def _questions_consistent(self) -> Self:
        seen: dict[str, QuestionDef] = {}
        for i, q in enumerate(self.questions):
            if q.id in seen:
                raise ValueError(f"@questions.{i}.id: question id '{q.id}' is used twice")
            if q.when is not None and q.when.question not in seen:
                raise ValueError(
                    f"@questions.{i}.when: question '{q.id}' has a 'when' on '{q.when.question}', "
                    "which is not an earlier question"
                )
            seen[q.id] = q
        items = [q.sus_item for q in self.questions if q.sus_item is not None]
        if items and sorted(items) != list(range(1, 11)):
            raise ValueError("@questions: a survey with SUS items must have exactly items 1 to 10, once each")
        return self

    @property
    def stored_as(self) -> str:
        """The survey id its answers are stored under (a walkthrough stores as its assessment)."""
        return self.records_as or self.id

    def question(self, question_id: str) -> QuestionDef | None:
        """The question with this id, if the survey has it."""
        return next((q for q in self.questions if q.id == question_id), None)

    def index(self, question_id: str) -> int:
        """The position of a question (raises ValueError if unknown)."""
        for i, q in enumerate(self.questions):
            if q.id == question_id:
                return i
        raise ValueError(question_id)


def slug(label: str) -> str:
    """A choice value made from its label: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:60] or "choice"
