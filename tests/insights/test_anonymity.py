"""The anonymity rules applied to real queries: small groups, derivable groups, small themes, no individuals."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.reports.anonymity import TOO_FEW
from bot.reports.digest import Digest, digest_text
from bot.reports.periods import parse_period
from bot.reports.plan_document import Quote, Table
from bot.reports.plan_sections import current_use
from storage.db import Database
from tests.insights.conftest import evidence_for, load
from tests.insights.data import CATALOG, MARCH, response, sus

LONDON = ZoneInfo("Europe/London")
PAIN = CATALOG.get("pain-points")
ALL = parse_period("all", MARCH, LONDON)


def staff(role: str, team: str, n: int, **answers: object) -> list:
    return [response({"role": role, "team": team, **sus(4, 2), **answers}) for _ in range(n)]


async def test_a_role_that_could_be_derived_from_the_total_is_hidden_too(db: Database) -> None:
    # 9 social workers, 5 senior practitioners and 1 team manager: hiding only the manager would
    # let anyone subtract the other two rows from the total of 15, so the smallest shown row goes too.
    await load(db, [*staff("social-worker", "assessment", 9), *staff("senior-practitioner", "assessment", 5),
                    *staff("team-manager", "cin-cp", 1)])  # fmt: skip
    evidence = await evidence_for(db, PAIN, ALL, 5, breakdowns=True)
    rows = {row.label: row for row in evidence.breakdowns["role"]}
    assert rows["Social worker"].respondents == 9 and rows["Social worker"].sus_mean == 75.0
    assert rows["Senior or advanced practitioner"].respondents is None
    assert rows["Team manager"].respondents is None and rows["Team manager"].sus_mean is None
    teams = {row.label: row.respondents for row in evidence.breakdowns["team"]}
    # One person in the second team: the first (14) is hidden as well, or 15 - 14 would give them away.
    assert teams == {"Assessment": None, "Children in need or child protection": None}
    section = current_use(evidence, (), lambda _: ("the guidance", "https://example.gov.uk"))
    table = next(b for b in section.blocks if isinstance(b, Table) and "by role" in b.caption)
    assert ("Team manager", TOO_FEW, TOO_FEW) in table.rows


async def test_a_response_missing_a_sus_item_is_never_released_so_group_means_cover_the_group(
    db: Database,
) -> None:
    # Three people in one team skipped an SUS item: were they released, that team's SUS mean would
    # be over fewer people than its row, and the overall mean minus the other team's would give
    # those fewer people's mean. They stay out of every figure instead.
    complete = [response({"role": "social-worker", "team": "assessment", **sus(4, 2)}) for _ in range(10)]
    cin_cp = [response({"role": "social-worker", "team": "cin-cp", **sus(2, 4)}) for _ in range(5)]
    partial = [
        response({"role": "social-worker", "team": "cin-cp", **sus(2, 4, missing=(10,))}) for _ in range(3)
    ]
    await load(db, [*complete, *partial, *cin_cp])
    evidence = await evidence_for(db, PAIN, ALL, 5, breakdowns=True)
    assert evidence.counts.completed == 15
    assert evidence.sus is not None and evidence.sus.count == 15
    teams = {row.label: row for row in evidence.breakdowns["team"]}
    assert teams["Assessment"].respondents == 10 and teams["Assessment"].sus_mean == 75.0
    cin = teams["Children in need or child protection"]
    assert cin.respondents == 5 and cin.sus_mean == 25.0


async def test_small_themes_have_no_figure_and_no_quote(db: Database) -> None:
    slow = [response({"frustration": f"It is slow on day {i}"}) for i in range(5)]
    twice = [response({"frustration": "I enter it all twice"}) for _ in range(2)]
    quiet = [response({"disruption": "rarely"}) for _ in range(3)]
    await load(db, [*slow, *twice, *quiet])
    evidence = await evidence_for(db, PAIN, ALL, 5)
    assert evidence.counts.completed == 10
    themes = {t.key: t for t in evidence.themes["frustration"]}
    assert set(themes) == {"speed"} and len(themes["speed"].quotes) == 3
    section = current_use(evidence, (), lambda _: ("the guidance", "https://example.gov.uk"))
    quotes = [b.text for b in section.blocks if isinstance(b, Quote)]
    assert quotes and not any("twice" in q for q in quotes)


async def test_fewer_respondents_than_the_threshold_show_nothing(db: Database) -> None:
    await load(
        db, staff("social-worker", "assessment", 4, disruption="daily", frustration="slow slow slow slow")
    )
    evidence = await evidence_for(db, PAIN, ALL, 5, breakdowns=True)
    assert not evidence.enough
    assert (evidence.distributions, evidence.sus, evidence.themes, evidence.breakdowns) == ({}, None, {}, {})
    text = digest_text(Digest(evidence), LONDON, "")
    assert TOO_FEW in text and "4" not in text.split("\n", 1)[1]


async def test_a_question_answered_by_too_few_is_left_out_though_the_survey_has_enough(db: Database) -> None:
    await load(
        db,
        [*staff("social-worker", "assessment", 8), *staff("social-worker", "assessment", 2, consulted="no")],
    )
    evidence = await evidence_for(db, PAIN, ALL, 5)
    # Two said no and eight did not answer: hiding only the two would let 10 - 8 give them away.
    consulted = evidence.distributions["consulted"]
    assert evidence.enough and not any(s.shown for s in consulted.shares)
    assert not any(c.figure.question_id == "consulted" for c in evidence.comparisons)
