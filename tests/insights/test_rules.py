"""Pure rules: SUS scoring and bands, periods, schedule rules and the anonymity rules."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.reports.anonymity import suppressed_groups, visible_breakdown
from bot.reports.periods import describe, fixed_for, is_period, parse_period
from bot.reports.schedule_rules import next_due, parse_rule
from dialogs.sus_score import adjective_band, median_of_counts, summarise, sus_score, t_critical_95

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 18, 10, 30, tzinfo=UTC)


# SUS: the content brief's rule


def test_sus_score_follows_the_brief() -> None:
    assert sus_score(dict.fromkeys(range(1, 11), 3)) == 50
    assert sus_score({i: 5 if i % 2 else 1 for i in range(1, 11)}) == 100
    assert sus_score({i: 1 if i % 2 else 5 for i in range(1, 11)}) == 0
    # Odd items (answer - 1): 4+3+2+1+0 = 10; even items (5 - answer): 0+1+2+3+4 = 10; 20 x 2.5.
    assert sus_score({1: 5, 3: 4, 5: 3, 7: 2, 9: 1, 2: 5, 4: 4, 6: 3, 8: 2, 10: 1}) == 50


def test_a_missing_item_means_no_score() -> None:
    answers = dict.fromkeys(range(1, 11), 3)
    del answers[7]
    assert sus_score(answers) is None
    assert sus_score({**dict.fromkeys(range(1, 10), 3), 10: None}) is None


@given(st.lists(st.integers(1, 5), min_size=10, max_size=10))
def test_every_complete_response_scores_from_0_to_100_in_steps_of_2_5(answers: list[int]) -> None:
    score = sus_score(dict(enumerate(answers, 1)))
    assert score is not None and 0 <= score <= 100 and (score / 2.5).is_integer()


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (10, "worst imaginable"),
        (35, "poor"),
        (50, "OK"),
        (62, "OK"),
        (68, "good"),
        (80, "excellent"),
        (97, "best imaginable"),
    ],
)
def test_adjective_bands(score: float, band: str) -> None:
    assert adjective_band(score) == band


def test_summary_statistics_by_hand() -> None:
    summary = summarise({50.0: 1, 100.0: 1, 75.0: 1, 25.0: 1, 0.0: 1})
    assert summary is not None
    assert (summary.count, summary.mean, summary.median) == (5, 50.0, 50.0)
    # SD = sqrt(6250 / 4) = 39.53; SE = 17.68; t(4) = 2.776; half-width 49.07.
    assert (round(summary.ci_low, 2), round(summary.ci_high, 2)) == (0.93, 99.07)
    assert summary.share_below_average == 0.6
    assert summarise({}) is None


def test_t_values_and_medians() -> None:
    assert t_critical_95(4) == 2.776
    assert t_critical_95(200) == pytest.approx(1.972, abs=0.001)
    assert median_of_counts([(1.0, 2), (2.0, 2)]) == 1.5
    assert median_of_counts([(1.0, 1), (2.0, 5), (9.0, 1)]) == 2.0


# Periods, in the council's time zone


def test_named_periods_and_the_period_before() -> None:
    month = parse_period("2026-03", NOW, LONDON)
    assert (month.start, month.end) == (
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 3, 31, 23, tzinfo=UTC),
    )
    assert month.previous is not None and month.previous.start == datetime(2026, 2, 1, tzinfo=UTC)
    quarter = parse_period("2026-Q1", NOW, LONDON)
    assert quarter.previous is not None and quarter.previous.name == "2025-Q4"
    this = parse_period("this-month", NOW, LONDON)
    assert this.start == month.start and this.previous is not None
    last = parse_period("last-month", NOW, LONDON)
    assert this.previous.end == this.start and (last.start, last.end) == (this.previous.start, this.start)
    assert parse_period("last-year", NOW, LONDON).name == "last-year"
    assert parse_period("all", NOW, LONDON).start is None
    assert describe(month, LONDON) == "March 2026 (1 March to 31 March 2026)"
    assert is_period("2026-q2") and not is_period("pain-points")
    with pytest.raises(ValueError, match="this-month"):
        parse_period("fortnight", NOW, LONDON)


def test_rolling_windows_are_refused_with_the_reason_and_the_fixed_periods_offered() -> None:
    for word in ("last-30-days", "last-31-days", "last-7-days"):
        assert is_period(word)
        with pytest.raises(ValueError) as refused:
            parse_period(word, NOW, LONDON)
        said = str(refused.value)
        assert "could single out one person" in said and "this-month" in said and "2026-Q1" in said


def test_a_schedule_stored_with_a_rolling_window_is_read_as_a_fixed_period() -> None:
    assert fixed_for("last-7-days") == fixed_for("last-31-days") == "this-month"
    assert fixed_for("last-90-days") == "this-quarter" and fixed_for("last-365-days") == "this-year"
    assert fixed_for("this-month") is None


# Schedule rules


def test_every_monday_at_nine_stays_at_nine_across_the_clock_change() -> None:
    rule, rest = parse_rule(["every", "monday", "09:00", "pain-points", "last-7-days"])
    assert (rule.cron, rule.description, rest) == (
        "0 9 * * 1",
        "every Monday at 09:00",
        ["pain-points", "last-7-days"],
    )
    before = next_due(rule.cron, datetime(2026, 3, 20, tzinfo=UTC), LONDON)
    after = next_due(rule.cron, before, LONDON)
    assert before == datetime(2026, 3, 23, 9, tzinfo=UTC)  # GMT
    assert after == datetime(2026, 3, 30, 8, tzinfo=UTC)  # 09:00 BST


def test_other_rules() -> None:
    assert parse_rule(["every", "weekday", "at", "8am"])[0].cron == "0 8 * * 1-5"
    assert parse_rule(["every", "day", "17:30"])[0].cron == "30 17 * * *"
    assert parse_rule(["cron", "15", "7", "1", "*", "*"])[0].cron == "15 7 1 * *"
    for bad in (
        ["every", "blursday"],
        ["cron", "1", "2"],
        ["every", "monday", "25:00"],
        ["cron", "a", "b", "c", "d", "e"],
    ):
        with pytest.raises(ValueError):
            parse_rule(bad)


# Anonymity


def test_groups_under_the_threshold_are_hidden() -> None:
    assert suppressed_groups(30, {"a": 12, "b": 10, "c": 4, "d": 4}, 5) == {"c", "d"}
    assert suppressed_groups(4, {"a": 3, "b": 1}, 5) == {"a", "b"}


def test_a_team_total_minus_all_its_roles_but_one_cannot_reveal_the_last() -> None:
    # The team (18) is shown; one role has 2 people. Hiding only that role would let anyone
    # subtract the other roles from 18, so the smallest shown role is hidden with it.
    roles = {"social-worker": 9, "senior-practitioner": 7, "business-support": 2}
    assert suppressed_groups(18, roles, 5) == {"business-support", "senior-practitioner"}
    assert visible_breakdown(18, roles, 5) == {
        "social-worker": 9,
        "senior-practitioner": None,
        "business-support": None,
    }


def test_hidden_groups_that_already_add_up_to_the_threshold_are_enough() -> None:
    assert suppressed_groups(20, {"a": 10, "b": 5, "c": 3, "d": 2}, 5) == {"c", "d"}


def test_groups_must_cover_the_total() -> None:
    with pytest.raises(ValueError, match="cover the total"):
        suppressed_groups(20, {"a": 10, "b": 5}, 5)


@given(st.dictionaries(st.sampled_from("abcdefg"), st.integers(1, 12), min_size=1), st.integers(2, 8))
def test_what_is_hidden_is_never_a_derivable_small_group(groups: dict[str, int], k: int) -> None:
    total = sum(groups.values())
    hidden = suppressed_groups(total, groups, k)
    if total < k:
        assert hidden == set(groups)
        return
    assert all(groups[g] >= k for g in groups if g not in hidden)
    # Subtracting the shown groups from the total reveals only the hidden ones together.
    assert not hidden or sum(groups[g] for g in hidden) >= k or hidden == set(groups)
