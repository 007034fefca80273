"""Channel-neutral replies: what the dialogs say, before any channel renders it.

Every channel has one renderer for each of these types (JSON for the web chat, Block Kit for
Slack, Adaptive Cards for Teams). A choice's ``value`` is a typed value (``dialogs.values``) that
the channel carries in its payload (``values.encode``) and hands back when the user picks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dialogs.values import CommandValue, Value


@dataclass(frozen=True, slots=True)
class Link:
    """A titled address with a one-line description."""

    title: str
    url: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """One thing the user can pick: a button, a list option or a checkbox."""

    label: str
    value: Value


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the user is in a survey.

    ``total`` counts the questions everyone is asked; a question asked only after a certain answer
    is a ``follow_up`` and keeps the number of the question before it, so the count never changes,
    goes back or skips a number whichever path a person takes.
    """

    number: int
    total: int
    follow_up: bool = False

    def __str__(self) -> str:
        return f"Question {self.number} of {self.total}" + (" (follow-up)" if self.follow_up else "")


@dataclass(frozen=True, slots=True)
class Text:
    """A plain message; a ``private`` one is shown only to the person it answers, where the channel can."""

    text: str
    private: bool = False


# Every channel says so beside an optional question and offers this button.
OPTIONAL_NOTE = "This question is optional."
SKIP = Choice("Skip this question", CommandValue("skip"))


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
    # Where to read more (a guidance section, in the guide-me walkthrough): every channel makes it clickable.
    link: Link | None = None


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
class Links:
    """A list of links under a heading."""

    title: str
    links: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class Notice:
    """Something everyone is told, such as the privacy notice: a heading, a few short paragraphs, and
    where to read more (``link``; None when there is nowhere yet, which a paragraph then says)."""

    title: str
    paragraphs: tuple[str, ...]
    link: Link | None = None


@dataclass(frozen=True, slots=True)
class Image:
    """A picture (PNG bytes) with the alt text every channel must show or attach."""

    alt_text: str
    png: bytes = field(repr=False)
    title: str = ""


FROM_GUIDANCE_HEADING = "From the guidance"
SUGGESTIONS_HEADING = "Suggestions"
SUGGESTIONS_NOTE = "Our own practical suggestions, not the guidance's words."
NAMED_ONLY_NOTE = "The guidance's introduction only names this topic; the full guidance covers it."


@dataclass(frozen=True, slots=True)
class Suggested:
    """One of our suggestions, with the published documents its facts come from."""

    text: str
    sources: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True)
class GuidanceAnswer:
    """A guidance section as an answer, its two parts always kept apart and headed as such.

    ``from_guidance`` is what the guidance itself says (each point summarises a cited line of its
    introduction); ``suggestions`` are ours. ``named_only`` says the introduction only names the
    topic, so ``guidance`` (the link to the guidance) is where the rest is.
    """

    title: str
    from_guidance: tuple[str, ...]
    suggestions: tuple[Suggested, ...]
    guidance: Link
    named_only: bool = False

    def sources(self) -> tuple[Link, ...]:
        """Every source the suggestions cite, once each, in order."""
        return tuple(dict.fromkeys(source for s in self.suggestions for source in s.sources))


Reply = Text | Question | Answered | Prompt | Links | Notice | Image | GuidanceAnswer
