"""Reading a command from what a user typed or pressed: the one place that splits the text."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.values import CampaignValue, CommandValue, Value


@dataclass(frozen=True, slots=True)
class Command:
    """A command word (lower case) and the rest of the message."""

    name: str
    args: str = ""


def parse(text: str | None) -> Command | None:
    """The command a typed message starts with, or None for an empty message.

    The first word, case-folded, names the command; trailing full stops and exclamation marks are
    ignored ("stop." is stop). "guide me" is one command; "continue" and "carry on" mean resume; "stop reminders" is the
    campaign command that opts out of a campaign's reminders; "my data" and "forget me" are one command each.
    """
    words = (text or "").strip().rstrip(".!").split(maxsplit=1)
    if not words:
        return None
    head, rest = words[0].casefold(), words[1].strip() if len(words) > 1 else ""
    if head == "guide" and rest.casefold() == "me":
        return Command("guide me")
    if head == "stop" and rest.casefold() == "reminders":
        return Command("campaign", "stop-reminders")
    second, _, after = rest.partition(" ")
    if (head, second.casefold()) in (("my", "data"), ("forget", "me")):
        return Command(f"{head} {second.casefold()}", after.strip())
    if (head == "continue" and not rest) or (head == "carry" and rest.casefold() in ("", "on")):
        return Command("resume")
    return Command(head, rest)


def of_input(text: str | None, value: Value | None) -> Command | None:
    """The command of a message: a pressed command button, else the typed text's first word."""
    if isinstance(value, CommandValue):
        return Command(value.name, value.args)
    if isinstance(value, CampaignValue):
        return Command("campaign", f"{value.action} {value.campaign_id}")
    if value is not None:
        return None
    return parse(text)


def is_bare(command: Command | None, *names: str) -> bool:
    """Whether ``command`` is one of ``names`` with nothing after it."""
    return command is not None and command.name in names and not command.args
