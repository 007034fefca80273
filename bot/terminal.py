"""``guidebot chat``: the web chat's conversation in a terminal, on the same database."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from bot.content import turn_handler
from bot.inbound import Inbound
from bot.reports.install import add_insight_commands
from bot.rights import install_rights
from bot.settings import Settings, secret_key
from dialogs import emphasis
from dialogs.replies import (
    FROM_GUIDANCE_HEADING,
    NAMED_ONLY_NOTE,
    SUGGESTIONS_HEADING,
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
from storage.db import Database
from storage.migrate import upgrade


def as_text(reply: Reply) -> str:
    """A reply as terminal text; choices are numbered so they can be typed."""
    match reply:
        case Question():
            lines = [f"[{reply.progress}] {reply.text}" if reply.progress else reply.text]
            if reply.hint:
                lines.append(f"  ({reply.hint})")
            if reply.link:
                lines.append(f"  {reply.link.title}: {reply.link.url}")
            lines += [f"  {i}. {c.label}" for i, c in enumerate(reply.choices, 1)]
            return "\n".join(lines)
        case GuidanceAnswer():
            return _guidance_text(reply)
        case Prompt():
            return "\n".join([reply.text, *(f"  - {c.label}" for c in reply.choices)])
        case Links():
            return "\n".join([reply.title, *(f"  - {link.title}: {link.url}" for link in reply.links)])
        case Notice():
            link = [f"{reply.link.title}: {reply.link.url}"] if reply.link else []
            return "\n".join([reply.title, *reply.paragraphs, *link])
        case Image():
            return f"[image: {reply.alt_text}]"
        case Answered():
            return ""
        case Text():
            return reply.text
    return str(reply)


def _guidance_text(reply: GuidanceAnswer) -> str:
    lines = [reply.title, f"{FROM_GUIDANCE_HEADING}:"]
    if reply.named_only:
        lines.append(f"  ({NAMED_ONLY_NOTE})")
    lines += [f"  - {point}" for point in reply.from_guidance]
    if reply.suggestions:
        lines.append(f"{SUGGESTIONS_HEADING} (ours):")
        for s in reply.suggestions:
            sources = "; ".join(f"{source.title} {source.url}" for source in s.sources)
            lines.append(f"  - {s.text}" + (f" (Source: {sources})" if sources else ""))
    lines.append(f"{reply.guidance.title}: {reply.guidance.url}")
    return "\n".join(lines)


async def run_terminal_chat(settings: Settings, user: str, *, log_path: Path | None = None) -> int:
    """Read lines from the terminal until end of input or ``quit``; ``log_path`` is named where the log went."""
    db = Database(settings.resolved_database_url)
    await upgrade(db)
    turns = turn_handler(settings, db)
    add_insight_commands(settings, db, turns)
    install_rights(turns, db, key=secret_key(settings)[0], base_url=None)
    print(f"Chatting as web:{user}. Type help, or quit to leave.")
    if log_path is not None:
        print(f"(The log is written to {log_path}, not here.)")
    try:
        while True:
            try:
                line = await asyncio.to_thread(input, "> ")
            except EOFError:
                break
            if line.strip().casefold() in ("quit", "exit"):
                break
            outcome = await turns.handle(Inbound("web", user, f"web:{user}", uuid.uuid4().hex, text=line))
            for reply in outcome.replies:
                shown = emphasis.plain(as_text(reply))
                if shown:
                    print(shown)
    finally:
        await db.close()
    return 0
