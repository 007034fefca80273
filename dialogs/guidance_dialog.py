"""Answering staff questions from the guidance: the best section, in its two parts, and feedback.

A confident answer is the best section (what the guidance says, then our suggestions) with the
next best as links; otherwise the bot says it is not sure and offers the closest sections as buttons.
"""

from __future__ import annotations

from datetime import datetime

from dialogs.effects import Effect, RecordFeedback, RecordGuidanceAnswer
from dialogs.emphasis import command
from dialogs.guidance import GuidanceLibrary, GuidanceSection
from dialogs.replies import Choice, GuidanceAnswer, Link, Links, Prompt, Reply, Suggested, Text
from dialogs.values import FeedbackValue, SectionValue

MAX_QUESTION = 500
CHOICES_WHEN_UNSURE = 3
NOT_SURE = "I'm not sure I have an answer to that."


def answer_question(
    library: GuidanceLibrary, question: str, answer_id: str, now: datetime
) -> tuple[list[Reply], list[Effect]]:
    """The best section for a question and "was this helpful?", or "not sure" with the closest sections."""
    question = question.strip()[:MAX_QUESTION]
    if len(question) < 2:
        return [Text("Could you say a bit more? For example: where do I start with procurement?")], []
    hits = library.search(question, 3)
    if not hits or not hits[0].confident:
        gap = RecordGuidanceAnswer(answer_id, question, (), False, now)
        return not_sure(library, [hit.section for hit in hits], answer_id), [gap]
    others = tuple(Link(h.section.title, h.section.url, h.section.summary) for h in hits[1:])
    replies: list[Reply] = [section_answer(library, hits[0].section)]
    if others:
        replies.append(Links("Other sections that may help", others))
    replies.append(helpful_prompt(answer_id))
    found = RecordGuidanceAnswer(answer_id, question, tuple(h.section.id for h in hits), True, now)
    return replies, [found]


def not_sure(library: GuidanceLibrary, closest: list[GuidanceSection], answer_id: str) -> list[Reply]:
    """Say so, and offer the closest two or three sections as buttons (or the guidance itself)."""
    if not closest:
        return [
            Text(
                f"{NOT_SURE} Try asking in other words, or type {command('help')} to see everything I can do."
            ),
            Links("The guidance", (Link("Open the guidance", library.start_page),)),
        ]
    choices = tuple(
        Choice(section.title, SectionValue(section.id, answer_id))
        for section in closest[:CHOICES_WHEN_UNSURE]
    )
    return [Prompt(f"{NOT_SURE} Is it about one of these? (Or type {command('help')}.)", choices)]


def chosen_section(
    library: GuidanceLibrary, section_id: object, answer_id: object
) -> tuple[list[Reply], list[Effect]]:
    """The section picked from a "not sure" answer's buttons, asking whether it helped that question."""
    try:
        section = library.section(str(section_id))
    except KeyError:
        return [Text("Sorry, that section is no longer in the guidance. Try asking again.")], []
    replies: list[Reply] = [section_answer(library, section)]
    if isinstance(answer_id, str):
        replies.append(helpful_prompt(answer_id))
    return replies, []


def section_answer(library: GuidanceLibrary, section: GuidanceSection) -> GuidanceAnswer:
    """A section as an answer: the guidance's points, our suggestions with their sources, and its link."""
    suggestions = tuple(
        Suggested(s.text, tuple(Link(doc.title, doc.url, doc.description) for doc in library.sources_for(s)))
        for s in section.suggestions
    )
    own_page = section.url != library.start_page
    title = f"Read \u201c{section.title}\u201d in the guidance" if own_page else "Open the guidance"
    return GuidanceAnswer(
        title=section.title,
        from_guidance=tuple(point.text for point in section.from_guidance),
        suggestions=suggestions,
        guidance=Link(title, section.url, section.summary),
        named_only=section.named_only,
    )


def helpful_prompt(answer_id: str) -> Prompt:
    """ "Was this helpful?" with Yes and No buttons that record feedback for ``answer_id``."""
    return Prompt(
        "Was this helpful?",
        (
            Choice("Yes", FeedbackValue(answer_id, True)),
            Choice("No", FeedbackValue(answer_id, False)),
        ),
    )


def feedback(value: FeedbackValue, now: datetime) -> tuple[list[Reply], list[Effect]]:
    """Record whether an answer helped."""
    helpful = value.helpful
    thanks = "Thank you, glad it helped." if helpful else "Thank you. We'll use that to improve the answers."
    return [Text(thanks)], [RecordFeedback(value.answer_id, helpful, now)]


def external_links(library: GuidanceLibrary) -> list[Reply]:
    """Every external resource, one line each."""
    links = tuple(Link(link.title, link.url, link.description) for link in library.links.values())
    return [Links("Useful resources", links)]
