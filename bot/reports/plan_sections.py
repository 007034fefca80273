"""The sections of the improvement plan, one function each, from figures already anonymised."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.reports.anonymity import TOO_FEW
from bot.reports.evidence import DISRUPTION, OUTCOMES, TASKS, TIME_LOST, Distribution, SurveyEvidence
from bot.reports.plan_document import (
    Action,
    Actions,
    Block,
    Bullets,
    Paragraph,
    PlanSection,
    Quote,
    Table,
)
from bot.reports.plan_evidence import MaturityStep, PlanEvidence
from bot.reports.problem_statement import draft_statement
from bot.reports.published import ADMIN_TIME, SUS_AVERAGE_SOURCE
from dialogs.model import QuestionType
from dialogs.replies import Image

Resolve = Callable[[str], tuple[str, str]]
LEVELS = {1: "Not started", 2: "Early steps", 3: "Mostly in place", 4: "Embedded and reviewed"}


def _section(id_: str, title: str, blocks: list[Block], guidance: str, resolve: Resolve) -> PlanSection:
    guidance_title, url = resolve(guidance)
    return PlanSection(id_, title, tuple(blocks), guidance_title, url)


def _top(evidence: SurveyEvidence | None, question_id: str, n: int = 3) -> list[str]:
    shares = evidence.ranked(question_id) if evidence is not None and evidence.enough else ()
    return [s.label[0].lower() + s.label[1:] for s in shares if s.shown][:n]


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _fewer(k: int) -> str:
    return f"fewer than {k}"


def _answer_rows(found: Distribution, k: int) -> tuple[tuple[str, ...], ...]:
    """Each answer with its count and share of the responses, or "fewer than k" where hidden."""
    return tuple(
        (s.label, str(s.count), f"{s.share:.0%}") if s.shown else (s.label, *_hidden(found, k))
        for s in found.shares
    )


def _hidden(found: Distribution, k: int) -> tuple[str, str]:
    # An option picked by few is said to be so; a single-choice cell may be hidden only so that
    # a smaller one cannot be worked out, so it is not called small.
    if found.question.type == QuestionType.MULTIPLE_CHOICE:
        return _fewer(k), "not shown"
    return TOO_FEW, "not shown"


def vision(evidence: PlanEvidence, wants: SurveyEvidence | None, resolve: Resolve) -> PlanSection:
    """Step 1: the vision and goals, from the maturity answers, with a prompt to write them down."""
    step = evidence.maturity.get("vision")
    if step is None or step.level is None:
        blocks: list[Block] = [
            Paragraph(
                "No digital-maturity assessment has been made yet. Type `guide me` to the bot to make one; "
                "until then, write the service's vision and two or three goals here."
            )
        ]
    else:
        blocks = [
            Paragraph(f"The maturity assessment puts the vision and goals at level {step.level:g} of 4.")
        ]
        blocks.append(
            Paragraph(
                "Write the agreed vision here, and check each action below against it."
                if step.level >= 3
                else "Agree with leaders what the service wants its systems to help it achieve, in line "
                "with the council's wider goals, and write it here."
            )
        )
    outcomes = _top(wants, OUTCOMES)
    if outcomes:
        blocks.append(Paragraph(f"Goals staff would recognise: {_listing(outcomes)}."))
    return _section("vision", "1. Vision and goals", blocks, "vision-and-goals", resolve)


def current_use(staff: SurveyEvidence | None, charts: tuple[Image, ...], resolve: Resolve) -> PlanSection:
    """Step 2: how the system is used and what staff told us, with the figures."""
    title = "2. How the current system is used, and what staff told us"
    if staff is None or not staff.enough:
        return _section(
            "current-use", title, [Paragraph(f"Staff survey: {TOO_FEW}.")], "how-systems-are-used", resolve
        )
    c, k = staff.counts, staff.min_group_size
    blocks: list[Block] = [
        Paragraph(
            f"{c.completed} completed staff responses; every figure below is out of these {c.completed}."
        )
    ]
    facts = []
    if staff.sus:
        s = staff.sus
        below = (
            f"{staff.sus_below / s.count:.0%} of scores are below the average of 68"
            if staff.sus_below is not None
            else f"how many score below the average of 68 is {TOO_FEW}"
        )
        facts.append(
            f"The system scores {s.mean:.1f} on the System Usability Scale (95% CI {s.ci_low:.1f} to "
            f"{s.ci_high:.1f}, median {s.median:g}), \u201c{s.band}\u201d; {below} ({SUS_AVERAGE_SOURCE})."
        )
    facts += [f"{comparison.sentence()}." for comparison in staff.comparisons]
    hours = staff.distributions.get(TIME_LOST)
    if hours is not None and hours.mean_number is not None:
        facts.append(
            f"Staff lose {hours.mean_number:.1f} hours a week each to the system on average; "
            f"nationally, {ADMIN_TIME[0]} ({ADMIN_TIME[1]})."
        )
    blocks.append(Bullets(tuple(facts)))
    disruption = staff.distributions.get(DISRUPTION)
    if disruption is not None:
        blocks.append(
            Table(
                f"{disruption.question.text} ({disruption.base} responses)",
                ("Answer", "Staff", "Share"),
                _answer_rows(disruption, k),
            )
        )
    blocks += list(charts)
    for question_id, themes in staff.themes.items():
        question = staff.survey.question(question_id)
        if not themes or question is None:
            continue
        blocks.append(Paragraph(f"Themes in answers to \u201c{question.text.split('(')[0].strip()}\u201d:"))
        for theme in themes:
            blocks.append(Paragraph(f"{theme.label}: {theme.count} mentions."))
            blocks += [Quote(q) for q in theme.quotes]
    for by, rows in staff.breakdowns.items():
        blocks.append(
            Table(
                f"Responses and SUS by {by} (\u201c{TOO_FEW}\u201d where a group is too small)",
                (by.capitalize(), "Respondents", "Mean SUS"),
                tuple(
                    (
                        row.label,
                        TOO_FEW if row.respondents is None else str(row.respondents),
                        TOO_FEW if row.sus_mean is None else f"{row.sus_mean:.1f}",
                    )
                    for row in rows
                ),
            )
        )
    return _section("current-use", title, blocks, "how-systems-are-used", resolve)


def barriers(staff: SurveyEvidence | None, resolve: Resolve) -> PlanSection:
    """Step 4: the barriers, ranked by how many staff named them."""
    found = staff.distributions.get(TASKS) if staff is not None and staff.enough else None
    if found is None or not any(s.shown for s in found.shares):
        blocks: list[Block] = [Paragraph(f"Tasks that cost staff time: {TOO_FEW}.")]
    else:
        blocks = [
            Paragraph("The tasks the system makes slowest, by the share of staff who named them:"),
            Table(
                f"Tasks that cost most time ({found.base} responses; up to three each)",
                ("Task", "Staff naming it", "Share"),
                _answer_rows(found, staff.min_group_size if staff else 5),
            ),
        ]
    return _section("barriers", "3. Barriers", blocks, "barriers", resolve)


def problem_statement(staff: SurveyEvidence | None, wants: SurveyEvidence | None) -> str:
    """A draft problem statement from the top pain points and desired outcomes."""
    pains = [s.value for s in (staff.ranked(TASKS) if staff is not None and staff.enough else ()) if s.shown]
    outcomes = [
        s.value for s in (wants.ranked(OUTCOMES) if wants is not None and wants.enough else ()) if s.shown
    ]
    hours = staff.distributions.get(TIME_LOST) if staff else None
    sus = staff.sus if staff is not None else None
    labels = {
        s.value: s.label for e, q in ((staff, TASKS), (wants, OUTCOMES)) if e is not None for s in e.ranked(q)
    }
    return draft_statement(
        pains[:3],
        outcomes[:3],
        hours=hours.mean_number if hours is not None else None,
        sus=(sus.mean, sus.band) if sus is not None else None,
        labels=labels,
    )


def problem(statement: str, resolve: Resolve) -> PlanSection:
    """Step 5: the problem statement, as a draft to agree."""
    blocks: list[Block] = [
        Paragraph(statement),
        Paragraph("This is a draft from the survey answers: agree and adjust it with staff and leaders."),
    ]
    return _section("problem-statement", "4. Problem statement (draft)", blocks, "problem-statement", resolve)


def maturity(steps: dict[str, MaturityStep], resolve: Resolve) -> PlanSection:
    """Step 6: digital maturity by step, each with its guidance section."""
    from bot.reports.plan_actions import STEP_SECTIONS

    if not steps or all(s.level is None for s in steps.values()):
        blocks: list[Block] = [Paragraph("Not assessed yet: type `guide me` to the bot to assess each step.")]
    else:
        rows = []
        for step_id, step in steps.items():
            if step.level is None:
                level = "not sure" if step.not_sure else "not assessed"
            else:
                level = f"{step.level:g} - {LEVELS.get(round(step.level), '')}"
            rows.append((step.title, level, resolve(STEP_SECTIONS.get(step_id, ""))[0]))
        blocks = [
            Table(
                "Digital maturity by step (1 = not started, 4 = embedded)",
                ("Step", "Level", "Guidance"),
                tuple(rows),
            )
        ]
    return _section(
        "maturity", "5. Digital maturity by step", blocks, "digital-maturity-and-improvement-plan", resolve
    )


def actions(items: list[Action], resolve: Resolve) -> PlanSection:
    """The prioritised actions, each linked to the guidance that helps."""
    return _section("actions", "6. Prioritised actions", [Actions(tuple(items))], "roadmap", resolve)


def appendix(surveys: tuple[SurveyEvidence | None, ...], resolve: Resolve) -> PlanSection:
    """Every question's answers, survey by survey, for readers who want the detail."""
    blocks: list[Block] = []
    for evidence in surveys:
        if evidence is None or not evidence.enough:
            continue
        for question in evidence.survey.questions:
            found = evidence.distributions.get(question.id)
            if found is None:
                continue
            blocks.append(
                Table(
                    f"{question.text} ({found.base} responses)",
                    ("Answer", "Staff", "Share"),
                    _answer_rows(found, evidence.min_group_size),
                )
            )
    if not blocks:
        blocks.append(Paragraph(f"Answers to each question: {TOO_FEW}."))
    return _section(
        "appendix", "Appendix: answers to every question", blocks, "how-systems-are-used", resolve
    )


def measures(staff: SurveyEvidence | None, resurvey: datetime, resolve: Resolve) -> PlanSection:
    """How to measure improvement: the baseline figures and when to survey again."""
    rows = []
    if staff is not None and staff.enough:
        if staff.sus:
            rows.append(
                (
                    "SUS score",
                    f"{staff.sus.mean:.1f} (95% CI {staff.sus.ci_low:.1f} to {staff.sus.ci_high:.1f})",
                )
            )
        hours = staff.distributions.get(TIME_LOST)
        if hours is not None and hours.mean_number is not None:
            rows.append(("Time lost a week", f"{hours.mean_number:.1f} hours per person"))
        for comparison in staff.comparisons:
            rows.append(
                (
                    f"Staff who {comparison.figure.local_claim}",
                    f"{comparison.local_share:.0%} ({comparison.count} of {comparison.base})",
                )
            )
    blocks: list[Block] = [
        Table("Baseline to measure against", ("Measure", "Baseline"), tuple(rows))
        if rows
        else Paragraph(f"Baseline: {TOO_FEW}."),
        Paragraph(
            f"Survey staff again with the same questions around {resurvey.strftime('%-d %B %Y')} (in three "
            "months), and after each significant change, then compare with this baseline."
        ),
    ]
    return _section(
        "measures", "7. How to measure improvement", blocks, "monitoring-and-improvement", resolve
    )
