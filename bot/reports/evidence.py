"""What staff said about one survey in one period, as figures that have passed the anonymity rules.

``gather`` reads one run of release batches (``storage.releases``): every figure is about the
same population, the responses released in the period, and counts what it shows out of it. It asks
``storage.aggregates`` for small grouped results and labels them from the survey definition. A
figure about fewer counting people than the threshold is never built, so it cannot leak
downstream: small cells of a distribution are hidden (with complementary suppression), options
picked by few are only said to be "fewer than k", SUS bars are merged until each holds enough
people, and a national comparison is made only where its cells are shown.

Thresholds count the responses that *count* (real people, not managers, not unauthenticated web
users), so nobody can lift a group over the threshold by answering themselves. A population with
no real response (demo data alone) is measured by its demo responses instead.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Connection

from bot.privacy import redact
from bot.reports.anonymity import can_show, suppressed_groups
from bot.reports.periods import Period
from bot.reports.published import PUBLISHED_FIGURES, PublishedFigure
from bot.reports.sus_bars import SusBar, below_average, merged_bars
from bot.reports.themes import themes_for
from dialogs.model import QuestionDef, QuestionType, SurveyDef
from dialogs.sus_score import SusSummary, summarise
from storage import aggregates as agg
from storage.populations import Population
from storage.releases import BatchRange

SINGLE_VALUE = {
    QuestionType.SINGLE_CHOICE,
    QuestionType.AGREEMENT,
    QuestionType.SCALE_0_10,
    QuestionType.YES_NO,
}
NOT_GIVEN = "Not given"
NOT_ANSWERED = "Not answered"
# The key of the "did not answer" cell of a single-choice question (no choice value is empty).
UNANSWERED = ""
# Question ids the reports rely on (the survey files say to keep ids stable); labels come from the files.
STAFF_SURVEY, OUTCOMES_SURVEY, MATURITY_SURVEY = "pain-points", "desired-outcomes", "digital-maturity"
DISRUPTION, TIME_LOST, CONSULTED = "disruption", "time_lost", "consulted"
TASKS, OUTCOMES = "tasks", "outcomes"
REPORT_QUESTIONS = frozenset({DISRUPTION, TIME_LOST, CONSULTED, TASKS, OUTCOMES})
QUOTE_LENGTH = 160
QUOTED_THEMES = 5


@dataclass(frozen=True, slots=True)
class Share:
    """One answer's count out of the period's released responses; ``count`` None when hidden."""

    value: str
    label: str
    count: int | None
    base: int

    @property
    def shown(self) -> bool:
        """Whether the count may be shown (enough people gave this answer)."""
        return self.count is not None

    @property
    def share(self) -> float:
        """The count as a fraction of the base (0 when hidden)."""
        return self.count / self.base if self.base and self.count is not None else 0.0


@dataclass(frozen=True, slots=True)
class Distribution:
    """A question's answers out of the ``base`` released responses, ``answered`` of which answered it.

    Shares are in the survey's order (ranked for multiple choice); a hidden cell has no count. For
    single choice, "Not answered" is a cell too (shown only when big enough), so the hidden cells
    can never be worked out from the base.
    """

    question: QuestionDef
    answered: int
    shares: tuple[Share, ...]
    base: int
    mean_number: float | None = None
    hidden: frozenset[str] = frozenset()

    def count_of(self, values: tuple[str, ...]) -> int | None:
        """How many gave any of ``values``; None when that would reveal a hidden cell.

        Allowed when none of the values is hidden, or every hidden cell is among them (the sum is
        then the base minus shown cells, which anyone can work out and which holds enough people).
        """
        wanted = set(values)
        if self.hidden & wanted and not self.hidden <= wanted:
            return None
        counts = {s.value: s.count for s in self.shares}
        shown = sum(counts.get(v) or 0 for v in wanted if v not in self.hidden)
        if not self.hidden or not self.hidden <= wanted:
            return shown
        return shown + self.base - sum(c for c in counts.values() if c is not None)

    def share_of(self, values: tuple[str, ...]) -> float:
        """The fraction of the base that gave any of ``values`` (0 when it cannot be shown)."""
        count = self.count_of(values)
        return count / self.base if count is not None and self.base else 0.0


@dataclass(frozen=True, slots=True)
class Theme:
    """A theme in free-text answers: how many mention it, and up to three short redacted quotes."""

    key: str
    label: str
    count: int
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Comparison:
    """A local count out of the period's responses beside a published national figure."""

    figure: PublishedFigure
    count: int
    base: int

    @property
    def local_share(self) -> float:
        """The local count as a share of the base."""
        return self.count / self.base if self.base else 0.0

    def sentence(self) -> str:
        """E.g. "62% of your staff (37 of 60) say ...; nationally almost 60% said so in 2019"."""
        return (
            f"{self.local_share:.0%} of your staff ({self.count} of {self.base}) "
            f"{self.figure.local_claim}; {self.figure.national_claim}"
        )


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One group of a breakdown (a role or a team): None figures were hidden by the anonymity rules."""

    label: str
    respondents: int | None
    sus_mean: float | None = None
    value: str | None = None


@dataclass
class Breakdown:
    """A breakdown's sizes before it is shown: each group's people and SUS, by value (None: not given).

    ``sizes`` are the sizes the threshold reads (counting people); ``people`` the ones shown.
    """

    question: QuestionDef
    total: int
    sizes: dict[str | None, int]
    people: dict[str | None, int]
    sus: dict[str | None, SusSummary | None]
    sus_sizes: dict[str | None, int]

    def rows(self, k: int, refused: Collection[str | None] = ()) -> list[GroupRow]:
        """The rows shown, hiding small groups, derivable ones and those ``refused`` by the audit."""
        riders_only = {g for g, n in self.people.items() if n > 0 and not self.sizes.get(g)}
        hidden = suppressed_groups(self.total, self.sizes, k, also_hidden={*refused, *riders_only})
        sus_hidden = suppressed_groups(sum(self.sus_sizes.values()), self.sus_sizes, k, also_hidden=hidden)
        labels = {c.value: c.label for c in self.question.offered_choices()}
        rows = []
        present = [g for g, n in self.people.items() if n > 0]
        for group in sorted(present, key=lambda g: (g in hidden, -self.people[g], str(g))):
            label = labels.get(group, group) if group is not None else NOT_GIVEN
            summary = self.sus.get(group)
            shown_sus = summary.mean if summary is not None and group not in sus_hidden else None
            people = None if group in hidden else self.people[group]
            rows.append(GroupRow(str(label), people, shown_sus, group))
        return rows


@dataclass
class SurveyEvidence:
    """Everything shown about one survey in one period, and the batches it was computed over."""

    survey: SurveyDef
    period: Period
    min_group_size: int
    batches: BatchRange
    counts: agg.ResponseCounts
    latest_batch: int = 0
    distributions: dict[str, Distribution] = field(default_factory=dict)
    sus: SusSummary | None = None
    sus_scores: dict[float, int] = field(default_factory=dict)
    sus_bars: tuple[SusBar, ...] = ()
    sus_below: int | None = None
    themes: dict[str, list[Theme]] = field(default_factory=dict)
    comparisons: list[Comparison] = field(default_factory=list)
    breakdowns: dict[str, list[GroupRow]] = field(default_factory=dict)
    pending_breakdowns: dict[str, Breakdown] = field(default_factory=dict)

    @property
    def real(self) -> bool:
        """Whether real responses are in the population (then only counting ones meet thresholds)."""
        return self.counts.real > 0

    def size(self, count: int, counting: int) -> int:
        """The size a threshold reads: counting responses, or all of them for demo data alone."""
        return counting if self.real else count

    @property
    def enough(self) -> bool:
        """Whether enough people responded for anything to be shown."""
        c = self.counts
        return c.completed > 0 and can_show(c.people, self.min_group_size)

    def ranked(self, question_id: str) -> tuple[Share, ...]:
        """A multiple-choice question's options, most picked first (empty when hidden)."""
        found = self.distributions.get(question_id)
        return found.shares if found else ()

    def population(self) -> Population:
        """The responses every figure here is about."""
        b = self.batches
        return Population(b.survey_id, "", "", b.first, b.last)

    def group_populations(self) -> list[Population]:
        """The populations of the breakdown groups shown."""
        b = self.batches
        return [
            Population(b.survey_id, by, row.value or "", b.first, b.last)
            for by, rows in self.breakdowns.items()
            for row in rows
            if row.respondents is not None
        ]


def sus_items(survey: SurveyDef) -> dict[str, int]:
    """Question id -> SUS item number, from the survey definition."""
    return {q.id: q.sus_item for q in survey.questions if q.sus_item is not None}


def gather(
    conn: Connection,
    survey: SurveyDef,
    period: Period,
    batches: BatchRange,
    min_group_size: int,
    *,
    latest_batch: int = 0,
    only: Collection[str] | None = None,
    themes: bool = True,
    quotes: bool = True,
    breakdowns: bool = False,
) -> SurveyEvidence:
    """Collect the figures for ``survey`` over ``batches`` (those released in ``period``).

    Nothing but counts when too few responded. ``only`` limits the distributions to some
    question ids (reports need a handful; None is all). Breakdowns are gathered but not shown
    until they pass the audit (``bot.reports.audit``).
    """
    scope = agg.Scope.of(batches)
    counts = agg.response_counts(conn, scope)
    evidence = SurveyEvidence(survey, period, min_group_size, batches, counts, latest_batch)
    if not evidence.enough:
        return evidence
    _distributions(conn, scope, evidence, only)
    items = sus_items(survey)
    sus_counts = agg.sus_score_counts(conn, scope, items) if items else {}
    if items:
        _sus(evidence, sus_counts)
    for question in survey.questions if themes else ():
        if question.type == QuestionType.FREE_TEXT:
            evidence.themes[question.id] = _themes(conn, scope, evidence, question, quotes)
    evidence.comparisons = _comparisons(evidence)
    if breakdowns:
        for question in survey.questions:
            if question.field is not None:
                evidence.pending_breakdowns[question.field] = _breakdown(
                    conn, scope, evidence, question, sus_counts
                )
    return evidence


def _distributions(
    conn: Connection, scope: agg.Scope, evidence: SurveyEvidence, only: Collection[str] | None
) -> None:
    k, base = evidence.min_group_size, evidence.counts.completed
    wanted = [q for q in evidence.survey.questions if only is None or q.id in only]
    single = [q for q in wanted if q.type in SINGLE_VALUE and q.field is None]
    counted = agg.value_counts(conn, scope, [q.id for q in single])
    for q in single:
        values = counted.get(q.id, {})
        answered = sum(v.count for v in values.values())
        if not answered:
            continue
        sizes = {value: evidence.size(v.count, v.counting) for value, v in values.items()}
        sizes[UNANSWERED] = evidence.size(base - answered, evidence.counts.counting - sum(
            v.counting for v in values.values()
        ))  # fmt: skip
        riders_only = {v for v, n in values.items() if n.count and not sizes[v]}
        if base > answered and not sizes[UNANSWERED]:
            riders_only.add(UNANSWERED)
        hidden = suppressed_groups(sum(sizes.values()), sizes, k, also_hidden=riders_only)
        shares = tuple(
            Share(c.value, c.label, None if c.value in hidden else values[c.value].count, base)
            for c in q.offered_choices()
            if c.value in values
        )
        if base > answered and UNANSWERED not in hidden:
            shares += (Share(UNANSWERED, NOT_ANSWERED, base - answered, base),)
        numbered = any(v.number_sum for v in values.values())
        # A mean over those who answered is about the whole population only when everyone did.
        mean = (
            sum(v.number_sum for v in values.values()) / answered if numbered and answered == base else None
        )
        evidence.distributions[q.id] = Distribution(q, answered, shares, base, mean, frozenset(hidden))
    for q in wanted:
        if q.type != QuestionType.MULTIPLE_CHOICE:
            continue
        picked = agg.choice_counts(conn, scope, q.id)
        if not picked.answered:
            continue
        labels = {c.value: c.label for c in q.offered_choices()}
        counting = picked.counting or {}
        shown = {v: n for v, n in picked.counts.items() if can_show(evidence.size(n, counting.get(v, 0)), k)}
        # Hidden options follow in the survey's order: ranking them would say which are fewest.
        order = {c.value: i for i, c in enumerate(q.offered_choices())}
        ranked = sorted(
            picked.counts.items(),
            key=lambda item: (item[0] in shown, item[1] if item[0] in shown else -order.get(item[0], 99)),
            reverse=True,
        )
        shares = tuple(Share(v, labels.get(v, v), shown.get(v), base) for v, _ in ranked)
        hidden = frozenset(v for v, _ in ranked if v not in shown)
        evidence.distributions[q.id] = Distribution(q, picked.answered, shares, base, None, hidden)


def _sus(evidence: SurveyEvidence, counts: dict[tuple[str | None, str | None, float], agg.Tally]) -> None:
    scores: dict[float, int] = {}
    sizes: dict[float, int] = {}
    for (_, _, score), tally in counts.items():
        scores[score] = scores.get(score, 0) + tally.count
        sizes[score] = sizes.get(score, 0) + evidence.size(tally.count, tally.counting)
    summary = summarise(scores)
    if summary is None or not can_show(sum(sizes.values()), evidence.min_group_size):
        return
    evidence.sus, evidence.sus_scores = summary, scores
    evidence.sus_bars = merged_bars(scores, sizes, evidence.min_group_size)
    evidence.sus_below = below_average(evidence.sus_bars)


def _comparisons(evidence: SurveyEvidence) -> list[Comparison]:
    found = []
    for figure in PUBLISHED_FIGURES:
        shown = evidence.distributions.get(figure.question_id)
        if shown is None or not all(shown.question.choice(v) is not None for v in figure.values):
            continue
        count = shown.count_of(figure.values)
        if count is not None:
            found.append(Comparison(figure, count, shown.base))
    return found


def _themes(
    conn: Connection, scope: agg.Scope, evidence: SurveyEvidence, question: QuestionDef, quotes: bool
) -> list[Theme]:
    definitions = themes_for(evidence.survey, question)
    if not definitions:
        return []
    k = evidence.min_group_size
    answered, counts = agg.theme_counts(conn, scope, question.id, {t.key: t.keywords for t in definitions})
    themes: list[Theme] = []
    for theme in sorted(definitions, key=lambda t: -counts[t.key].count):
        tally = counts[theme.key]
        if not can_show(evidence.size(tally.count, tally.counting), k) or not can_show(answered, k):
            continue
        said: tuple[str, ...] = ()
        if quotes and len(themes) < QUOTED_THEMES:
            found = agg.theme_quotes(conn, scope, question.id, theme.keywords, max_length=QUOTE_LENGTH)
            # Stored text is redacted already; redacting again guards rows written before a new rule.
            said = tuple(redact(text).text for text in found)
        themes.append(Theme(theme.key, theme.label, tally.count, said))
    return themes


def _breakdown(
    conn: Connection,
    scope: agg.Scope,
    evidence: SurveyEvidence,
    question: QuestionDef,
    sus_counts: dict[tuple[str | None, str | None, float], agg.Tally],
) -> Breakdown:
    by = question.field
    assert by is not None
    groups = agg.group_sizes(conn, scope, by)
    real = evidence.real
    sizes = {g: (n.counting if real else n.demo) for g, n in groups.items()}
    # A floor on the population's counting people: only whether it reaches the threshold matters.
    total = evidence.counts.people
    scores: dict[str | None, dict[float, int]] = {}
    sus_sizes: dict[str | None, int] = {}
    for (role, team, score), tally in sus_counts.items():
        group = role if by == "role" else team
        per_group = scores.setdefault(group, {})
        per_group[score] = per_group.get(score, 0) + tally.count
        sus_sizes[group] = sus_sizes.get(group, 0) + evidence.size(tally.count, tally.counting)
    summaries = {group: summarise(found) for group, found in scores.items()}
    people = {g: n.respondents for g, n in groups.items()}
    return Breakdown(question, total, sizes, people, summaries, sus_sizes)
