"""The plan's draft problem statement, written as a person would for any mix of answers.

It says where staff lose time (the top tasks, as things people do: "recording visits"), what it
costs them, how usable the system is, and what staff want a system to let them do, so that they
spend their time with children and families. Each task and outcome of the survey files has its
own words here, keyed by the choice's value, so that the sentence reads whichever come top; a
choice a council adds without words here is quoted by its label instead.
"""

from __future__ import annotations

from collections.abc import Sequence

# What staff are doing when the system costs them time: completes "... when they are ...".
TASK_PHRASES = {
    "recording-visits": "recording visits",
    "assessments-plans": "writing assessments and plans",
    "finding-information": "looking for information",
    "double-entry": "entering the same data twice",
    "reports-returns": "producing reports and returns",
    "sharing-partners": "sharing information with partners",
    "working-away": "working away from the office",
    "search": "searching for people and cases",
    "speed": "waiting for the system to respond",
    "training-support": "trying to get training and support",
    "other": "doing other tasks",
}
# What a good system lets staff do: completes "a system that lets staff ...".
OUTCOME_ABILITIES = {
    "find-information-fast": "find information quickly",
    "enter-once": "enter information only once",
    "work-anywhere": "work on a phone or tablet away from the office",
    "single-view": "see a child's whole history in one place",
    "share-safely": "share information safely with partners",
    "easier-returns": "produce reports and returns easily",
    "better-templates": "use forms and templates that fit the work",
    "training-support": "get good training and support",
    "be-consulted": "have a say before changes are made",
}
# Outcomes that describe the system itself: complete "a system that is ...".
OUTCOME_QUALITIES = {"reliable-fast": "fast and reliable"}
# The outcome that is the purpose of all the others.
MORE_TIME = "more-time-with-families"
NOT_ENOUGH = "Not enough staff have answered yet to draft a problem statement from their answers."


def listing(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _quoted(labels: Sequence[str]) -> str:
    return listing([f"\u201c{label}\u201d" for label in labels])


def draft_statement(
    tasks: Sequence[str],
    outcomes: Sequence[str],
    *,
    hours: float | None = None,
    sus: tuple[float, str] | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """The statement from the top task and outcome values (most named first), time lost and SUS.

    ``labels`` gives the survey's label of any value without words here.
    """
    if not tasks:
        return NOT_ENOUGH
    named = labels or {}
    sentences = [_where_time_goes(tasks, named)]
    if hours is not None:
        sentences.append(f"On average it costs each of them {_hours(hours)} a week.")
    if sus is not None:
        score, band = sus
        sentences.append(
            f"It scores {score:.0f} out of 100 for usability (\u201c{band}\u201d; the average system scores 68)."
        )
    sentences.append(_what_we_want(outcomes, named))
    return " ".join(sentences)


def _where_time_goes(tasks: Sequence[str], labels: dict[str, str]) -> str:
    known = [TASK_PHRASES[t] for t in tasks if t in TASK_PHRASES]
    unknown = [labels.get(t, t) for t in tasks if t not in TASK_PHRASES]
    said = "Staff lose most time to the case management system"
    if known:
        said += f" when they are {listing(known)}"
    if unknown:
        said += (" and on " if known else " on ") + _quoted(unknown)
    return said + "."


def _what_we_want(outcomes: Sequence[str], labels: dict[str, str]) -> str:
    qualities = [OUTCOME_QUALITIES[o] for o in outcomes if o in OUTCOME_QUALITIES]
    abilities = [OUTCOME_ABILITIES[o] for o in outcomes if o in OUTCOME_ABILITIES]
    unknown = [
        labels.get(o, o) for o in outcomes if o not in (*OUTCOME_QUALITIES, *OUTCOME_ABILITIES, MORE_TIME)
    ]
    if MORE_TIME in outcomes:
        purpose = f"so that {'they' if abilities else 'staff'} spend more time with children and families and less on recording"
    else:
        # "staff" once a sentence: after "lets staff ..." the purpose says "they".
        who = "they" if abilities else "staff"
        purpose = f"so that {who} can spend more of their time with children and families"
    wanted = []
    if qualities:
        wanted.append("is " + listing(qualities))
    if abilities:
        wanted.append("lets staff " + listing(abilities))
    if not wanted and MORE_TIME in outcomes:
        said = "We want a system that gives staff more time with children and families and less on recording."
    elif not wanted:
        said = f"We want a system that makes this work quicker, {purpose}."
    else:
        said = f"We want a system that {' and '.join(wanted)}, {purpose}."
    if unknown:
        said += f" Staff also asked for {_quoted(unknown)}."
    return said


def _hours(hours: float) -> str:
    if hours < 0.75:
        return "less than an hour"
    rounded = round(hours)
    return "about 1 hour" if rounded == 1 else f"about {rounded} hours"
