"""The guidance library: the DfE guidance's sections as we summarise them, their links and glossary,
loaded and checked from ``content/`` and searchable by a staff question.

Pure: the only I/O is reading the content files in ``load_guidance``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dialogs.guidance_body import GuidancePoint, Suggestion
from dialogs.guidance_content import (
    GlossaryEntry,
    GuidanceLink,
    GuidanceSection,
    SearchHit,
    YamlDocument,
    declared_ids,
    read_entries,
    read_section,
    read_spellings,
)
from dialogs.guidance_intro import (
    PUBLICATION_PAGE,
    GuidanceSite,
    Introduction,
    guidance_site,
    read_introduction,
)
from dialogs.guidance_text import words
from dialogs.problems import ContentError, ContentProblem

if TYPE_CHECKING:
    from dialogs.guidance_search import GuidanceRanker, PlainBM25Index

__all__ = [
    "PUBLICATION_PAGE",
    "GlossaryEntry",
    "GuidanceLibrary",
    "GuidanceLink",
    "GuidancePoint",
    "GuidanceSection",
    "SearchHit",
    "Suggestion",
    "baseline_search",
    "load_guidance",
]

SECTIONS_FOLDER = "guidance"
LINKS_FILE = "links.yaml"
GLOSSARY_FILE = "glossary.yaml"


class SearchIndex:
    """The search over the sections, built on first use (it loads NumPy and bm25s, which the server
    does not need until someone asks a question), once, whichever thread asks first."""

    def __init__(
        self,
        sections: tuple[GuidanceSection, ...],
        glossary: tuple[GlossaryEntry, ...],
        spellings: dict[str, str],
    ) -> None:
        self._parts = (sections, glossary, spellings)
        self._lock = threading.Lock()
        self._ranker: GuidanceRanker | None = None
        self._baseline: PlainBM25Index | None = None

    @property
    def ranker(self) -> GuidanceRanker:
        """Our ranker (built now if it has not been)."""
        if self._ranker is None:
            with self._lock:
                if self._ranker is None:
                    from dialogs.guidance_search import GuidanceRanker as Ranker

                    self._ranker = Ranker(*self._parts)
        return self._ranker

    @property
    def baseline(self) -> PlainBM25Index:
        """Plain bm25s, to measure the ranker against."""
        if self._baseline is None:
            with self._lock:
                if self._baseline is None:
                    from dialogs.guidance_search import PlainBM25Index as Plain

                    self._baseline = Plain(self._parts[0])
        return self._baseline


@dataclass(frozen=True)
class GuidanceLibrary:
    """Every guidance section, link and glossary entry, checked, with the search built over them."""

    sections: tuple[GuidanceSection, ...]
    links: Mapping[str, GuidanceLink]
    glossary: tuple[GlossaryEntry, ...]
    british_by_american: Mapping[str, str]
    site: GuidanceSite
    _index: SearchIndex = field(repr=False)

    @property
    def _ranker(self) -> GuidanceRanker:
        return self._index.ranker

    @property
    def _baseline(self) -> PlainBM25Index:
        return self._index.baseline

    def search(self, question: str, k: int = 3) -> list[SearchHit]:
        """Up to ``k`` sections for ``question``, best first.

        An empty list, or a first hit with ``confident`` False, means the bot should say it is not sure.
        """
        return self._ranker.search(question, k)

    def query_terms(self, question: str) -> dict[str, float]:
        """The stems ``search`` looks for, with their weights: to explain why it answered as it did."""
        return self._ranker.query_terms(question)

    def section(self, section_id: str) -> GuidanceSection:
        """The section with this id; KeyError if there is none."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def related(self, section: GuidanceSection) -> list[GuidanceSection]:
        """The sections ``section`` points on to."""
        return [self.section(section_id) for section_id in section.related]

    @property
    def start_page(self) -> str:
        """Where a link goes when a section has no address of its own."""
        return self.site.start_page

    def links_for(self, section: GuidanceSection) -> list[GuidanceLink]:
        """The external resources ``section`` links to."""
        return [self.links[link_id] for link_id in section.links]

    def sources_for(self, suggestion: Suggestion) -> list[GuidanceLink]:
        """The published documents a suggestion's facts come from."""
        return [self.links[link_id] for link_id in suggestion.sources]

    def define(self, term: str) -> GlossaryEntry | None:
        """The glossary entry whose term, expansion or synonym is ``term`` (any case), if any."""
        wanted = words(term)
        for entry in self.glossary:
            names = (entry.term, entry.expansion or "", *entry.synonyms)
            if any(words(name) == wanted for name in names):
                return entry
        return None


def baseline_search(library: GuidanceLibrary, question: str, k: int = 3) -> list[SearchHit]:
    """Plain bm25s over title and body, no expansion: what ``GuidanceLibrary.search`` is measured against."""
    return library._baseline.search(question, k)


def load_guidance(content_dir: Path, base_url: str | None = None) -> GuidanceLibrary:
    """Load and check ``content_dir`` (``guidance/*.md``, ``links.yaml``, ``glossary.yaml`` and the seed
    copy of the introduction under ``guidance/source/``).

    Section addresses are built from ``base_url`` (the GUIDANCE_BASE_URL setting; unset, the GOV.UK
    publication). Raises ContentError listing every problem found, each with its file and line.
    """
    problems: list[ContentProblem] = []
    if base_url and not base_url.startswith("https://"):
        problems.append(ContentProblem("GUIDANCE_BASE_URL setting", None, "must be an https:// address"))
    introduction = read_introduction(content_dir, problems)
    links, _, links_document = read_entries(content_dir / LINKS_FILE, "links", GuidanceLink, problems)
    # Ids of links with other problems still count, so one mistake is not reported twice.
    declared_links = declared_ids([links_document], "links")
    _check_unique(declared_links, LINKS_FILE, "link id", problems)
    _check_introduction_links(links, links_document, introduction, problems)
    glossary, glossary_lines, glossary_document = read_entries(
        content_dir / GLOSSARY_FILE, "terms", GlossaryEntry, problems
    )
    terms = [entry.term.lower() for entry in glossary]
    _check_unique(list(zip(terms, glossary_lines, strict=True)), GLOSSARY_FILE, "glossary term", problems)
    spellings = read_spellings(glossary_document, GLOSSARY_FILE, problems)
    link_ids = {link_id for link_id, _ in declared_links}
    site = guidance_site(base_url, introduction)
    sections = _read_sections(content_dir / SECTIONS_FOLDER, site, introduction, link_ids, problems)
    if problems:
        raise ContentError(problems)
    return GuidanceLibrary(
        sections=tuple(sections),
        links={link.id: link for link in links},
        glossary=tuple(glossary),
        british_by_american=spellings,
        site=site,
        _index=SearchIndex(tuple(sections), tuple(glossary), spellings),
    )


def _read_sections(
    folder: Path,
    site: GuidanceSite,
    introduction: Introduction | None,
    link_ids: set[str],
    problems: list[ContentProblem],
) -> list[GuidanceSection]:
    # README.md explains the convention to editors; it is not a section.
    files = sorted(path for path in folder.glob("*.md") if path.name.casefold() != "readme.md")
    if not files:
        problems.append(ContentProblem(f"{SECTIONS_FOLDER}/", None, "no guidance sections (*.md) found"))
    read = [read_section(path, site, introduction, problems) for path in files]
    # Ids from files with other problems still count, so one mistake is not reported twice.
    section_ids = {section_id for section_id, _ in declared_ids([document for _, document in read])}
    first_source: dict[str, str] = {}
    for section, document in read:
        if section is None or document is None:
            continue
        if section.id in first_source:
            message = f"duplicate id '{section.id}' (also in {first_source[section.id]})"
            problems.append(ContentProblem(section.source, document.line_of(("id",)), message))
        first_source.setdefault(section.id, section.source)
        _check_references(section, document, section_ids, link_ids, problems)
    return [section for section, _ in read if section is not None]


def _check_introduction_links(
    links: list[GuidanceLink],
    document: YamlDocument | None,
    introduction: Introduction | None,
    problems: list[ContentProblem],
) -> None:
    """Every link the introduction gives is kept, marked, as it gives it; no other link claims to be one."""
    if introduction is None or document is None:
        return
    # Read from the file as written, so a link refused for another reason is not also reported missing.
    items = document.data.get("links") if isinstance(document.data, dict) else None
    marked = {item.get("introduction_url") for item in items or [] if isinstance(item, dict)}
    for index, link in enumerate(links):
        if link.introduction_url and link.introduction_url not in introduction.links:
            line = document.line_of(("links", index, "introduction_url"))
            problems.append(
                ContentProblem(
                    LINKS_FILE,
                    line,
                    f"introduction_url: the introduction gives no link to {link.introduction_url}",
                )
            )
    for url in introduction.links:
        if url not in marked:
            problems.append(
                ContentProblem(
                    LINKS_FILE,
                    document.line_of(("links",)),
                    f"the introduction links to {url}: add it with introduction_url set to that address",
                )
            )


def _check_references(
    section: GuidanceSection,
    document: YamlDocument,
    section_ids: set[str],
    link_ids: set[str],
    problems: list[ContentProblem],
) -> None:
    for index, related_id in enumerate(section.related):
        if related_id not in section_ids or related_id == section.id:
            reason = (
                "a section cannot be related to itself" if related_id == section.id else "no such section"
            )
            line = document.line_of(("related", index))
            problems.append(ContentProblem(section.source, line, f"related: '{related_id}': {reason}"))
    for index, link_id in enumerate(section.links):
        if link_id not in link_ids:
            line = document.line_of(("links", index))
            problems.append(
                ContentProblem(section.source, line, f"links: '{link_id}' is not in {LINKS_FILE}")
            )
    for suggestion in section.suggestions:
        for link_id in suggestion.sources:
            if link_id not in link_ids:
                problems.append(
                    ContentProblem(
                        section.source, suggestion.line, f"source: '{link_id}' is not in {LINKS_FILE}"
                    )
                )


def _check_unique(
    values: list[tuple[str, int]], source: str, what: str, problems: list[ContentProblem]
) -> None:
    seen: set[str] = set()
    for value, line in values:
        if value in seen:
            problems.append(ContentProblem(source, line, f"duplicate {what} '{value}'"))
        seen.add(value)
