"""``guidebot subject-access``, ``guidebot erase`` and ``guidebot audit``: rights requests made another way.

A person may ask the council (by email, on paper) rather than the bot. An administrator gives
their address as the role settings write it (``slack:T0123:U0123``, ``slack:U0123`` on a
single-workspace install, ``teams:<aadObjectId>``, ``web:<name>``); the bot works out the
pseudonyms and contact keys it stores them under. Both are recorded in the access log as the
administrator's, without the person's identity.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time
from functools import partial
from pathlib import Path
from typing import Any

from bot.access_log import ADMIN, AccessLog
from bot.reports.cli import _with_database
from bot.respondent import pseudonyms_of
from bot.rights import as_json, readable
from bot.sealing import Keys
from bot.settings import SLACK_USER, Settings, revealed, secret_key
from storage import access_log, personal_data
from storage.db import Database

CLI = "cli"
USER_HELP = "slack:T0123:U0123 (or slack:U0123 on one workspace), teams:<aadObjectId> or web:<name>"


def add_rights_commands(commands: Any) -> None:
    """Add ``subject-access``, ``erase`` and ``audit`` to the ``guidebot`` parser's subcommands."""
    access = commands.add_parser("subject-access", help="write everything stored about a person to a file")
    access.add_argument("--user", required=True, help=USER_HELP)
    access.add_argument("--out", type=Path, required=True, help="the JSON file to write")
    access.set_defaults(run=_subject_access)
    erase = commands.add_parser("erase", help="erase everything stored about a person")
    erase.add_argument("--user", required=True, help=USER_HELP)
    erase.add_argument("--yes", action="store_true", help="do not ask to confirm (for scripts)")
    erase.set_defaults(run=_erase)
    audit = commands.add_parser("audit", help="list the access log (who looked at results or personal data)")
    audit.add_argument("--since", type=_day, help="from this day on (YYYY-MM-DD)")
    audit.set_defaults(run=_audit)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date such as 2026-12-01") from None


class UserError(Exception):
    """The ``--user`` given cannot name a person."""


def stored_forms(settings: Settings, address: str) -> tuple[list[str], list[str]]:
    """The pseudonyms and contact keys a person's address may be stored under."""
    channel, _, user = address.partition(":")
    ok = user and (
        channel in ("teams", "web") or (channel == "slack" and SLACK_USER.match(user) and user != "*")
    )
    if not ok:
        raise UserError(f"'{address}' should look like {USER_HELP}")
    key = secret_key(settings)[0]
    keys = Keys(key)
    teams = _own_workspace(settings) if channel == "slack" and ":" not in user else []
    people = pseudonyms_of(key, address, teams=teams)
    member = user.rpartition(":")[2]
    forms = (
        [user]
        if channel != "slack"
        else [*(f"{t}:{member}" for t in teams), *([user] if ":" in user else []), member]
    )
    return people, [keys.contact(channel, form) for form in dict.fromkeys(forms)]


def _own_workspace(settings: Settings) -> list[str]:
    """The bot's own Slack workspace (``auth.test``), for a bare ``slack:U0123``; none without Slack."""
    token = revealed(settings.slack_bot_token)
    if not token:
        return []
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    try:
        team = WebClient(token=token, base_url=settings.slack_api_url, timeout=10).auth_test().get("team_id")
    except (SlackApiError, OSError) as exc:
        raise UserError(
            f"Slack did not say which workspace the bot is in ({type(exc).__name__}): give the user as "
            "slack:T0123:U0123"
        ) from None
    return [team] if isinstance(team, str) else []


def _log(db: Database) -> AccessLog:
    return AccessLog(db, lambda inbound: ADMIN, lambda: datetime.now(UTC))


def _subject_access(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content import load_content

    try:
        people, contacts = stored_forms(settings, args.user)
    except UserError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not args.out.parent.is_dir():
        print(f"There is no folder {args.out.parent} to write {args.out.name} in.", file=sys.stderr)
        return 2
    catalog = load_content(settings).catalog

    async def work(db: Database) -> personal_data.PersonalData:
        found = await db.read(partial(personal_data.collect, pseudonyms=people, contacts=contacts))
        await _log(db).add("subject-access", channel=CLI, requester=ADMIN, role=ADMIN)
        return found

    found = _with_database(settings, work)
    args.out.write_text(json.dumps(as_json(found, catalog), indent=2, ensure_ascii=False), encoding="utf-8")
    print(readable(found, catalog).replace("*", ""))
    print(f"\nWrote it to {args.out}.")
    return 0


def _erase(settings: Settings, args: argparse.Namespace) -> int:
    try:
        people, contacts = stored_forms(settings, args.user)
    except UserError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not args.yes:
        answer = input(f"Erase everything stored about {args.user}? It cannot be undone. Type yes: ")
        if answer.strip().casefold() != "yes":
            print("Nothing was erased.")
            return 1

    async def work(db: Database) -> dict[str, int]:
        removed = await db.write(partial(personal_data.erase, pseudonyms=people, contacts=contacts))
        await _log(db).add(
            "erasure", channel=CLI, requester=ADMIN, role=ADMIN, detail=",".join(sorted(removed))
        )
        return removed

    removed = _with_database(settings, work)
    if not removed:
        print(f"Nothing was stored about {args.user}.")
        return 0
    print("Erased: " + ", ".join(f"{n} from {table}" for table, n in sorted(removed.items())) + ".")
    return 0


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    since = datetime.combine(args.since, time(), tzinfo=settings.zone) if args.since else None

    async def work(db: Database) -> list[access_log.Access]:
        return await db.read(partial(access_log.entries, since=since))

    found = _with_database(settings, work)
    if not found:
        print("The access log is empty" + (f" since {args.since}." if since else "."))
        return 0
    print("when (UTC)           kind            channel  role          requester     survey        period")
    for e in found:
        at = e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)
        print(
            f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S}  {e.kind:<15} {e.channel:<8} {e.role:<13} "
            f"{e.requester[:12]:<13} {e.survey_id or '-':<13} {e.period or '-'}"
            + (f"  ({e.detail})" if e.detail else "")
        )
    return 0
