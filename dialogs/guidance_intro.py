"""The guidance's introduction, as we hold it (``content/guidance/source/``), and where the guidance lives.

Everything the bot says in the guidance's voice must be traceable to a line of this file, and
every section address the bot builds must be one the introduction gives. Pure apart from reading
the seed file in ``read_introduction``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dialogs.problems import ContentProblem

SEED_PATH = Path("guidance") / "source" / "guidance-introduction.md"

# Where the guidance is published (cited at this address by other public work), and its HTML page,
# which carries the introduction. Councils that host a copy set GUIDANCE_BASE_URL instead.
PUBLICATION_PAGE = (
    "https://www.gov.uk/government/publications/childrens-social-care-improving-case-management-systems"
)
HTML_PAGE = PUBLICATION_PAGE + "/improving-case-management-systems-for-childrens-social-care-services"

MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def normalise(text: str) -> str:
    """Text compared for quotes: curly quotes straightened, case and runs of spaces ignored."""
    return " ".join(text.translate(APOSTROPHES).casefold().split())


@dataclass(frozen=True)
class Introduction:
    """The seed copy of the introduction: its lines, the links it gives and the section paths it names."""

    source: str
    lines: tuple[str, ...]
    first_body_line: int
    links: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    _text: str = field(default="", repr=False)

    def line(self, number: int) -> str | None:
        """Line ``number`` (1-based) of the introduction's text, or None if blank or outside its body."""
        if not self.first_body_line <= number <= len(self.lines):
            return None
        text = self.lines[number - 1].strip()
        return text or None

    def quotes(self, quote: str) -> bool:
        """Whether ``quote`` appears word for word in the introduction (case and quote marks aside)."""
        return normalise(quote) in self._text


def read_introduction(content_dir: Path, problems: list[ContentProblem]) -> Introduction | None:
    """Read the seed copy of the introduction; a problem and None if it is missing."""
    path = content_dir / SEED_PATH
    source = str(SEED_PATH)
    if not path.exists():
        problems.append(
            ContentProblem(source, None, "the seed copy of the guidance's introduction is missing")
        )
        return None
    lines = tuple(path.read_text(encoding="utf-8").splitlines())
    first = 1
    if lines and lines[0].strip() == "---":
        closing = next((i for i, line in enumerate(lines[1:], 2) if line.strip() == "---"), 1)
        first = closing + 1
    body = lines[first - 1 :]
    targets = [m.group(2) for line in body for m in MARKDOWN_LINK.finditer(line)]
    return Introduction(
        source=source,
        lines=lines,
        first_body_line=first,
        links=tuple(t for t in targets if t.startswith("https://")),
        paths=tuple(t for t in targets if t.startswith("/")),
        _text=normalise(" ".join(body)),
    )


@dataclass(frozen=True)
class GuidanceSite:
    """Where each guidance section can be read: a start page, and the pages whose address is known."""

    start_page: str
    pages: Mapping[str, str]

    def url_for(self, path: str | None) -> str:
        """The address of the section at ``path`` ("" is the introduction), or the start page if unknown."""
        return self.start_page if path is None else self.pages.get(path, self.start_page)


def guidance_site(base_url: str | None, introduction: Introduction | None) -> GuidanceSite:
    """The site the links point to.

    Unset, the GOV.UK publication page is the start page and only the introduction (on the HTML page)
    has an address of its own. A base set for a hosted copy serves the introduction at the base and
    the sections the introduction links to (``/user-needs``) under it; nothing else is guessed.
    """
    if not base_url:
        return GuidanceSite(PUBLICATION_PAGE, {"": HTML_PAGE})
    root = base_url.rstrip("/")
    paths = introduction.paths if introduction else ()
    return GuidanceSite(base_url, {"": base_url, **{path: root + path for path in paths}})
