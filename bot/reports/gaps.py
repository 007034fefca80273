"""Gaps in the guidance content: the questions the bot could not answer well, grouped by wording.

A question is a gap when the bot answered "not sure" or the asker marked the answer not helpful.
Questions are stored redacted and without their asker, so the anonymity rule here counts questions,
not people: a group of fewer than ``GUIDEBOT_MIN_GROUP_SIZE`` questions shows its count, never its
words. ``collect_gaps`` runs in a read transaction; the rest is pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import Connection

from bot.reports.periods import Period
from bot.reports.plan_document import Block, Paragraph, PlanSection, Table
from dialogs.guidance_text import content_words
from storage.guidance_gaps import UnansweredQuestion, unanswered_questions

# Two questions whose content words, sorted, are this similar (0-100) are taken as one question put
# differently ("printer broken again" ~ "my printer is broken"); measured, not tuned to any data.
SIMILAR_WORDING = 75
TOP_GROUPS = 10
PLAN_GROUPS = 15


@dataclass(frozen=True, slots=True)
class GapGroup:
    """Questions asked in similar words: how many, why each was a gap, and the commonest wording.

    ``wording`` is None when the group has fewer questions than the threshold.
    """

    questions: int
    not_sure: int
    not_helpful: int
    wording: str | None


@dataclass(frozen=True, slots=True)
class Gaps:
    """The period's gap groups, most asked first."""

    period: Period
    groups: tuple[GapGroup, ...]
    min_group_size: int

    @property
    def questions(self) -> int:
        """Questions in every group."""
        return sum(group.questions for group in self.groups)


def _key(question: str) -> str:
    return " ".join(content_words(question)) or question.casefold().strip()


def group_questions(questions: Sequence[UnansweredQuestion], min_group_size: int) -> tuple[GapGroup, ...]:
    """Group questions by similar wording, most asked first; small groups lose their words."""
    keys: list[str] = []
    members: list[list[UnansweredQuestion]] = []
    for question in questions:
        key = _key(question.question)
        match = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILAR_WORDING)
        if match is None:
            keys.append(key)
            members.append([question])
        else:
            members[match[2]].append(question)
    groups = []
    for group in members:
        wording = Counter(q.question for q in group).most_common(1)[0][0]
        groups.append(
            GapGroup(
                questions=len(group),
                not_sure=sum(q.not_sure for q in group),
                not_helpful=sum(q.not_helpful and not q.not_sure for q in group),
                wording=wording if len(group) >= min_group_size else None,
            )
        )
    # Most asked first; among equals, groups that can be shown first, then by wording for a stable order.
    return tuple(sorted(groups, key=lambda g: (-g.questions, g.wording is None, g.wording or "")))


def collect_gaps(conn: Connection, period: Period, min_group_size: int) -> Gaps:
    """The period's gaps, grouped (run through ``Database.read``)."""
    questions = unanswered_questions(conn, period.start, period.end)
    return Gaps(period, group_questions(questions, min_group_size), min_group_size)


def _why(group: GapGroup) -> str:
    parts = [f"{group.not_sure} not sure"] if group.not_sure else []
    if group.not_helpful:
        parts.append(f"{group.not_helpful} marked not helpful")
    return ", ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def gaps_text(gaps: Gaps) -> str:
    """The chat message: the top groups, each with its count, and how to read them."""
    k = gaps.min_group_size
    if not gaps.groups:
        return f"No guidance questions went unanswered in {gaps.period.label}: nothing was answered \u201cnot sure\u201d or marked not helpful."
    lines = [
        f"*Guidance questions I could not answer well, {gaps.period.label}*: "
        f"{_plural(gaps.questions, 'question')} in {_plural(len(gaps.groups), 'group')} of similar wording, most asked first."
    ]
    for number, group in enumerate(gaps.groups[:TOP_GROUPS], 1):
        asked = f"{_plural(group.questions, 'question')} ({_why(group)})"
        if group.wording is None:
            lines.append(f"{number}. {asked}: fewer than {k}, so the wording is not shown.")
        else:
            lines.append(f"{number}. \u201c{group.wording}\u201d and similar: {asked}.")
    rest = gaps.groups[TOP_GROUPS:]
    if rest:
        lines.append(
            f"And {_plural(len(rest), 'more group')} ({_plural(sum(g.questions for g in rest), 'question')})."
        )
    lines.append(
        f"Questions are stored without who asked, so a group of fewer than {k} questions shows its count only. "
        "The improvement plan's appendix lists these too, for whoever edits the guidance content."
    )
    return "\n".join(lines)


def gaps_appendix(gaps: Gaps | None) -> PlanSection:
    """The plan's appendix of top gaps, so content editors see which questions to add answers for."""
    title = "Appendix: questions the guidance answers could not answer well"
    if gaps is None or not gaps.groups:
        blocks: tuple[Block, ...] = (
            Paragraph("No guidance questions went unanswered or were marked not helpful in this period."),
        )
        return PlanSection("gaps", title, blocks)
    k = gaps.min_group_size
    rows = tuple(
        (
            group.wording if group.wording is not None else f"(fewer than {k} questions: wording not shown)",
            str(group.questions),
            str(group.not_sure),
            str(group.not_helpful),
        )
        for group in gaps.groups[:PLAN_GROUPS]
    )
    blocks = (
        Paragraph(
            f"{_plural(gaps.questions, 'question')} to the bot got \u201cnot sure\u201d or were marked not helpful, "
            "grouped by similar wording. Add or improve a guidance section (content/guidance/) for the top ones."
        ),
        Table(
            f"Unanswered guidance questions, most asked first (a group of fewer than {k} shows its count only)",
            ("Question, as asked (redacted)", "Times asked", "Not sure", "Not helpful"),
            rows,
        ),
    )
    return PlanSection("gaps", title, blocks)
