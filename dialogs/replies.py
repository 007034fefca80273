"""Channel-neutral replies: what the dialogs say, before any channel renders it.

Every channel has one renderer for each of these types (JSON for the web chat, Block Kit for
Slack, Adaptive Cards for Teams). A choice's ``value`` is a typed value (``dialogs.values``) that
the channel carries in its payload (``values.encode``) and hands back when the user picks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dialogs.values import Value


@dataclass(frozen=True, slots=True)
class Choice:
    """One thing the user can pick: a button, a list option or a checkbox."""

    label: str
    value: Value


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the user is in a survey."""

    number: int
    total: int

    def __str__(self) -> str:
        return f"Question {self.number} of {self.total}"


@dataclass(frozen=True, slots=True)
class Text:
    """A plain message; a ``private`` one is shown only to the person it answers, where the channel can."""

    text: str
    private: bool = False


@dataclass(frozen=True, slots=True)
class Question:
    """A survey question with its choices (empty for typed answers) and progress.

    ``kind`` is one of the survey question types (``single_choice``, ``multiple_choice``,
    ``agreement``, ``scale_0_10``, ``yes_no``, ``number``, ``free_text``). ``multiple`` questions
    are answered with a list of choice values.
    """

    survey_id: str
    question_id: str
    text: str
    kind: str
    choices: tuple[Choice, ...] = ()
    progress: Progress | None = None
    hint: str | None = None
    optional: bool = False
    multiple: bool = False
    max_choices: int | None = None
    max_length: int | None = None


@dataclass(frozen=True, slots=True)
class Answered:
    """A question has just been answered (or ``skipped``): channels that can edit messages show it in place."""

    survey_id: str
    question_id: str
    question_text: str
    answer_label: str
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class Prompt:
    """A short message with command buttons (for example "Skip this question" / "Stop for now")."""

    text: str
    choices: tuple[Choice, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """A titled address with a one-line description."""

    title: str
    url: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Links:
    """A list of links under a heading."""

    title: str
    links: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class Image:
    """A picture (PNG bytes) with the alt text every channel must show or attach."""

    alt_text: str
    png: bytes = field(repr=False)
    title: str = ""


Reply = Text | Question | Answered | Prompt | Links | Image
