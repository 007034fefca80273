"""Neutral replies as Bot Framework message activities for Teams: plain text or Adaptive Cards.

Plain messages use ``textFormat: plain`` so Teams applies no Markdown or HTML to them; cards put
all text in ``TextRun``s. Either way, text a user wrote is shown as typed and never formatted.
A chart is shown from the address the bot serves it at (``image_url``): a PNG inlined as a data URI
would take most of a Teams message's size limit (about 28 KB) by itself.
"""

from __future__ import annotations

import base64
from typing import Any

from bot.channels.teams.cards import (
    Element,
    action_rows,
    card,
    literal,
    open_url,
    paragraphs,
    plain,
    runs,
    submit,
)
from bot.channels.teams.guidance_card import guidance_card, link_buttons
from dialogs import values
from dialogs.emphasis import command
from dialogs.replies import (
    OPTIONAL_NOTE,
    SKIP,
    Answered,
    GuidanceAnswer,
    Image,
    Links,
    Notice,
    Prompt,
    Question,
    Reply,
    Text,
)
from dialogs.values import AnswerValue, CommandValue

# The largest PNG put in a card as a data URI when no address is given (base64 adds a third).
MAX_INLINE_PNG = 12 * 1024

# Input ids on question cards. A submit's ``value`` is the button's data merged with the inputs
# (as strings), so inbound.py reads these ids back into the core's ``{"q": ..., "a": ...}``.
CHOICE_INPUT = "teams_choice"
CHOICES_INPUT = "teams_choices"
TEXT_INPUT = "teams_text"
DESCRIPTION_ID = "image_description"

BUTTON_KINDS = {"yes_no", "agreement", "scale_0_10"}
MAX_BUTTONS = 6
# The skip button's label on a card, short enough to sit in a row with the answers' buttons.
SKIP_LABEL = "Skip"

Activity = dict[str, Any]


def render(reply: Reply, *, image_url: str | None = None) -> Activity:
    """One neutral reply as a message activity (without its conversation or ids).

    ``image_url`` is where an Image reply is served (a signed, expiring link to the bot).
    """
    match reply:
        case Question():
            return _card_message(question_card(reply), reply.text)
        case Answered():
            return _card_message(answered_card(reply), f"Answered: {reply.question_text}")
        case Prompt():
            body = paragraphs(reply.text)
            body += action_rows([submit(c.label, values.encode(c.value)) for c in reply.choices])
            return _card_message(body, reply.text)
        case Links():
            return _card_message(links_card(reply), reply.title)
        case GuidanceAnswer():
            return _card_message(guidance_card(reply), reply.title)
        case Notice():
            return _card_message(notice_card(reply), reply.title)
        case Image():
            return _card_message(image_card(reply, image_url), reply.title or reply.alt_text)
        case Text():
            return {"type": "message", "textFormat": "plain", "text": plain(reply.text)}
    raise TypeError(f"no Teams rendering for {type(reply).__name__}")


def question_card(question: Question) -> list[Element]:
    """The question, its progress and hint, and the buttons or inputs that answer it."""
    body: list[Element] = []
    if question.progress:
        body.append(literal(str(question.progress), subtle=True))
    body += paragraphs(question.text)
    if question.hint:
        body += paragraphs(question.hint, subtle=True)
    if question.optional:
        body += paragraphs(OPTIONAL_NOTE, subtle=True)
    if question.link:
        body += link_buttons((question.link,))
    controls, actions = _answer_controls(question)
    body += controls
    if question.optional:
        actions.append(submit(SKIP_LABEL, values.encode(SKIP.value), ignore_inputs=True))
    return body + action_rows(actions)


def answered_card(answered: Answered) -> list[Element]:
    """What replaces a question's card once it is answered: the question and the answer, no buttons."""
    body = paragraphs(answered.question_text, subtle=True)
    if answered.skipped:
        return [*body, literal("Skipped.")]
    answer = literal(answered.answer_label)
    answer["inlines"][:0] = runs("*Your answer:* ")
    return [*body, answer]


def links_card(links: Links) -> list[Element]:
    """A heading, then each link's description above an ``Action.OpenUrl`` button named by its title.

    A button rather than a link in the text: Teams clients do not reliably make card text clickable.
    """
    body = paragraphs(f"*{links.title}*") if links.title else []
    for link in links.links:
        if not link.url.startswith(("https://", "http://")):
            continue
        if link.description:
            body.append(literal(link.description, subtle=True))
        body.append({"type": "ActionSet", "actions": [open_url(link.title, link.url)]})
    return body


def notice_card(notice: Notice) -> list[Element]:
    """A notice: its heading, its paragraphs, and a button that opens its link (as for links)."""
    body = paragraphs(f"*{notice.title}*")
    for paragraph in notice.paragraphs:
        body += paragraphs(paragraph)
    if notice.link is not None and notice.link.url.startswith(("https://", "http://")):
        body.append({"type": "ActionSet", "actions": [open_url(notice.link.title, notice.link.url)]})
    return body


def image_card(image: Image, url: str | None = None) -> list[Element]:
    """The picture from ``url`` with its alt text, and a button that shows the same description.

    The chart draws its own title, so the card does not repeat it above the picture; the alt text
    names it for screen readers. Teams opens the picture full size when it is clicked. Without an
    address a small picture goes inline as a data URI; a larger one is described in words alone
    (title and alt text), since it would not fit in a Teams message.
    """
    if url is None and len(image.png) <= MAX_INLINE_PNG:
        url = f"data:image/png;base64,{base64.b64encode(image.png).decode()}"
    if url is None:
        title = paragraphs(f"*{image.title}*") if image.title else []
        return [*title, literal(image.alt_text)]
    description = literal(image.alt_text)
    description.update(id=DESCRIPTION_ID, isVisible=False)
    toggle = {
        "type": "Action.ToggleVisibility",
        "title": "Image description",
        "targetElements": [DESCRIPTION_ID],
    }
    picture = {"type": "Image", "url": url, "altText": image.alt_text, "msTeams": {"allowExpand": True}}
    return [picture, {"type": "ActionSet", "actions": [toggle]}, description]


def welcome(*, personal: bool) -> Activity:
    """The one short card sent when the bot is added to a personal chat, a team or a group chat."""
    if personal:
        text = (
            "Hello, I'm *Guidebot*. I run short, anonymous surveys about your case management system "
            f"and answer questions about the DfE guidance.\nType {command('help')} at any time."
        )
    else:
        text = (
            f"Hello, I'm *Guidebot*. Mention me with {command('help')} to see what I can do. Surveys run in a "
            "private chat with me, so answers stay private."
        )
    body = paragraphs(text) + action_rows([submit("Show surveys", values.encode(CommandValue("surveys")))])
    return _card_message(body, text)


def _answer_controls(question: Question) -> tuple[list[Element], list[Element]]:
    send = submit("Send", values.encode(AnswerValue(question.question_id)))
    if question.kind in ("free_text", "number"):
        box: Element = {
            "type": "Input.Text",
            "id": TEXT_INPUT,
            "label": "Your answer",
            "isMultiline": question.kind == "free_text",
            "isRequired": True,
            "errorMessage": "Please type your answer.",
        }
        if question.max_length:
            box["maxLength"] = question.max_length
        return [box], [send]
    options = [{"title": c.label, "value": str(_answer(c.value))} for c in question.choices]
    if question.multiple:
        picker: Element = {
            "type": "Input.ChoiceSet",
            "id": CHOICES_INPUT,
            "label": "Your answers",
            "isMultiSelect": True,
            "style": "expanded",
            "choices": options,
            "isRequired": True,
            "errorMessage": "Please choose at least one.",
        }
        return [picker], [send]
    if question.kind in BUTTON_KINDS or len(question.choices) <= MAX_BUTTONS:
        return [], [submit(c.label, values.encode(c.value)) for c in question.choices]
    picker = {
        "type": "Input.ChoiceSet",
        "id": CHOICE_INPUT,
        "label": "Your answer",
        "style": "compact",
        "placeholder": "Choose one",
        "choices": options,
        "isRequired": True,
        "errorMessage": "Please choose one.",
    }
    return [picker], [send]


def _card_message(body: list[Element], summary: str) -> Activity:
    return {"type": "message", "summary": plain(summary)[:200], "attachments": [card(body)]}


def _answer(value: values.Value) -> object:
    return value.answer if isinstance(value, AnswerValue) else ""
