"""A person's rights over what is stored under their pseudonym: ``my data`` and ``forget me``.

Pseudonymised answers are still personal data for whoever holds the key, so a person can see
everything stored about them (a readable message, and the same as a JSON file behind a signed link
that only they are sent, valid for an hour) and have it erased after confirming. Both are answered
only in a direct message, never in a shared channel, and both are recorded in the access log
without the person's identity (the requester is ``self``). ``guidebot subject-access`` and
``guidebot erase`` (``bot.rights_cli``) do the same for an administrator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from aiohttp import web

from bot.inbound import Inbound
from bot.logs import get_logger
from bot.reports import links
from bot.respondent import pseudonym
from bot.sealing import Keys
from bot.turn import TurnHandler
from dialogs.loader import SurveyCatalog
from dialogs.replies import Choice, Link, Links, Prompt, Reply, Text
from dialogs.values import CommandValue
from storage import personal_data
from storage.db import Database
from storage.personal_data import PersonalData

log = get_logger(__name__)
DATA_PATH = "/my-data"
LINK_HOURS = 1
SELF = "self"  # the access log's requester when people ask about themselves: no identity kept
IN_PRIVATE = (
    "Your data is shown, or erased, only in a direct message with me (never in a shared channel): "
    "send me `my data` or `forget me` there."
)
CONFIRM = CommandValue("forget me", "confirm")
CANCEL = CommandValue("forget me", "cancel")


@dataclass(frozen=True, slots=True)
class Person:
    """Where a person's data is kept: their pseudonyms (newest form first) and contact keys."""

    pseudonyms: tuple[str, ...]
    contacts: tuple[str, ...]


def person_of(key: bytes, keys: Keys, inbound: Inbound) -> Person:
    """The pseudonyms and contact keys of the author of ``inbound`` (with the form from before team ids)."""
    forms = [inbound.person] + ([inbound.user_id] if inbound.workspace else [])
    return Person(
        tuple(pseudonym(key, inbound.channel, form) for form in forms),
        tuple(keys.contact(inbound.channel, form) for form in forms),
    )


def as_json(found: PersonalData, catalog: SurveyCatalog) -> dict[str, Any]:
    """Everything found, as a JSON-ready document with the questions' wording beside the answers."""
    wording, labels = _wording(catalog), _labels(catalog)
    return {
        "about": "Everything this bot stores under your pseudonym. Free text was stored with any details "
        "of children or families already removed.",
        "responses": [
            {
                "survey": r.survey_id,
                "status": r.status,
                "started_at": r.started_at.isoformat(),
                "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                "role": r.role,
                "team": r.team,
                "in_figures": r.in_figures,
                "answers": [
                    {
                        "question": wording.get((r.survey_id, a.question_id), a.question_id),
                        "answer": a.value,
                        "shown_as": _shown(a.value, labels.get((r.survey_id, a.question_id), {})),
                        "answered_at": a.answered_at.isoformat(),
                    }
                    for a in r.answers
                ],
            }
            for r in found.responses
        ],
        "survey_in_progress": json.loads(found.dialog_state) if found.dialog_state else None,
        "campaign_invitations": [
            {
                "survey": i.survey_id,
                "state": i.state,
                "invited_at": i.invited_at.isoformat() if i.invited_at else None,
                "reminders": i.reminded,
            }
            for i in found.invitations
        ],
        "privacy_notice_shown_at": found.notice_shown_at.isoformat() if found.notice_shown_at else None,
        "chats_the_bot_can_write_to": found.conversations,
        "digest_schedules_you_set_up": found.schedules_created,
        "campaigns_you_started": found.campaigns_created,
        "access_log_entries_of_yours": found.access_log_entries,
    }


def readable(found: PersonalData, catalog: SurveyCatalog) -> str:
    """Everything found, as a message a person can read."""
    if found.empty:
        return "Nothing is stored about you."
    wording, labels = _wording(catalog), _labels(catalog)
    lines = ["*What is stored about you*"]
    for r in found.responses:
        title = catalog.get(r.survey_id).title if catalog.get(r.survey_id) else r.survey_id  # type: ignore[union-attr]
        state = "completed" if r.finished_at else r.status.replace("_", " ")
        lines.append(f"\n*{title}*, started {r.started_at:%d %B %Y} ({state})")
        for a in r.answers:
            question = wording.get((r.survey_id, a.question_id), a.question_id)
            lines.append(f"- {question}: {_shown(a.value, labels.get((r.survey_id, a.question_id), {}))}")
    if found.dialog_state:
        lines.append("\nWhere you are in a survey, so you can carry on.")
    for i in found.invitations:
        lines.append(f"\nInvited to the {i.survey_id} survey ({i.state}; {i.reminded} reminders).")
    if found.notice_shown_at:
        lines.append(f"\nThe privacy notice was shown to you on {found.notice_shown_at:%d %B %Y}.")
    extra = [
        (found.conversations, "chat the bot can write to", "chats the bot can write to"),
        (found.schedules_created, "digest schedule you set up", "digest schedules you set up"),
        (found.campaigns_created, "campaign you started", "campaigns you started"),
        (found.access_log_entries, "access-log entry of yours", "access-log entries of yours"),
    ]
    for n, one, many in extra:
        if n:
            lines.append(f"\n{n} {one if n == 1 else many}.")
    return "\n".join(lines)


def _shown(value: str | float | None, labels: dict[str, str]) -> str:
    """An answer as the person saw it: a choice's label (each of several), a number, or their text."""
    if value is None:
        return "(no answer)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if labels and all(part in labels for part in text.split(",")):
        return "; ".join(labels[part] for part in text.split(","))
    return text[:500]


def _labels(catalog: SurveyCatalog) -> dict[tuple[str, str], dict[str, str]]:
    return {
        (survey.stored_as, q.id): {c.value: c.label for c in q.choices}
        for survey in catalog.surveys.values()
        for q in survey.questions
    }


def _wording(catalog: SurveyCatalog) -> dict[tuple[str, str], str]:
    return {(survey.stored_as, q.id): q.text for survey in catalog.surveys.values() for q in survey.questions}


class RightsCommands:
    """``my data`` and ``forget me``, registered with the turn handler, and the file's route."""

    def __init__(self, turns: TurnHandler, db: Database, *, key: bytes, base_url: str | None) -> None:
        self.turns = turns
        self.db = db
        self._key = key
        self._link_key = links.link_key(key)
        self._base_url = base_url

    def register(self) -> None:
        """Add ``my data`` and ``forget me`` to the turn handler's commands."""
        self.turns.add_command("my data", self.my_data)
        self.turns.add_command("forget me", self.forget_me)

    def add_routes(self, app: web.Application) -> None:
        """Mount ``GET /my-data`` (the file behind the signed link)."""
        app.router.add_get(DATA_PATH, self.file)

    def _person(self, inbound: Inbound) -> Person:
        return person_of(self._key, self.turns.keys, inbound)

    async def my_data(self, inbound: Inbound, args: str) -> list[Reply]:
        """Everything stored about the person, as a message and a link to the same as a file."""
        if not inbound.is_direct:
            return [Text(IN_PRIVATE, private=True)]
        person = self._person(inbound)
        found = await self.db.read(
            partial(personal_data.collect, pseudonyms=person.pseudonyms, contacts=person.contacts)
        )
        await self.turns.access.add("subject-access", channel=inbound.channel, requester=SELF, role=SELF)
        log.info("rights.subject_access", channel=inbound.channel)
        replies: list[Reply] = [Text(readable(found, self.turns.content.catalog))]
        if not found.empty and self._base_url is not None:
            now = self.turns.access.clock()
            url = links.signed_url(
                self._link_key,
                self._base_url,
                DATA_PATH,
                {"p": person.pseudonyms[0], "c": person.contacts[0]},
                now=now,
                valid_for=timedelta(hours=LINK_HOURS),
            )
            replies.append(
                Links(
                    "The same as a file",
                    (Link("Download your data (JSON)", url, f"The link works for {LINK_HOURS} hour."),),
                )
            )
        if not found.empty:
            replies.append(Text("To have all of it erased, type `forget me`."))
        return replies

    async def forget_me(self, inbound: Inbound, args: str) -> list[Reply]:
        """Ask to confirm, then erase everything stored about the person."""
        if not inbound.is_direct:
            return [Text(IN_PRIVATE, private=True)]
        answer = args.strip().casefold()
        if answer == CANCEL.args:
            return [Text("Nothing was erased.")]
        if answer != CONFIRM.args:
            return [
                Prompt(
                    "This erases everything stored about you: your answers to every survey (they leave "
                    "every figure from now on), where you are in a survey, and your campaign invitations. "
                    "It cannot be undone. Erase it? (Press a button, or type `forget me confirm`.)",
                    (Choice("Yes, erase it", CONFIRM), Choice("No, keep it", CANCEL)),
                )
            ]
        person = self._person(inbound)
        lane = self.turns.keys.lane(inbound.channel, inbound.conversation_id)
        removed = await self.db.write(
            partial(
                personal_data.erase, pseudonyms=person.pseudonyms, contacts=person.contacts, lanes=(lane,)
            )
        )
        await self.turns.access.add(
            "erasure", channel=inbound.channel, requester=SELF, role=SELF, detail=_tables(removed)
        )
        log.info("rights.erased", channel=inbound.channel, rows=sum(removed.values()))
        return [Text("Done: everything stored about you has been erased. Later digests no longer count it.")]

    async def file(self, request: web.Request) -> web.Response:
        """The person's data as a JSON download, while the signed link is valid."""
        params = links.verify(self._link_key, DATA_PATH, dict(request.query), now=self.turns.access.clock())
        if params is None or "p" not in params or "c" not in params:
            return web.Response(
                status=403,
                text="This link has expired or is not valid. Ask the bot for a new one: type `my data`.",
                headers=PRIVATE,
            )
        found = await self.db.read(
            partial(personal_data.collect, pseudonyms=[params["p"]], contacts=[params["c"]])
        )
        body = json.dumps(as_json(found, self.turns.content.catalog), indent=2, ensure_ascii=False)
        headers = {**PRIVATE, "Content-Disposition": 'attachment; filename="my-data.json"'}
        return web.Response(text=body, content_type="application/json", charset="utf-8", headers=headers)


PRIVATE = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def _tables(removed: dict[str, int]) -> str:
    """Which tables lost rows (no counts of answers: they would say how much the person had said)."""
    return ",".join(sorted(removed))[:200]


def install_rights(
    turns: TurnHandler, db: Database, *, key: bytes, base_url: str | None, app: web.Application | None = None
) -> RightsCommands:
    """Register ``my data`` and ``forget me`` and, with an ``app``, mount the file's route.

    Without a ``base_url`` (the terminal chat, where no server serves the file) the message alone
    is sent; ``guidebot subject-access`` writes the file.
    """
    rights = RightsCommands(turns, db, key=key, base_url=base_url)
    rights.register()
    if app is not None:
        rights.add_routes(app)
    return rights
