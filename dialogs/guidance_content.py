"""Guidance content: the models for sections, links and glossary entries, and the YAML reading that
reports every problem with its file and line so whoever edits the content can fix it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from dialogs.guidance_body import GuidancePoint, Suggestion, read_body
from dialogs.guidance_intro import GuidanceSite, Introduction
from dialogs.problems import ContentProblem
from dialogs.yaml_lines import FAST_LOADER

KebabId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
OneLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^[^\n]*$")]
SectionPath = Annotated[str, StringConstraints(pattern=r"^(|/[a-z0-9][a-z0-9/_-]*)$")]

FRONT_MATTER_FENCE = "---"

M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class GuidanceLink(_Strict):
    """An external resource the bot can point to."""

    id: KebabId
    title: OneLine
    url: Annotated[str, StringConstraints(pattern=r"^https://[^\s]+$")]
    description: OneLine
    # Set on the links the guidance's introduction gives, to the address exactly as it gives it
    # (``url`` may be the page that address now leads to).
    introduction_url: Annotated[str, StringConstraints(pattern=r"^https://[^\s]+$")] | None = None


class GlossaryEntry(_Strict):
    """A term staff use, its full form if it is an abbreviation, and other ways of saying it."""

    term: OneLine
    expansion: OneLine | None = None
    meaning: OneLine
    synonyms: tuple[OneLine, ...] = ()


class SectionFrontMatter(_Strict):
    """The YAML front matter of one guidance section file."""

    id: KebabId
    title: OneLine
    # None links to the guidance's start page: never invent an address for a section.
    path: SectionPath | None
    # "named": the introduction only names the topic, and the full guidance covers it.
    in_introduction: Literal["summarised", "named"]
    summary: OneLine
    key_terms: tuple[OneLine, ...] = ()
    synonyms: tuple[OneLine, ...] = ()
    related: tuple[KebabId, ...] = ()
    links: tuple[KebabId, ...] = ()


class GuidanceSection(SectionFrontMatter):
    """A guidance section: its front matter, what the guidance says, our suggestions, and its address."""

    from_guidance: tuple[GuidancePoint, ...]
    suggestions: tuple[Suggestion, ...]
    url: str
    source: str

    @property
    def named_only(self) -> bool:
        """Whether the introduction only names this topic, leaving it to the full guidance."""
        return self.in_introduction == "named"


@dataclass
class YamlDocument:
    """Parsed YAML with the file line of every key and list item, keyed by path (``("related", 2)``)."""

    data: Any
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)
    first_line: int = 1

    def line_of(self, path: tuple[str | int, ...]) -> int:
        """The line of ``path`` or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.first_line


def read_yaml(
    text: str, source: str, problems: list[ContentProblem], *, line_offset: int = 0
) -> YamlDocument | None:
    """Parse YAML text, recording a syntax error or duplicate key as a problem; None if unreadable.

    ``line_offset`` is the number of file lines before the YAML text (front matter starts on line 2).
    """
    try:
        node = yaml.compose(text, Loader=FAST_LOADER)
        data = yaml.load(text, Loader=FAST_LOADER)  # noqa: S506 - a safe loader, in C
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 1 + line_offset if mark else line_offset + 1
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        problems.append(ContentProblem(source, line, f"YAML syntax error: {problem}"))
        return None
    document = YamlDocument(data=data, first_line=line_offset + 1)
    if node is not None:
        _record_lines(node, (), document.lines, line_offset, source, problems)
    return document


def _record_lines(
    node: yaml.Node,
    path: tuple[str | int, ...],
    lines: dict[tuple[str | int, ...], int],
    offset: int,
    source: str,
    problems: list[ContentProblem],
) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*path, str(key_node.value))
            line = key_node.start_mark.line + 1 + offset
            if key_path in lines:
                problems.append(ContentProblem(source, line, f"duplicate key '{key_node.value}'"))
            lines[key_path] = line
            _record_lines(value_node, key_path, lines, offset, source, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1 + offset
            _record_lines(item, (*path, index), lines, offset, source, problems)


def validate(
    model: type[M], data: Any, document: YamlDocument, path: tuple[str | int, ...], source: str
) -> tuple[M | None, list[ContentProblem]]:
    """Validate ``data`` (found at ``path`` in ``document``) as ``model``, naming each problem's line."""
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            location = (*path, *detail["loc"])
            name = ".".join(str(part) for part in detail["loc"]) or "entry"
            if detail["type"] == "missing":
                message = f"missing required field '{name}'"
                line = document.line_of(path)
            elif detail["type"] == "extra_forbidden":
                message = f"unknown field '{name}'"
                line = document.line_of(location)
            else:
                message = f"{name}: {_plain(detail)}"
                line = document.line_of(location)
            problems.append(ContentProblem(source, line, message))
        return None, problems


_PATTERN_HINTS = {
    "url": "must be an https:// address",
    "path": "must be empty, null, or start with '/'",
    "id": "must be a kebab-case id (lower-case words joined by '-')",
    "related": "must be a kebab-case section id",
    "links": "must be a kebab-case link id",
}


def _plain(detail: Any) -> str:
    """Pydantic's message, or for a pattern mismatch what the field must look like."""
    if detail["type"] != "string_pattern_mismatch":
        return str(detail["msg"])
    field_name = next((part for part in detail["loc"] if isinstance(part, str)), "")
    return f"{_PATTERN_HINTS.get(field_name, 'must be one line')}, got {detail['input']!r}"


def split_front_matter(text: str, source: str, problems: list[ContentProblem]) -> tuple[str, str, int] | None:
    """Split a Markdown file into its YAML front matter, its body and the body's first line number.

    None (with a problem) if malformed.
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        problems.append(ContentProblem(source, 1, "file must start with '---' and YAML front matter"))
        return None
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == FRONT_MATTER_FENCE:
            return "\n".join(lines[1 : number - 1]), "\n".join(lines[number:]), number + 1
    problems.append(ContentProblem(source, 1, "front matter is not closed with a second '---' line"))
    return None


def read_section(
    path: Path, site: GuidanceSite, introduction: Introduction | None, problems: list[ContentProblem]
) -> tuple[GuidanceSection | None, YamlDocument | None]:
    """Read one section file; problems are appended and the section is None if it cannot be used.

    The YAML document is returned whenever it could be parsed, so its id can still be checked.
    """
    source = path.name
    parts = split_front_matter(path.read_text(encoding="utf-8"), source, problems)
    if parts is None:
        return None, None
    front_matter, body, body_line = parts
    document = read_yaml(front_matter, source, problems, line_offset=1)
    if document is None:
        return None, None
    if not isinstance(document.data, dict):
        problems.append(ContentProblem(source, 2, "front matter must be a set of 'field: value' lines"))
        return None, None
    header, found = validate(SectionFrontMatter, document.data, document, (), source)
    problems.extend(found)
    before = len(problems)
    read = read_body(body, body_line, source, introduction, problems)
    if header is not None and header.path and introduction and header.path not in introduction.paths:
        problems.append(
            ContentProblem(
                source,
                document.line_of(("path",)),
                f"path: '{header.path}' is not an address the introduction gives; use null (the start page)",
            )
        )
    if header is None or len(problems) > before:
        return None, document
    section = GuidanceSection(
        **header.model_dump(),
        from_guidance=read.from_guidance,
        suggestions=read.suggestions,
        url=site.url_for(header.path),
        source=source,
    )
    return section, document


def declared_ids(documents: list[YamlDocument | None], key: str | None = None) -> list[tuple[str, int]]:
    """Each ``id`` written in the documents (or in the list under ``key``), valid or not, with its line."""
    found: list[tuple[str, int]] = []
    for document in documents:
        if document is None:
            continue
        data = document.data
        items = data.get(key) if key and isinstance(data, dict) else [data]
        for index, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                path: tuple[str | int, ...] = (key, index, "id") if key else ("id",)
                found.append((item["id"], document.line_of(path)))
    return found


def read_entries(
    path: Path, key: str, model: type[M], problems: list[ContentProblem]
) -> tuple[list[M], list[int], YamlDocument | None]:
    """Read the list under ``key`` in a YAML file as ``model`` entries, with each entry's line."""
    source = path.name
    if not path.exists():
        problems.append(ContentProblem(source, None, "file is missing"))
        return [], [], None
    document = read_yaml(path.read_text(encoding="utf-8"), source, problems)
    if document is None:
        return [], [], None
    items = document.data.get(key) if isinstance(document.data, dict) else None
    if not isinstance(items, list):
        problems.append(ContentProblem(source, document.line_of((key,)), f"expected a list under '{key}:'"))
        return [], [], document
    entries, lines = [], []
    for index, item in enumerate(items):
        entry, found = validate(model, item, document, (key, index), source)
        problems.extend(found)
        if entry is not None:
            entries.append(entry)
            lines.append(document.line_of((key, index)))
    return entries, lines, document


def read_spellings(
    document: YamlDocument | None, source: str, problems: list[ContentProblem]
) -> dict[str, str]:
    """The ``spellings:`` table (British: American) of the glossary file, as American -> British."""
    if document is None or not isinstance(document.data, dict) or "spellings" not in document.data:
        return {}
    table = document.data["spellings"]
    if not isinstance(table, dict):
        problems.append(
            ContentProblem(source, document.line_of(("spellings",)), "spellings must be a mapping")
        )
        return {}
    british_by_american = {}
    for british, american in table.items():
        if not (
            isinstance(british, str)
            and isinstance(american, str)
            and re.fullmatch(r"[a-z]+", british + american)
        ):
            line = document.line_of(("spellings", str(british)))
            problems.append(
                ContentProblem(source, line, "spellings must be lower-case 'british: american' words")
            )
            continue
        british_by_american[american] = british
    return british_by_american


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A section that may answer the question, its score, and whether the bot should trust it."""

    section: GuidanceSection
    score: float
    confident: bool
