"""The ``/guide`` slash command: what to acknowledge at once, and what to send through the turn after."""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.slack.inbound import unescape
from bot.channels.slack.render import escape

USAGE = (
    "*/guide* commands:\n"
    "\u2022 `/guide survey [name]`: take a survey in a direct message with me\n"
    "\u2022 `/guide ask <question>`: ask about the guidance\n"
    "\u2022 `/guide digest` and `/guide plan`: summaries for managers and digital leads\n"
    "\u2022 `/guide my data` and `/guide forget me`: see, or erase, what is stored about you\n"
    "\u2022 `/guide invite <survey>`: invite this channel to a survey (managers and digital leads)\n"
    "\u2022 `/guide campaign <survey> closes <date>`: ask everyone here in a direct message, with reminders "
    "(managers and digital leads)\n"
    "\u2022 `/guide privacy`: how your answers are used, and who sees what\n"
    "You can also send me a direct message, or mention me in a channel."
)


@dataclass(frozen=True, slots=True)
class GuideCommand:
    """One ``/guide`` request: the ephemeral ``ack`` (Block Kit mrkdwn), then ``text`` through the turn.

    ``in_dm`` runs the turn in a direct message with the user; ``public`` lets an invitation (a
    prompt with a Start button) be seen by the whole channel. ``text`` None means the ack is all.
    """

    ack: str
    text: str | None = None
    in_dm: bool = False
    public: bool = False


def guide_command(typed: str) -> GuideCommand:
    """What ``/guide <typed>`` does."""
    words = unescape(typed).strip().split(maxsplit=1)
    sub = words[0].casefold() if words else "help"
    rest = words[1].strip() if len(words) > 1 else ""
    match sub:
        case "help":
            return GuideCommand(USAGE)
        case "survey" | "surveys" | "start":
            if not rest:
                return GuideCommand(
                    "I've sent you the surveys you can take, in a direct message.", "surveys", True
                )
            return GuideCommand(
                f"Starting \u201c{escape(rest)}\u201d in a direct message with me.", f"start {rest}", True
            )
        case "ask":
            if not rest:
                return GuideCommand(
                    "Ask me something after `/guide ask`, for example `/guide ask where do I start?`"
                )
            return GuideCommand("Looking that up\u2026", rest)
        case "digest" | "plan":
            # Charts can only be shared in a conversation, so reports come in a direct message.
            return GuideCommand(
                f"I'll send you the {sub} in a direct message.", f"{sub} {rest}".strip(), True
            )
        case "my" | "forget" if f"{sub} {rest}".casefold() in ("my data", "forget me"):
            # What is stored about a person is theirs alone: never in the channel.
            return GuideCommand(
                "I'll answer that in a direct message with me.", f"{sub} {rest}".casefold(), True
            )
        case "privacy":
            return GuideCommand("One moment\u2026", "privacy")
        case "invite":
            return GuideCommand("One moment\u2026", f"invite {rest}".strip(), public=True)
        case "campaign":
            # Counting the channel's members takes a moment; the confirmation comes privately.
            return GuideCommand("Counting who to ask\u2026", f"campaign {rest}".strip())
    return GuideCommand(f"I don't know \u201c{escape(sub[:40])}\u201d.\n{USAGE}")
