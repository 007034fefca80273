"""What managers see: problem statements that read well, SUS bars coloured by their scores, charts
readable on a phone, demo data said at the top, and Teams chart links that outlive the day."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, build_app
from bot.content import load_content
from bot.reports import charts
from bot.reports.digest import Digest, digest_text
from bot.reports.evidence import Share
from bot.reports.insights import Insights
from bot.reports.plan_render import short_text, to_html, to_markdown
from bot.reports.problem_statement import NOT_ENOUGH, OUTCOME_ABILITIES, TASK_PHRASES, draft_statement
from bot.reports.sus_bars import ABOVE, BELOW, MIXED, merged_bars
from bot.settings import load_settings
from dialogs.replies import Image
from dialogs.sus_score import summarise
from storage.db import Database
from tests.helpers import SECRET
from tests.insights.conftest import evidence_for, load
from tests.insights.data import CATALOG, MARCH, response, sus

PAIN, WANTS = CATALOG.get("pain-points"), CATALOG.get("desired-outcomes")
assert PAIN is not None and WANTS is not None
TASKS = [c.value for c in PAIN.question("tasks").offered_choices()]  # type: ignore[union-attr]
OUTCOMES = [c.value for c in WANTS.question("outcomes").offered_choices()]  # type: ignore[union-attr]


def _up_to_three(values: list[str]) -> list[tuple[str, ...]]:
    return [p for n in range(4) for p in itertools.permutations(values, n)]


def _reads_well(text: str) -> None:
    assert text.endswith(".") and "  " not in text and " ," not in text and ",," not in text
    for sentence in re.split(r"(?<=\.) ", text):
        assert sentence[0].isupper(), sentence
        assert sentence.casefold().count("staff") <= 1, sentence
    assert not re.search(r"\b(and and|the the|a a)\b", text)
    assert text.count("with children and families") <= 1, text
    assert "(speed)" not in text and "slower than it should be" not in text


def test_every_combination_of_tasks_reads_as_a_sentence() -> None:
    for tasks in _up_to_three(TASKS)[1:]:
        said = draft_statement(tasks, ["enter-once"], hours=3.6, sus=(52.0, "OK"))
        _reads_well(said)
        assert all(TASK_PHRASES[t] in said for t in tasks)


def test_every_combination_of_outcomes_reads_as_a_sentence() -> None:
    for outcomes in _up_to_three(OUTCOMES):
        said = draft_statement(["recording-visits", "double-entry", "speed"], outcomes, hours=0.3)
        _reads_well(said)
        assert all(OUTCOME_ABILITIES[o] in said for o in outcomes if o in OUTCOME_ABILITIES)
        assert "less than an hour a week" in said


def test_the_statements_people_read() -> None:
    said = draft_statement(
        ["recording-visits", "double-entry", "speed"],
        ["more-time-with-families", "find-information-fast", "enter-once"],
        hours=4.2,
        sus=(46.0, "OK"),
    )
    assert said == (
        "Staff lose most time to the case management system when they are recording visits, entering the "
        "same data twice and waiting for the system to respond. On average it costs each of them about 4 "
        "hours a week. It scores 46 out of 100 for usability (\u201cOK\u201d; the average system scores 68). "
        "We want a system that lets staff find information quickly and enter information only once, so that "
        "they spend more time with children and families and less on recording."
    )
    only_time = draft_statement(["search"], ["more-time-with-families"])
    assert only_time.endswith(
        "We want a system that gives staff more time with children and families and less on recording."
    )
    fast = draft_statement(["speed"], ["reliable-fast", "work-anywhere"], hours=1.2)
    assert "We want a system that is fast and reliable and lets staff work on a phone or tablet" in fast
    assert "about 1 hour a week" in fast
    added = draft_statement(
        ["new-task"], ["new-wish"], labels={"new-task": "Court bundles", "new-wish": "Less paper"}
    )
    assert (
        "on \u201cCourt bundles\u201d." in added and "Staff also asked for \u201cLess paper\u201d." in added
    )
    assert draft_statement([], ["enter-once"]) == NOT_ENOUGH


def test_sus_bars_are_coloured_by_the_scores_they_hold_and_merged_to_the_threshold() -> None:
    # 60 to 67.5 are all below 68: the 60s band is a "below" bar, the 70s an "above" one.
    scores = {60.0: 3, 62.5: 2, 65.0: 1, 67.5: 1, 70.0: 5, 80.0: 2, 85.0: 2, 90.0: 1, 100.0: 1}
    bars = merged_bars(scores, scores, 5)
    assert [(b.label(), b.count, b.side) for b in bars if b.count] == [
        ("60 to 69", 7, BELOW), ("70 to 79", 5, ABOVE), ("80 to 100", 6, ABOVE),
    ]  # fmt: skip
    # Too few on one side of 68: that side is merged across it, into a bar of its own colour.
    few_above = merged_bars({50.0: 6, 60.0: 2, 72.5: 3}, {50.0: 6, 60.0: 2, 72.5: 3}, 5)
    assert [(b.label(), b.count, b.side) for b in few_above if b.count] == [
        ("50 to 59", 6, BELOW),
        ("60 to 79", 5, MIXED),
    ]
    # Sizes are the people who count: a manager's score does not make a band big enough.
    padded = merged_bars({30.0: 5, 40.0: 5}, {30.0: 4, 40.0: 5}, 5)
    assert [(b.label(), b.count) for b in padded if b.count] == [("30 to 49", 10)]


def test_the_histogram_has_a_legend_and_a_mixed_bar_its_own_colour() -> None:
    scores = {50.0: 6, 60.0: 2, 72.5: 3}
    summary = summarise(scores)
    assert summary is not None
    figure = charts.sus_figure(merged_bars(scores, scores, 5), summary, "SUS")
    texts = {t.get_text() for t in figure.texts}
    assert {"below 68", "68 or above", "both (merged bar)"} <= texts
    [bars] = figure.axes[0].collections
    colours = {tuple(round(c, 3) for c in rgba[:3]) for rgba in bars.get_facecolors()}
    assert len(colours) == 2  # below and mixed: no bar holds only scores of 68 or more


def test_charts_stay_readable_when_a_phone_shows_them_320_pixels_wide() -> None:
    shares = [
        Share("recording-visits", "Writing assessments, plans and the reports that go with them", 30, 60)
    ]
    shares += [Share(f"v{i}", f"Task number {i}", 20 - i, 60) for i in range(7)]
    scores = {s * 2.5: 3 for s in range(0, 41)}
    summary = summarise(scores)
    assert summary is not None
    for figure in (
        charts.ranked_figure(shares, "Tasks"),
        charts.sus_figure(merged_bars(scores, scores, 5), summary, "SUS"),
    ):
        width = figure.get_size_inches()[0] * figure.dpi
        texts = [*figure.texts, *(t for axes in figure.axes for t in axes.texts)]
        smallest = min(t.get_fontsize() for t in texts if t.get_text().strip())
        assert smallest * figure.dpi / 72 * 320 / width >= 9  # pixels high at 320 wide
        assert width >= 600  # still crisp on a desktop


async def test_demo_data_is_said_at_the_top_of_the_digest_and_page_one_of_the_plan(
    db: Database, tmp_path: Path
) -> None:
    rows = [
        response({"role": "social-worker", **sus(4, 2), "tasks": ["search"]}, demo=True) for _ in range(5)
    ]
    await load(db, rows)
    settings = load_settings(data_dir=tmp_path, secret_key=SECRET)
    insights = Insights(db, lambda: load_content(settings), settings, SECRET.encode(), clock=lambda: MARCH)
    period = insights.period("2026-03")
    evidence = await evidence_for(db, PAIN, period, 5)
    text = digest_text(Digest(evidence), settings.zone, "")
    assert text.split("\n")[1].startswith("*Demo data:* All responses here are synthetic demo data")
    plan = await insights.plan(period)
    assert (
        to_markdown(plan).split("\n")[2].startswith("**Demo data: All responses in this plan are synthetic")
    )
    html = to_html(plan)
    assert html.index('class="notice"') < html.index("<h2")
    assert short_text(plan).split("\n")[1].startswith("*Demo data:")


async def test_serve_demo_says_on_the_console_why_it_added_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(data_dir=tmp_path / "data", secret_key=SECRET, demo=True)
    db = Database(settings.resolved_database_url)
    from storage.migrate import upgrade

    await upgrade(db)
    await load(db, [response({"role": "social-worker"}) for _ in range(3)])
    await db.close()
    async with TestClient(TestServer(build_app(settings))):
        pass
    [said] = [line for line in capsys.readouterr().err.splitlines() if "no demo data was added" in line]
    # A line of plain words of its own, beside whatever the log prints.
    assert said.startswith("Demo mode: no demo data was added, because this database already holds 3 real")
    assert said.endswith("guidebot serve --demo") and "{" not in said


async def test_a_teams_chart_link_works_for_months_not_a_day(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data", secret_key=SECRET, managers="web:boss")
    async with TestClient(TestServer(build_app(settings))) as client:
        from bot.reports.routes import INSIGHTS

        insights = client.server.app[INSIGHTS]
        made = datetime.now(UTC)
        url = await insights.image_url(Image("alt", b"\x89PNG\r\n\x1a\nchart", "Tasks"))
        local = f"{urlsplit(url).path}?{urlsplit(url).query}"
        insights.clock = lambda: made + timedelta(days=90)
        served = await client.get(local)
        assert served.status == 200 and await served.read() == b"\x89PNG\r\n\x1a\nchart"
        insights.clock = lambda: made + timedelta(days=settings.chart_days, minutes=1)
        assert (await client.get(local)).status == 403
        assert settings.chart_days == 400 and settings.report_link_hours == 24
        db = client.server.app[SERVICES].db
        assert db is not None and uuid.UUID(urlsplit(url).path.rsplit("/", 1)[1][:-4]).version == 4


async def test_a_schedule_stored_with_a_rolling_window_shows_a_fixed_period_and_says_so(
    db: Database, tmp_path: Path
) -> None:
    from bot.reports.commands import scheduled_digest
    from storage.schedules import Schedule

    settings = load_settings(data_dir=tmp_path, secret_key=SECRET)
    insights = Insights(db, lambda: load_content(settings), settings, SECRET.encode(), clock=lambda: MARCH)
    old = Schedule(
        "s-1",
        "web",
        "web:boss",
        None,
        "pain-points",
        "last-7-days",
        "0 9 * * 1",
        "every Monday at 09:00",
        MARCH,
    )
    replies = await scheduled_digest(insights, old, MARCH)
    said = replies[-1].text  # type: ignore[union-attr]
    assert said.startswith("Scheduled digest, every Monday at 09:00.")
    assert "It was set up for last-7-days" in said and "so it shows this-month" in said
    assert "digest for March 2026" in replies[0].text  # type: ignore[union-attr]
