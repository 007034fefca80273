"""Answering staff questions from the guidance: the best sections with their links, and feedback."""

from __future__ import annotations

from datetime import datetime

from dialogs.effects import Effect, RecordFeedback, RecordGuidanceAnswer
from dialogs.guidance import GuidanceLibrary
from dialogs.replies import Choice, Link, Links, Prompt, Reply, Text
from dialogs.values import FeedbackValue

MAX_QUESTION = 500


def answer_question(
    library: GuidanceLibrary, question: str, answer_id: str, now: datetime
) -> tuple[list[Reply], list[Effect]]:
    """The three best sections for a question, the best with its key points, and "was this helpful?"."""
    question = question.strip()[:MAX_QUESTION]
    if len(question) < 2:
        return [Text("Could you say a bit more? For example: where do I start with procurement?")], []
    hits = library.search(question, 3)
    if not hits or not hits[0].confident:
        sections = tuple(Link(s.title, s.url, s.summary) for s in library.sections)
        replies: list[Reply] = [
            Text(
                "I'm not sure I have an answer to that. Here are the guidance sections; one may help. "
                "Type help to see everything I can do."
            ),
            Links("Guidance sections", sections),
        ]
        gap = RecordGuidanceAnswer(answer_id, question, (), False, now)
        return replies, [gap]
    best = hits[0].section
    points = "\n".join(f"\u2022 {p}" for p in best.key_points)
    replies = [
        Text(f"*{best.title}*\n{best.summary}\n{points}"),
        Links(
            "Most relevant guidance",
            tuple(Link(h.section.title, h.section.url, h.section.summary) for h in hits),
        ),
        Prompt(
            "Was this helpful?",
            (
                Choice("Yes", FeedbackValue(answer_id, True)),
                Choice("No", FeedbackValue(answer_id, False)),
            ),
        ),
    ]
    found = RecordGuidanceAnswer(answer_id, question, tuple(h.section.id for h in hits), True, now)
    return replies, [found]


def feedback(value: FeedbackValue, now: datetime) -> tuple[list[Reply], list[Effect]]:
    """Record whether an answer helped."""
    helpful = value.helpful
    thanks = "Thank you, glad it helped." if helpful else "Thank you. We'll use that to improve the answers."
    return [Text(thanks)], [RecordFeedback(value.answer_id, helpful, now)]


def external_links(library: GuidanceLibrary) -> list[Reply]:
    """Every external resource, one line each."""
    links = tuple(Link(link.title, link.url, link.description) for link in library.links.values())
    return [Links("Useful resources", links)]
