"""A guidance answer as an Adaptive Card body: the guidance's points and our suggestions under their
own headings, every link an ``Action.OpenUrl`` button (Teams does not reliably make links in card
text clickable)."""

from __future__ import annotations

from bot.channels.teams.cards import Element, action_rows, literal, open_url, paragraphs
from dialogs.replies import (
    FROM_GUIDANCE_HEADING,
    NAMED_ONLY_NOTE,
    SUGGESTIONS_HEADING,
    SUGGESTIONS_NOTE,
    GuidanceAnswer,
    Link,
)


def link_buttons(links: tuple[Link, ...]) -> list[Element]:
    """One ``Action.OpenUrl`` button per https link, one a row."""
    return action_rows([open_url(link.title, link.url) for link in links if link.url.startswith("https://")])


def guidance_card(answer: GuidanceAnswer) -> list[Element]:
    """The card body for a guidance answer."""
    body: list[Element] = [literal(answer.title, bold=True)]
    body += paragraphs(f"*{FROM_GUIDANCE_HEADING}*")
    if answer.named_only:
        body += paragraphs(NAMED_ONLY_NOTE, subtle=True)
    body += [literal(f"\u2022 {point}") for point in answer.from_guidance]
    if answer.suggestions:
        body += paragraphs(f"\n*{SUGGESTIONS_HEADING}*")
        body += paragraphs(SUGGESTIONS_NOTE, subtle=True)
        for suggestion in answer.suggestions:
            line = f"\u2022 {suggestion.text}"
            if suggestion.sources:
                line += " (Source: " + "; ".join(source.title for source in suggestion.sources) + ")"
            body.append(literal(line))
        body += link_buttons(answer.sources())
    return body + link_buttons((answer.guidance,))
