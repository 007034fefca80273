"""The two marks neutral text may carry, and how to read them: bold and a command.

Bold is written ``*words*``; a command, words the user types, between backticks. The dialogs (and
the reports) write a command as ``command("plan")`` rather than by hand.
Each channel shows the marks its own way: Slack's mrkdwn reads both natively (bold, and code);
Teams cards make both bold; the web page and plain-text messages drop the bold marks and put a
command in quotation marks, so no mark is ever shown literally.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["plain", "bold", "command"]

# A command first, so an asterisk inside one (``digest cron 0 9 * * 1``) is not read as bold.
MARKS = re.compile(r"`([^`\n]+)`|\*([^*\n]+)\*")
OPEN_QUOTE, CLOSE_QUOTE = "\u201c", "\u201d"


def command(words: str) -> str:
    """Words the user types, marked as a command (``type `plan```)."""
    return f"`{words}`"


def spans(text: str) -> list[tuple[Kind, str]]:
    """The text as (kind, words) pieces, in order, without their marks."""
    out: list[tuple[Kind, str]] = []
    position = 0
    for match in MARKS.finditer(text):
        if match.start() > position:
            out.append(("plain", text[position : match.start()]))
        if match.group(1) is not None:
            out.append(("command", match.group(1)))
        else:
            out.append(("bold", match.group(2)))
        position = match.end()
    if position < len(text):
        out.append(("plain", text[position:]))
    return out


def plain(text: str) -> str:
    """The text with no marks: bold words as they are, a command in quotation marks."""
    return "".join(
        f"{OPEN_QUOTE}{words}{CLOSE_QUOTE}" if kind == "command" else words for kind, words in spans(text)
    )
