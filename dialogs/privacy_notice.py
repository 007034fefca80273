"""The privacy notice: its wording (``content/privacy-notice.yaml``), checked, and filled in with facts.

The wording is content a council edits; the facts (who runs the bot, the smallest group managers
see, how long answers are kept, the council's own notice) come from the settings, so the notice
cannot promise what the bot does not do. A wording that leaves a fact out is refused on load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dialogs.problems import ContentError, ContentProblem
from dialogs.replies import Link, Notice
from dialogs.yaml_lines import read_yaml, validation_problems

NOTICE_FILE = "privacy-notice.yaml"
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# Each fact the notice must state, and what it is, for the message when it is missing.
REQUIRED = {
    "org_name": "who runs the bot",
    "min_group_size": "the smallest group managers see totals for",
    "free_text_kept": "how long typed answers are kept",
    "answers_kept": "how long answers are kept",
}
KNOWN = frozenset(REQUIRED)


def _check_placeholders(text: str) -> str:
    unknown = [name for name in PLACEHOLDER.findall(text) if name not in KNOWN]
    if unknown:
        known = ", ".join("{" + name + "}" for name in sorted(KNOWN))
        raise ValueError(f"{{{unknown[0]}}} is not something the bot can fill in; use one of {known}")
    if "{" in PLACEHOLDER.sub("", text) or "}" in PLACEHOLDER.sub("", text):
        raise ValueError("a { or } is not closed: write a setting's name between one { and one }")
    return text


class NoticeWording(BaseModel):
    """The notice as a council words it, with ``{placeholders}`` for the facts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=80)
    paragraphs: tuple[str, ...] = Field(min_length=1, max_length=8)
    link_text: str = Field(min_length=1, max_length=80)
    no_link: str = Field(min_length=1, max_length=400)

    @field_validator("title", "link_text", "no_link")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        return _check_placeholders(value.strip())

    @field_validator("paragraphs")
    @classmethod
    def _paragraphs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for i, paragraph in enumerate(value):
            # "@<index>: " makes the problem point at the paragraph's own line (dialogs.yaml_lines).
            if not paragraph.strip():
                raise ValueError(f"@{i}: this paragraph is empty")
            if len(paragraph) > 400:
                raise ValueError(f"@{i}: over 400 characters: the notice should be a few short lines")
            try:
                _check_placeholders(paragraph)
            except ValueError as exc:
                raise ValueError(f"@{i}: {exc}") from None
        return tuple(p.strip() for p in value)

    @model_validator(mode="after")
    def _every_fact(self) -> NoticeWording:
        used = {name for text in self.paragraphs for name in PLACEHOLDER.findall(text)}
        missing = [name for name in REQUIRED if name not in used]
        if missing:
            said = "; ".join(f"{{{name}}} ({REQUIRED[name]})" for name in missing)
            raise ValueError(f"@paragraphs: the notice must say {said}")
        return self


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    """What the notice states, from the settings."""

    org_name: str
    min_group_size: int
    free_text_days: int
    answers_days: int
    privacy_url: str = ""


def kept_for(days: int) -> str:
    """A retention period in words: whole years or months where it is one, else days."""
    if days % 365 == 0:
        years = days // 365
        return "1 year" if years == 1 else f"{years} years"
    if days >= 60 and days % 30 == 0:
        return f"{days // 30} months"
    return "1 day" if days == 1 else f"{days} days"


def fill(wording: NoticeWording, facts: NoticeFacts) -> Notice:
    """The notice as people see it: every placeholder replaced, and the link or the words saying there is none."""
    values = {
        "org_name": facts.org_name,
        "min_group_size": str(facts.min_group_size),
        "free_text_kept": kept_for(facts.free_text_days),
        "answers_kept": kept_for(facts.answers_days),
    }

    def filled(text: str) -> str:
        # One pass: a value that itself holds braces (an organisation's name) is left as it is.
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)

    paragraphs = tuple(filled(p) for p in wording.paragraphs)
    if not facts.privacy_url:
        return Notice(filled(wording.title), (*paragraphs, filled(wording.no_link)))
    return Notice(filled(wording.title), paragraphs, Link(filled(wording.link_text), facts.privacy_url))


def load_notice_wording(path: Path) -> NoticeWording:
    """Read and check the notice's wording; raises ContentError naming the file and line of each problem."""
    label = str(path)
    if not path.is_file():
        raise ContentError([ContentProblem(label, None, "is missing: it is what people are told first")])
    data, node, problems = read_yaml(path, label)
    if problems:
        raise ContentError(problems)
    if not isinstance(data, dict):
        raise ContentError([ContentProblem(label, 1, "should be title, paragraphs, link_text and no_link")])
    try:
        return NoticeWording.model_validate(data)
    except ValidationError as exc:
        raise ContentError(validation_problems(exc, node, label)) from None
