"""Adaptive Card building blocks (schema 1.4, which Teams renders on desktop, web and mobile).

All text goes into ``TextRun`` elements, which Adaptive Cards never read as Markdown: whatever a
user typed is shown literally, so it cannot become a link, a mention or formatting. The neutral
replies mark bold as ``*words*`` and a command between backticks; each becomes a bold run.
"""

from __future__ import annotations

from typing import Any

from dialogs import emphasis

CARD_VERSION = "1.4"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Microsoft's renderer flags an ActionSet of more than five actions (its host config's maxActions).
MAX_ROW = 5
SHORT_LABEL = 14

Element = dict[str, Any]


def plain(text: str) -> str:
    """Neutral text without its marks (a command in quotation marks), for plain-text messages and summaries."""
    return emphasis.plain(text)


def runs(line: str, *, subtle: bool = False) -> list[Element]:
    """One line as text runs, bold where the neutral text marks bold or a command."""
    return [_run(words, subtle=subtle, bold=kind != "plain") for kind, words in emphasis.spans(line)]


def paragraphs(text: str, *, subtle: bool = False, size: str | None = None) -> list[Element]:
    """Neutral text as one RichTextBlock per line (blank lines become spacing)."""
    blocks: list[Element] = []
    gap = False
    for line in text.split("\n"):
        if not line.strip():
            gap = True
            continue
        block: Element = {"type": "RichTextBlock", "inlines": runs(line, subtle=subtle)}
        if gap:
            block["spacing"] = "Medium"
            gap = False
        if size:
            for run in block["inlines"]:
                run["size"] = size
        blocks.append(block)
    return blocks


def literal(text: str, *, bold: bool = False, subtle: bool = False) -> Element:
    """Text shown exactly as given (for what users typed): one run, no bold marks read."""
    return {"type": "RichTextBlock", "inlines": [_run(text, bold=bold, subtle=subtle)]}


def submit(title: str, data: dict[str, Any], *, ignore_inputs: bool = False) -> Element:
    """An ``Action.Submit`` whose ``data`` comes back as the message's ``value``."""
    action: Element = {"type": "Action.Submit", "title": title, "data": data}
    if ignore_inputs:
        action["associatedInputs"] = "none"
    return action


def open_url(title: str, url: str) -> Element:
    """An ``Action.OpenUrl``."""
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def action_rows(actions: list[Element]) -> list[Element]:
    """Buttons as ActionSets: short labels side by side (up to five a row, rows as even as they can
    be, so 0 to 10 is 4, 4 and 3 rather than 5, 5 and a lone 10), long ones one per row."""
    if not actions:
        return []
    if all(len(a["title"]) <= SHORT_LABEL for a in actions):
        rows = -(-len(actions) // MAX_ROW)
        per_row = -(-len(actions) // rows)
        return [
            {"type": "ActionSet", "actions": actions[i : i + per_row]}
            for i in range(0, len(actions), per_row)
        ]
    return [{"type": "ActionSet", "actions": [action]} for action in actions]


def card(body: list[Element]) -> Element:
    """An Adaptive Card attachment, full width in Teams."""
    return {
        "contentType": CARD_CONTENT_TYPE,
        "content": {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": CARD_VERSION,
            "body": body,
            "msteams": {"width": "Full"},
        },
    }


def _run(text: str, *, subtle: bool = False, bold: bool = False) -> Element:
    run: Element = {"type": "TextRun", "text": text}
    if bold:
        run["weight"] = "Bolder"
    if subtle:
        run["isSubtle"] = True
    return run
