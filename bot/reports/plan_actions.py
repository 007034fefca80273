"""Prioritised actions for the plan, each tied to the guidance section that helps.

What staff said comes first (the biggest pain points, a poor SUS, not being consulted), then the
steps of "Delivering your vision" the maturity assessment puts furthest back, then measuring.
Section ids refer to ``content/guidance``; an id the library lacks links to the guidance's start.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.reports.evidence import CONSULTED, TASKS, SurveyEvidence
from bot.reports.plan_document import Action
from dialogs.sus_score import SUS_AVERAGE

# What to do about each pain point, by the tasks question's values.
TASK_ACTIONS: dict[str, tuple[str, str]] = {
    "double-entry": ("interoperability", "Find where the same data is typed twice and join those systems up"),
    "recording-visits": (
        "user-interaction",
        "Watch how visits are recorded and shorten the journey, on any device",
    ),
    "finding-information": (
        "recording-and-analysis",
        "Make the information staff look for most quick to find",
    ),
    "search": ("recording-and-analysis", "Fix search so that people and cases are found first time"),
    "speed": (
        "setting-up-and-managing",
        "Measure the system's speed and reliability and agree targets with the supplier",
    ),
    "assessments-plans": ("user-needs", "Redesign assessment and plan templates with the staff who use them"),
    "working-away": ("user-needs", "Let staff record and read securely away from the office"),
    "sharing-partners": ("interoperability", "Agree data standards and links for sharing with partners"),
    "reports-returns": (
        "recording-and-analysis",
        "Produce reports and returns from the data as it is recorded",
    ),
    "training-support": ("setting-up-and-managing", "Provide training and support that fits each role"),
}
# The guidance section for each step of the digital-maturity assessment, by question id.
STEP_SECTIONS: dict[str, str] = {
    "vision": "vision-and-goals",
    "systems_use": "how-systems-are-used",
    "user_research": "user-interaction",
    "barriers": "barriers",
    "problem_statement": "problem-statement",
    "roadmap": "roadmap",
    "procurement": "procurement",
    "information_sharing": "interoperability",
    "monitoring": "monitoring-and-improvement",
}
MAX_ACTIONS = 8
TOP_TASKS = 3

Resolve = Callable[[str], tuple[str, str]]


def prioritised_actions(
    staff: SurveyEvidence | None, maturity: dict[str, tuple[str, float | None, bool]], resolve: Resolve
) -> list[Action]:
    """Actions in priority order; ``maturity`` maps step id to (title, median level or None, "not sure")."""
    actions: list[Action] = []
    if staff is not None and staff.enough:
        for share in [s for s in staff.ranked(TASKS) if s.shown][:TOP_TASKS]:
            if share.value in TASK_ACTIONS:
                section, title = TASK_ACTIONS[share.value]
                actions.append(
                    _action(
                        title, f"{share.share:.0%} of staff named \u201c{share.label}\u201d", section, resolve
                    )
                )
        if staff.sus is not None and staff.sus.mean < SUS_AVERAGE:
            actions.append(
                _action(
                    "Do user research with staff on the hardest parts of the system",
                    f"the SUS score is {staff.sus.mean:.0f}, below the average of 68",
                    "user-interaction",
                    resolve,
                )
            )
        consulted = staff.distributions.get(CONSULTED)
        if consulted is not None and consulted.share_of(("no",)) >= 0.5:
            actions.append(
                _action(
                    "Involve staff before any change to the system",
                    f"{consulted.share_of(('no',)):.0%} were not asked before the current system came in",
                    "user-needs",
                    resolve,
                )
            )
    for step, (title, level, not_sure) in maturity.items():
        if step in STEP_SECTIONS and (level is None or level <= 2):
            where = (
                f"at level {level:g} of 4"
                if level is not None
                else "as not sure"
                if not_sure
                else "as not assessed yet"
            )
            actions.append(
                _action(
                    f"Move \u201c{title}\u201d forward",
                    f"the maturity assessment has it {where}",
                    STEP_SECTIONS[step],
                    resolve,
                )
            )
    actions = _unique(actions)[: MAX_ACTIONS - 1]
    actions.append(
        _action(
            "Survey staff again and compare with this baseline",
            "the same questions show whether changes helped",
            "monitoring-and-improvement",
            resolve,
        )
    )
    return actions


def _action(title: str, why: str, section: str, resolve: Resolve) -> Action:
    guidance_title, url = resolve(section)
    return Action(title, why, guidance_title, url)


def _unique(actions: list[Action]) -> list[Action]:
    seen: set[str] = set()
    kept = []
    for action in actions:
        if action.title not in seen:
            seen.add(action.title)
            kept.append(action)
    return kept
