"""``guidebot plan``, ``guidebot export`` and ``guidebot demo-data``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from bot.settings import Settings, secret_key
from storage.db import Database

T = TypeVar("T")


def add_report_commands(commands: Any) -> None:
    """Add the report commands to the ``guidebot`` parser's subcommands."""
    from bot.reports.demo_data import DEMO_RESPONDENTS
    from bot.reports.export import FORMATS
    from bot.reports.periods import DEFAULT_PLAN_PERIOD, PERIOD_HELP

    plan = commands.add_parser("plan", help="write the improvement plan to a file (Markdown or HTML)")
    plan.add_argument(
        "--format", choices=("md", "html"), default="md", help="md pastes into a document; html prints on A4"
    )
    plan.add_argument("--out", type=Path, required=True, help="the file to write")
    plan.add_argument(
        "--period", default=DEFAULT_PLAN_PERIOD, help=f"default {DEFAULT_PLAN_PERIOD}; or {PERIOD_HELP}"
    )
    plan.set_defaults(run=_plan)
    export = commands.add_parser(
        "export", help="write every answer to a survey to a file, one row per answer"
    )
    export.add_argument("--survey", required=True, help="survey id, e.g. pain-points")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--out", type=Path, required=True, help="the file to write")
    export.add_argument("--exclude-demo", action="store_true", help="leave out demo responses")
    export.set_defaults(run=_export)
    demo = commands.add_parser(
        "demo-data", help="fill an empty database with synthetic responses, or remove them"
    )
    demo.add_argument(
        "--respondents",
        type=int,
        default=DEMO_RESPONDENTS,
        help=f"synthetic people (default {DEMO_RESPONDENTS})",
    )
    demo.add_argument("--remove", action="store_true", help="remove all demo responses")
    demo.set_defaults(run=_demo_data)


def _with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    from storage.migrate import upgrade

    async def run() -> T:
        db = Database(settings.resolved_database_url)
        try:
            await upgrade(db)
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(run())


async def _admin_access(
    db: Database, kind: str, *, survey: str = "", period: str = "", detail: str = ""
) -> None:
    """Record an access made on the command line (by whoever holds the database and the key)."""
    from datetime import UTC, datetime

    from bot.access_log import ADMIN, AccessLog

    log = AccessLog(db, lambda inbound: ADMIN, lambda: datetime.now(UTC))
    await log.add(
        kind, channel="cli", requester=ADMIN, role=ADMIN, survey=survey, period=period, detail=detail
    )


def _plan(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content import load_content
    from bot.reports.insights import Insights
    from bot.reports.plan_render import to_html, to_markdown

    content = load_content(settings)

    async def work(db: Database) -> str:
        insights = Insights(db, lambda: content, settings, secret_key(settings)[0])
        try:
            period = insights.period(args.period)
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
        await _admin_access(db, "plan", period=period.name)
        plan = await insights.plan(period, with_charts=args.format == "html")
        return to_html(plan) if args.format == "html" else to_markdown(plan)

    text = _with_database(settings, work)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"Wrote the improvement plan ({args.format}) to {args.out}.")
    return 0


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content import load_content
    from bot.reports.export import export_to_file
    from storage.exports import survey_answers

    survey = load_content(settings).catalog.get(args.survey)
    if survey is None:
        print(f"No survey '{args.survey}'.", file=sys.stderr)
        return 2

    def write(conn: Any) -> int:
        rows = survey_answers(conn, survey.stored_as, include_demo=not args.exclude_demo)
        return export_to_file(rows, survey, args.format, args.out)

    async def work(db: Database) -> int:
        await _admin_access(db, "export", survey=survey.id, detail=args.format)
        return await db.read(write)

    written = _with_database(settings, work)
    print(f"Wrote {written} answers to {args.out}.")
    return 0


def _demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content import load_content
    from bot.reports.demo_data import fill_demo
    from bot.turn import utcnow
    from storage.demo import remove_demo

    if args.remove:
        removed = _with_database(settings, lambda db: db.write(remove_demo, alone=True))
        print(f"Removed {removed} demo responses.")
        return 0
    if args.respondents < 1:
        print("--respondents must be at least 1.", file=sys.stderr)
        return 2
    catalog = load_content(settings).catalog
    fill = partial(fill_demo, catalog=catalog, respondents=args.respondents, now=utcnow())
    print(_with_database(settings, lambda db: db.write(fill, alone=True)))
    return 0
