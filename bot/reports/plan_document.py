"""The improvement plan as plain values, rendered to Markdown, HTML or a short chat message."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.replies import Image


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of plain text."""

    text: str


@dataclass(frozen=True, slots=True)
class Bullets:
    """A bulleted list."""

    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Quote:
    """Words staff used (redacted), shown as a quotation."""

    text: str


@dataclass(frozen=True, slots=True)
class Table:
    """A data table: a caption for screen readers and print, a header row, and rows (first cell heads the row)."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Action:
    """A prioritised action and the guidance section that helps with it."""

    title: str
    why: str
    guidance_title: str
    guidance_url: str


@dataclass(frozen=True, slots=True)
class Actions:
    """The actions in priority order."""

    items: tuple[Action, ...]


# A chart is the digest's Image (PNG with alt text and title); only the HTML version shows it.
Block = Paragraph | Bullets | Quote | Table | Actions | Image


@dataclass(frozen=True, slots=True)
class PlanSection:
    """One section of the plan, with the guidance section it follows."""

    id: str
    title: str
    blocks: tuple[Block, ...]
    guidance_title: str = ""
    guidance_url: str | None = None


@dataclass(frozen=True, slots=True)
class ImprovementPlan:
    """The whole plan: title, what it covers, its sections, and the problem statement for the short version.

    ``notice`` is said before anything else (the plan includes demo data).
    """

    title: str
    covers: str
    generated: str
    sections: tuple[PlanSection, ...]
    problem_statement: str
    notes: tuple[str, ...] = ()
    notice: str = ""

    def actions(self) -> tuple[Action, ...]:
        """Every action in the plan, in priority order."""
        return tuple(a for s in self.sections for b in s.blocks if isinstance(b, Actions) for a in b.items)
