"""A guidance section's body: what the guidance says (each point cited to the introduction) and our
suggestions (each fact with a source from ``links.yaml``), in the small Markdown convention
described in ``content/guidance/README.md``::

    ## From the guidance
    - Systems should be built around what users need. [intro: "based on research with them"]
    - The introduction lists five first steps. [intro: lines 33-37]

    ## Suggestions
    - Ask staff to score the system with the System Usability Scale. [source: service-manual-user-research]
    - Agree a date to look again.

Checking a point's citation is what stops our advice being written in DfE's voice: the quote must
be in the introduction, the lines must exist, the point must share words with what it cites, and it
may not name anything (an acronym, a framework, a body) that the introduction does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogs.guidance_intro import Introduction
from dialogs.guidance_text import analyse, words
from dialogs.problems import ContentProblem

FROM_GUIDANCE = "from the guidance"
SUGGESTIONS = "suggestions"
MAX_QUOTE_WORDS = 25  # a citation is a pointer, not a copy of the passage

HEADING = re.compile(r"^##\s+(.+?)\s*$")
ITEM = re.compile(r"^[-*]\s+(.*)$")
INTRO_CITATION = re.compile(
    r"\[intro:\s*(?:[\"\u201c]([^\"\u201d]+)[\"\u201d]|lines?\s+(\d+)(?:\s*-\s*(\d+))?)\s*\]\s*$", re.I
)
SOURCE_CITATION = re.compile(r"\[source:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)\s*\]\s*$")
CAPITALISED = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
SENTENCE_START = re.compile(r"(^|[.!?:;]\s+|[\"\u201c(]\s*)$")
# Words every point may use without the cited line using them too.
FREE_STEMS = frozenset({"guidanc", "introduction", "system", "section", "full", "cover"})


@dataclass(frozen=True, slots=True)
class GuidancePoint:
    """One point the guidance makes, in our words, with the lines of the introduction it summarises."""

    text: str
    cited_lines: tuple[int, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One of our suggestions, with the ids of the published documents its facts come from."""

    text: str
    sources: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class SectionBody:
    """A section body, read: the guidance's points and our suggestions."""

    from_guidance: tuple[GuidancePoint, ...]
    suggestions: tuple[Suggestion, ...]


def _items(lines: list[str], first_line: int, source: str, problems: list[ContentProblem]):
    """(part, text, line) for each list item, continuation lines joined; other text is a problem."""
    part: str | None = None
    current: list[str] = []
    start = 0
    found: list[tuple[str, str, int]] = []

    def flush() -> None:
        if current and part is not None:
            found.append((part, " ".join(current), start))
        current.clear()

    for number, raw in enumerate(lines, first_line):
        line = raw.strip()
        heading = HEADING.match(line)
        item = ITEM.match(line)
        if not line:
            continue
        if heading:
            flush()
            name = heading.group(1).casefold()
            if name not in (FROM_GUIDANCE, SUGGESTIONS):
                problems.append(
                    ContentProblem(
                        source,
                        number,
                        f"unknown heading '{heading.group(1)}': use 'From the guidance' or 'Suggestions'",
                    )
                )
            part = name
        elif item and part is not None:
            flush()
            current.append(item.group(1).strip())
            start = number
        elif current and raw[:1].isspace():
            current.append(line)
        else:
            flush()
            where = "before any heading" if part is None else "that is not a '- ' list item"
            problems.append(ContentProblem(source, number, f"text {where}: every point is a '- ' list item"))
    flush()
    return found


def read_body(
    text: str,
    first_line: int,
    source: str,
    introduction: Introduction | None,
    problems: list[ContentProblem],
) -> SectionBody:
    """Read a section body starting on file line ``first_line``; problems name the file and line."""
    points: list[GuidancePoint] = []
    suggestions: list[Suggestion] = []
    headings = {
        m.group(1).casefold() for m in map(HEADING.match, (s.strip() for s in text.splitlines())) if m
    }
    for part, item, line in _items(text.splitlines(), first_line, source, problems):
        if part == FROM_GUIDANCE:
            point = _point(item, line, source, introduction, problems)
            if point is not None:
                points.append(point)
        elif part == SUGGESTIONS:
            cited = SOURCE_CITATION.search(item)
            sources = tuple(s.strip() for s in cited.group(1).split(",")) if cited else ()
            suggestions.append(Suggestion(item[: cited.start()].strip() if cited else item, sources, line))
    if FROM_GUIDANCE not in headings:
        problems.append(
            ContentProblem(
                source, first_line, "no '## From the guidance' part: say what the guidance itself says"
            )
        )
    return SectionBody(tuple(points), tuple(suggestions))


def _point(
    item: str, line: int, source: str, introduction: Introduction | None, problems: list[ContentProblem]
) -> GuidancePoint | None:
    cited = INTRO_CITATION.search(item)
    if cited is None:
        problems.append(
            ContentProblem(
                source,
                line,
                "a 'From the guidance' point must cite the introduction: end it with "
                '[intro: "a few words it uses"] or [intro: line N]',
            )
        )
        return None
    text = item[: cited.start()].strip()
    if introduction is None:
        return GuidancePoint(text, (), line)
    quote, first, last = cited.group(1), cited.group(2), cited.group(3)
    if quote is not None:
        numbers = _quoted_lines(quote, line, source, introduction, problems)
    else:
        numbers = _cited_lines(int(first), int(last or first), line, source, introduction, problems)
    if numbers is None:
        return None
    cited_text = " ".join(introduction.line(n) or "" for n in numbers)
    _check_faithful(text, cited_text, line, source, introduction, problems)
    return GuidancePoint(text, numbers, line)


def _quoted_lines(
    quote: str, line: int, source: str, introduction: Introduction, problems: list[ContentProblem]
) -> tuple[int, ...] | None:
    if len(quote.split()) > MAX_QUOTE_WORDS:
        problems.append(
            ContentProblem(
                source, line, f"quote at most {MAX_QUOTE_WORDS} words of the introduction, not a passage"
            )
        )
        return None
    if not introduction.quotes(quote):
        problems.append(
            ContentProblem(
                source, line, f"the introduction does not say \u201c{quote}\u201d ({introduction.source})"
            )
        )
        return None
    wanted = " ".join(words(quote))
    found = tuple(
        n
        for n in range(introduction.first_body_line, len(introduction.lines) + 1)
        if wanted in " ".join(words(introduction.line(n) or ""))
    )
    # A quote running over a line break is found in the text but on no single line: cite it whole.
    return found or tuple(range(introduction.first_body_line, len(introduction.lines) + 1))


def _cited_lines(
    first: int, last: int, line: int, source: str, introduction: Introduction, problems: list[ContentProblem]
) -> tuple[int, ...] | None:
    # A range may span the blank lines between a list's lead-in and its items; only its text counts.
    numbers = tuple(n for n in range(first, last + 1) if introduction.line(n) is not None)
    outside = first < introduction.first_body_line or last > len(introduction.lines) or last < first
    if outside or not numbers:
        which = f"line {first}" if first == last else f"lines {first}-{last}"
        problems.append(
            ContentProblem(
                source,
                line,
                f"{which} of {introduction.source} is blank or not part of the introduction's text",
            )
        )
        return None
    return numbers


def _check_faithful(
    text: str, cited: str, line: int, source: str, introduction: Introduction, problems: list[ContentProblem]
) -> None:
    ours = set(analyse(text)) - FREE_STEMS
    if ours and not ours & set(analyse(cited)):
        problems.append(
            ContentProblem(
                source, line, "the point shares no words with the lines it cites: is it what they say?"
            )
        )
    known = set(words(" ".join(introduction.lines)))
    for match in CAPITALISED.finditer(text):
        name = match.group(0)
        # A sentence's first word is capitalised anyway; an acronym (two capitals or more) never is by chance.
        starts = SENTENCE_START.search(text[: match.start()]) and sum(c.isupper() for c in name) < 2
        if starts or set(words(name)) <= known:
            continue
        problems.append(
            ContentProblem(
                source,
                line,
                f"names '{name}', which the introduction does not: put it under Suggestions with a [source: ...]",
            )
        )
