"""What a turn asks storage to write, as plain values: the dialogs decide, storage records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StartResponse:
    """A new survey response begins; ``counts`` is False when it must not count towards a release.

    (Its author holds a manager's or digital lead's role, or the channel does not authenticate.)
    """

    response_id: str
    survey_id: str
    survey_version: int
    started_at: datetime
    counts: bool = True


@dataclass(frozen=True, slots=True)
class RecordAnswer:
    """An answer to one question; replaces any earlier answer to it in the same response."""

    response_id: str
    question_id: str
    kind: str
    answered_at: datetime
    text: str | None = None
    number: float | None = None
    choices: tuple[str, ...] = ()
    field: str | None = None


@dataclass(frozen=True, slots=True)
class DropAnswer:
    """A question answered earlier was skipped after going back: its answer no longer stands."""

    response_id: str
    question_id: str


@dataclass(frozen=True, slots=True)
class FinishResponse:
    """A response ends, completed or abandoned (after ``restart``)."""

    response_id: str
    status: str
    finished_at: datetime


@dataclass(frozen=True, slots=True)
class RecordGuidanceAnswer:
    """A question answered from the guidance (redacted text); not confident means a content gap."""

    answer_id: str
    question: str
    sections: tuple[str, ...]
    confident: bool
    asked_at: datetime


@dataclass(frozen=True, slots=True)
class RecordFeedback:
    """The asker's "was this helpful?" for one guidance answer."""

    answer_id: str
    helpful: bool
    given_at: datetime


Effect = StartResponse | RecordAnswer | DropAnswer | FinishResponse | RecordGuidanceAnswer | RecordFeedback
