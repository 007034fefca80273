"""Insights at national scale: digests and the plan over a million answers, beside a plain full scan.

Generates about 1,000,000 answers from about 35,000 synthetic respondents (England's children's
social work workforce) over a year, loads them in bulk (executemany batches, not through turns),
then times, on each database:

- one plain full scan of the answers (``SELECT count(*), sum(value_number) FROM answer``);
- the digest's queries and the whole digest with its charts, for the default period (this month so
  far, with last month for comparison) and for all responses at once;
- the digest of this month again with a campaign of the survey running (everyone invited), so it
  carries the campaign's response rate;
- the whole improvement plan (this year, its default, and all responses), breakdowns audited.

Loading releases the completed responses in batches, in completion order, as turns would have
(``storage.releases``); the figures read released responses only.

Each figure is the median of several runs; peak memory is the process's ``ru_maxrss``. After
loading, PostgreSQL is vacuumed as autovacuum would do on a live server (``--no-vacuum`` skips it),
so its index-only reads find the visibility map set.

    python bench/insights_bench.py                                   # SQLite in a temporary folder
    python bench/insights_bench.py --postgres postgresql://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.campaigns.service import Campaigns
from bot.content import load_content
from bot.reports.demo_data import DemoPlan, demo_responses
from bot.reports.digest import collect_context, collect_main
from bot.reports.evidence import STAFF_SURVEY
from bot.reports.insights import Insights
from bot.reports.released import Released
from bot.settings import load_settings
from bot.turn import TurnHandler
from storage import campaigns as campaigns_store
from storage.campaigns import CampaignRow
from storage.db import Database
from storage.demo import analyse, data_size, insert_responses, plain_scan, response_total
from storage.migrate import upgrade
from storage.releases import batch_range

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
# One pain-points round is about 17.7 answers with desired outcomes; 62% answer in two rounds.
REPEAT_SHARE = 0.62


async def timed(label: str, work: Callable[[], Awaitable[Any]], runs: int) -> float:
    """The median seconds of ``runs`` runs of ``work`` (after one warm-up run)."""
    await work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"  {label:<44} {median * 1000:8.0f} ms", flush=True)
    return median


async def bench(url: str, respondents: int, runs: int, load: bool, vacuum: bool) -> None:
    settings = load_settings(
        database_url=url, secret_key="bench-secret-key-0123456789", data_dir=Path(tempfile.gettempdir())
    )
    content = load_content(settings)
    db = Database(url)
    await upgrade(db)
    total, _ = await db.read(response_total)
    if load or not total:
        plan = DemoPlan(respondents, NOW, days=365, seed=7, is_demo=False, repeat_share=REPEAT_SHARE)
        started = time.perf_counter()
        answers = await db.write(
            lambda conn: insert_responses(conn, demo_responses(content.catalog, plan), batch=1000)
        )
        if vacuum and not db.is_sqlite:
            await _on_postgres(url, "VACUUM ANALYZE")
        else:
            await db.write(analyse)
        print(f"  loaded {answers:,} answers in {time.perf_counter() - started:.1f} s", flush=True)
    answers, responses, people = await db.read(data_size)
    print(f"  {answers:,} answers, {responses:,} responses, {people:,} respondents", flush=True)

    insights = Insights(db, lambda: content, settings, b"bench-key", clock=lambda: NOW)
    survey = content.catalog.get(STAFF_SURVEY)
    assert survey is not None
    month, year, everything = (insights.period(p) for p in ("this-month", "this-year", "all"))

    def scan() -> Awaitable[Any]:
        return db.read(plain_scan)

    def queries(period: Any) -> Awaitable[Any]:
        return db.read(partial(_digest_queries, catalog=content.catalog, survey=survey, period=period))

    plain = await timed("plain full scan of answers", scan, runs)
    for name, period in (("this month + last month", month), ("all responses", everything)):
        q = await timed(f"digest queries, {name}", lambda p=period: queries(p), runs)
        d = await timed(f"digest with charts, {name}", lambda p=period: insights.digest(survey, p), runs)
        print(f"  {'':<44} queries {q / plain:.1f}x the scan, whole digest {d / plain:.1f}x", flush=True)
    # A campaign of the staff survey this month, to everyone: every digest then carries its rate.
    campaigns = await _campaign(db, settings, content, people, month)
    insights.footers.append(campaigns.rate_lines)
    d = await timed("digest with charts and rates, this month", lambda: insights.digest(survey, month), runs)
    print(f"  {'':<44} whole digest with a campaign's response rate {d / plain:.1f}x the scan", flush=True)
    await timed("plan with charts, this year", lambda: insights.plan(year), runs)
    await timed("plan with charts, all responses", lambda: insights.plan(everything), runs)
    await db.close()


async def _campaign(db: Database, settings: Any, content: Any, people: int, month: Any) -> Campaigns:
    """A running campaign of the staff survey launched at the start of ``month``, with ``people`` invited."""
    launched = month.start
    row = CampaignRow(
        "bench-campaign", 0, "slack", "bench", "sealed", "sealed", "everyone", STAFF_SURVEY, campaigns_store.DRAFT,
        "bench", launched, launched + timedelta(days=28),
    )  # fmt: skip
    members = [(f"bench-person-{i}", "sealed") for i in range(people)]
    await db.write(lambda conn: campaigns_store.add_draft(conn, row, members, now=launched), alone=True)
    await db.write(lambda conn: campaigns_store.launch(conn, row.id, now=launched, reminders_at=[]))
    member = campaigns_store.MEMBER
    await db.write(
        lambda conn: conn.execute(
            member.update().values(state=campaigns_store.INVITED, reach=campaigns_store.DIRECT)
        )
    )
    turns = TurnHandler(db, content, key=b"bench-key")
    return Campaigns(settings, turns, None, clock=lambda: NOW)  # type: ignore[arg-type]  # no sending here


def _digest_queries(conn: Any, catalog: Any, survey: Any, period: Any) -> Any:
    """The digest's reads over the batches released in the period and the one before."""
    main, before = (
        Released(batch_range(conn, survey.stored_as, p.start, p.end), 0) if p is not None else None
        for p in (period, period.previous)
    )
    wants = catalog.get("desired-outcomes")
    outcomes = Released(batch_range(conn, wants.stored_as, period.start, period.end), 0)
    evidence = collect_main(conn, survey, period, main, 5)
    return collect_context(conn, evidence, catalog, previous=before, outcomes=outcomes)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sqlite",
        type=Path,
        help="SQLite file to use (default: a new temporary one; replaced unless --reuse)",
    )
    parser.add_argument("--postgres", help="PostgreSQL URL (its tables are dropped and refilled)")
    parser.add_argument("--respondents", type=int, default=35_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-vacuum", action="store_true", help="PostgreSQL: only ANALYZE after loading")
    parser.add_argument("--reuse", action="store_true", help="keep data already loaded in the database")
    args = parser.parse_args()
    if args.postgres:
        url, load = args.postgres, not args.reuse
        if load:
            asyncio.run(_on_postgres(url, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"))
    else:
        path = args.sqlite or Path(tempfile.mkdtemp()) / "insights_bench.db"
        url, load = f"sqlite:///{path}", not (args.reuse and path.exists())
        if load:
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
    print(f"{'PostgreSQL' if args.postgres else 'SQLite'}: {args.respondents:,} respondents", flush=True)
    asyncio.run(bench(url, args.respondents, args.runs, load, not args.no_vacuum))
    print(f"  peak memory (ru_maxrss) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


async def _on_postgres(url: str, sql: str) -> None:
    """Run ``sql`` on its own connection, outside any transaction (VACUUM cannot run inside one)."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


if __name__ == "__main__":
    main()
