"""What staff said about one survey in one period, as figures that have passed the anonymity rules.

``gather`` runs inside one read transaction, so every figure comes from the same snapshot. It asks
``storage.aggregates`` for small grouped results and labels them from the survey definition. A
figure about fewer respondents than the threshold is never built, so it cannot leak downstream.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Connection

from bot.privacy import redact
from bot.reports.anonymity import can_show, suppressed_groups, visible_breakdown
from bot.reports.periods import Period
from bot.reports.published import PUBLISHED_FIGURES, PublishedFigure
from bot.reports.themes import themes_for
from dialogs.model import QuestionDef, QuestionType, SurveyDef
from dialogs.sus_score import SusSummary, summarise
from storage import aggregates as agg

SINGLE_VALUE = {
    QuestionType.SINGLE_CHOICE,
    QuestionType.AGREEMENT,
    QuestionType.SCALE_0_10,
    QuestionType.YES_NO,
}
NOT_GIVEN = "Not given"
# Question ids the reports rely on (the survey files say to keep ids stable); labels come from the files.
STAFF_SURVEY, OUTCOMES_SURVEY, MATURITY_SURVEY = "pain-points", "desired-outcomes", "digital-maturity"
DISRUPTION, TIME_LOST, CONSULTED = "disruption", "time_lost", "consulted"
TASKS, OUTCOMES = "tasks", "outcomes"
REPORT_QUESTIONS = frozenset({DISRUPTION, TIME_LOST, CONSULTED, TASKS, OUTCOMES})
QUOTE_LENGTH = 160
QUOTED_THEMES = 5


@dataclass(frozen=True, slots=True)
class Share:
    """One answer's count out of the responses that answered the question."""

    value: str
    label: str
    count: int
    base: int

    @property
    def share(self) -> float:
        """The count as a fraction of the base."""
        return self.count / self.base if self.base else 0.0


@dataclass(frozen=True, slots=True)
class Distribution:
    """A question's answers: shares in the survey's order (or ranked, for multiple choice)."""

    question: QuestionDef
    answered: int
    shares: tuple[Share, ...]
    mean_number: float | None = None

    def share_of(self, values: tuple[str, ...]) -> float:
        """The fraction of answers that gave any of ``values``."""
        return (
            sum(s.count for s in self.shares if s.value in values) / self.answered if self.answered else 0.0
        )


@dataclass(frozen=True, slots=True)
class Theme:
    """A theme in free-text answers: how many mention it, and up to three short redacted quotes."""

    key: str
    label: str
    count: int
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Comparison:
    """A local share beside a published national figure."""

    figure: PublishedFigure
    local_share: float
    answered: int

    def sentence(self) -> str:
        """E.g. "62% of your staff say ...; nationally almost 60% said so in 2019"."""
        return f"{self.local_share:.0%} of your staff {self.figure.local_claim}; {self.figure.national_claim}"


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One group of a breakdown (a role or a team): None figures were hidden by the anonymity rules."""

    label: str
    respondents: int | None
    sus_mean: float | None = None


@dataclass
class SurveyEvidence:
    """Everything shown about one survey in one period."""

    survey: SurveyDef
    period: Period
    min_group_size: int
    counts: agg.ResponseCounts
    distributions: dict[str, Distribution] = field(default_factory=dict)
    sus: SusSummary | None = None
    sus_scores: dict[float, int] = field(default_factory=dict)
    themes: dict[str, list[Theme]] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)
    breakdowns: dict[str, list[GroupRow]] = field(default_factory=dict)

    @property
    def enough(self) -> bool:
        """Whether enough people responded for anything to be shown."""
        return can_show(self.counts.respondents, self.min_group_size)

    @property
    def completion_rate(self) -> float:
        """Completed responses as a fraction of those started."""
        return self.counts.completed / self.counts.started if self.counts.started else 0.0

    def ranked(self, question_id: str) -> tuple[Share, ...]:
        """A multiple-choice question's options, most picked first (empty when hidden)."""
        found = self.distributions.get(question_id)
        return found.shares if found else ()


def sus_items(survey: SurveyDef) -> dict[str, int]:
    """Question id -> SUS item number, from the survey definition."""
    return {q.id: q.sus_item for q in survey.questions if q.sus_item is not None}


def gather(
    conn: Connection,
    survey: SurveyDef,
    period: Period,
    min_group_size: int,
    *,
    only: Collection[str] | None = None,
    themes: bool = True,
    quotes: bool = True,
    breakdowns: bool = False,
) -> SurveyEvidence:
    """Collect the figures for ``survey`` in ``period``; nothing but counts when too few responded.

    ``only`` limits the distributions to some question ids (reports need a handful; None is all).
    """
    scope = agg.Scope(survey.stored_as, period.start, period.end)
    evidence = SurveyEvidence(survey, period, min_group_size, agg.response_counts(conn, scope))
    if not evidence.enough:
        return evidence
    _distributions(conn, scope, evidence, only)
    items = sus_items(survey)
    sus_counts = agg.sus_score_counts(conn, scope, items) if items else {}
    if items:
        evidence.sus_scores = _sus_by(sus_counts, None).get(None, {})
        summary = summarise(evidence.sus_scores)
        if summary is not None and can_show(summary.count, min_group_size):
            evidence.sus = summary
        else:
            evidence.sus_scores = {}
    for question in survey.questions if themes else ():
        if question.type == QuestionType.FREE_TEXT:
            evidence.themes[question.id] = _themes(conn, scope, survey, question, min_group_size, quotes)
    evidence.comparisons = [
        Comparison(figure, found.share_of(figure.values), found.answered)
        for figure in PUBLISHED_FIGURES
        if (found := evidence.distributions.get(figure.question_id)) is not None
        and all(found.question.choice(v) is not None for v in figure.values)
    ]
    if breakdowns:
        for question in survey.questions:
            if question.field is not None:
                by_group = _sus_by(sus_counts, question.field)
                evidence.breakdowns[question.field] = _breakdown(
                    conn, scope, question, by_group, min_group_size
                )
    return evidence


def _distributions(
    conn: Connection, scope: agg.Scope, evidence: SurveyEvidence, only: Collection[str] | None
) -> None:
    k = evidence.min_group_size
    wanted = [q for q in evidence.survey.questions if only is None or q.id in only]
    single = [q for q in wanted if q.type in SINGLE_VALUE and q.field is None]
    counted = agg.value_counts(conn, scope, [q.id for q in single])
    for q in single:
        values = counted.get(q.id, {})
        answered = sum(v.count for v in values.values())
        if not can_show(answered, k):
            continue
        shares = tuple(
            Share(c.value, c.label, values[c.value].count, answered)
            for c in q.offered_choices()
            if c.value in values
        )
        numbered = [v for v in values.values() if v.number_sum]
        mean = sum(v.number_sum for v in values.values()) / answered if numbered else None
        evidence.distributions[q.id] = Distribution(q, answered, shares, mean)
    for q in wanted:
        if q.type != QuestionType.MULTIPLE_CHOICE:
            continue
        picked = agg.choice_counts(conn, scope, q.id)
        if not can_show(picked.answered, k):
            continue
        labels = {c.value: c.label for c in q.offered_choices()}
        ranked = sorted(picked.counts.items(), key=lambda item: (-item[1], item[0]))
        shares = tuple(Share(v, labels.get(v, v), n, picked.answered) for v, n in ranked)
        evidence.distributions[q.id] = Distribution(q, picked.answered, shares)


def _themes(
    conn: Connection, scope: agg.Scope, survey: SurveyDef, question: QuestionDef, k: int, quotes: bool
) -> list[Theme]:
    definitions = themes_for(survey, question)
    if not definitions:
        return []
    answered, counts = agg.theme_counts(conn, scope, question.id, {t.key: t.keywords for t in definitions})
    themes = []
    for theme in sorted(definitions, key=lambda t: -counts[t.key]):
        count = counts[theme.key]
        if not can_show(count, k) or not can_show(answered, k):
            continue
        said: tuple[str, ...] = ()
        if quotes and len(themes) < QUOTED_THEMES:
            found = agg.theme_quotes(conn, scope, question.id, theme.keywords, max_length=QUOTE_LENGTH)
            # Stored text is redacted already; redacting again guards rows written before a new rule.
            said = tuple(redact(text).text for text in found)
        themes.append(Theme(theme.key, theme.label, count, said))
    return themes


def _sus_by(
    counts: dict[tuple[str | None, str | None, float], int], field_name: str | None
) -> dict[str | None, dict[float, int]]:
    """SUS score counts per role or team (or all together for None), from the one per-response pass."""
    grouped: dict[str | None, dict[float, int]] = {}
    for (role, team, score), n in counts.items():
        group = {"role": role, "team": team}.get(field_name or "")
        scores = grouped.setdefault(group, {})
        scores[score] = scores.get(score, 0) + n
    return grouped


def _breakdown(
    conn: Connection,
    scope: agg.Scope,
    question: QuestionDef,
    sus_by_group: dict[str | None, dict[float, int]],
    k: int,
) -> list[GroupRow]:
    by = question.field
    assert by is not None
    sizes = agg.group_sizes(conn, scope, by)
    visible = visible_breakdown(sum(sizes.values()), sizes, k)
    summaries = {group: summarise(scores) for group, scores in sus_by_group.items()}
    sus_sizes = {group: s.count for group, s in summaries.items() if s is not None}
    hidden = {group for group, n in visible.items() if n is None}
    sus_hidden = suppressed_groups(sum(sus_sizes.values()), sus_sizes, k, also_hidden=hidden)
    labels = {c.value: c.label for c in question.offered_choices()}
    rows = []
    for group, respondents in sorted(visible.items(), key=lambda kv: (kv[1] is None, -(kv[1] or 0))):
        label = labels.get(group, group) if group is not None else NOT_GIVEN
        summary = summaries.get(group)
        shown_sus = summary.mean if summary is not None and group not in sus_hidden else None
        rows.append(GroupRow(str(label), respondents, shown_sus))
    return rows
