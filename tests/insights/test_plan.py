"""The improvement plan: its sections follow the guidance, Markdown pastes cleanly, HTML prints on A4."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest

from bot.content import load_content
from bot.reports.insights import Insights
from bot.reports.plan_render import short_text, to_html, to_markdown
from bot.settings import load_settings
from storage.db import Database
from tests.helpers import SECRET
from tests.insights.conftest import load
from tests.insights.data import MARCH, march_responses, response

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
SECTIONS = [
    "1. Vision and goals",
    "2. How the current system is used, and what staff told us",
    "3. Barriers",
    "4. Problem statement (draft)",
    "5. Digital maturity by step",
    "6. Prioritised actions",
    "7. How to measure improvement",
]


async def march_plan(db: Database, tmp_path: object, *, maturity: bool = True) -> object:
    await load(db, march_responses())
    if maturity:
        levels = {"vision": "3", "systems_use": "2", "user_research": "1", "barriers": "not-sure"}
        await load(db, [response(levels, survey="digital-maturity")])
    # Five people only: with a threshold of two, most figures show (releases still need five).
    settings = load_settings(
        data_dir=tmp_path, secret_key=SECRET, guidance_base_url="https://guidance.example.gov.uk",
        min_group_size=2,
    )  # fmt: skip
    insights = Insights(
        db, lambda: load_content(settings), settings, SECRET.encode(), clock=lambda: MARCH.replace(day=31)
    )
    return await insights.plan(insights.period("2026-03"))


async def test_the_plan_follows_the_guidance_in_markdown(db: Database, tmp_path: object) -> None:
    plan = await march_plan(db, tmp_path)
    markdown = to_markdown(plan)  # type: ignore[arg-type]
    headings = re.findall(r"^## (.+)$", markdown, flags=re.M)
    assert headings == [
        *SECTIONS,
        "Appendix: answers to every question",
        "Appendix: questions the guidance answers could not answer well",
    ]
    # Every table counts out of the five released responses (the one in progress is in none).
    assert "**I would like to use the case management system often. (5 responses)**" in markdown
    assert "**I had to learn a lot before I could get going with the system. (5 responses)**" in markdown
    assert (
        "| At least once a week | 2 | 40% |" in markdown
        and "| Every day | too few responses to show |" in markdown
    )
    assert markdown.startswith("# Case management system improvement plan\n")
    assert "The maturity assessment puts the vision and goals at level 3 of 4." in markdown
    assert "50.0 on the System Usability Scale (95% CI 0.9 to 99.1, median 50)" in markdown
    assert "| Entering the same data twice | 3 | 60% |" in markdown
    assert "| Recording visits | fewer than 2 | not shown |" in markdown
    assert (
        "Staff lose most time to the case management system when they are entering the same data twice "
        "and searching for people and cases. On average it costs each of them about 5 hours a week."
        in markdown
    )
    assert "| Barriers | not sure | Identify barriers" in markdown
    assert "| Roadmap | not assessed | Developing a roadmap |" in markdown
    actions = re.findall(
        r"^(\d+)\. \*\*(.+?)\*\*: .+ Guidance: \[(.+?)\]\((https://[^)]+)\)$", markdown, flags=re.M
    )
    assert [int(n) for n, *_ in actions] == list(range(1, len(actions) + 1)) and len(actions) >= 5
    assert actions[0][1] == "Find where the same data is typed twice and join those systems up"
    assert actions[0][2] == "Interoperability and information sharing"
    assert actions[-1][1] == "Survey staff again and compare with this baseline"
    assert "around 30 June 2026 (in three months)" in markdown
    # Pastes cleanly: no HTML, every table row has the header's columns, no quotes of small themes.
    assert "<" not in markdown.replace("<https", "")
    for table in re.findall(r"(?:^\|.*\|$\n)+", markdown, flags=re.M):
        widths = {line.count("|") - line.count("\\|") for line in table.strip().splitlines()}
        assert len(widths) == 1
    assert "07700" not in markdown


async def test_the_html_plan_is_accessible(db: Database, tmp_path: object) -> None:
    html = to_html(await march_plan(db, tmp_path))  # type: ignore[arg-type]
    outline = Outline()
    outline.feed(html)
    assert outline.lang == "en-GB" and outline.title
    assert [level for level, _ in outline.headings] == [1] + [2] * (len(SECTIONS) + 2)
    assert [text for _, text in outline.headings][1:-2] == SECTIONS
    assert outline.tables and all(t["caption"] and t["col_headers"] for t in outline.tables)
    assert all(alt for alt in outline.image_alts) and len(outline.image_alts) == 2
    assert "@page { size: A4" in html and "@media print" in html


async def test_a_plan_without_answers_says_so_and_prompts(db: Database, tmp_path: object) -> None:
    settings = load_settings(data_dir=tmp_path, secret_key=SECRET)
    insights = Insights(db, lambda: load_content(settings), settings, SECRET.encode(), clock=lambda: MARCH)
    plan = await insights.plan(insights.period("2026-03"))
    markdown = to_markdown(plan)
    assert "No digital-maturity assessment has been made yet" in markdown
    assert "Staff survey: too few responses to show." in markdown
    assert "Not enough staff have answered yet" in short_text(plan)


@pytest.mark.browser
@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium package is not installed (apt-get install chromium)"
)
async def test_the_html_plan_prints_to_pdf_in_chromium(db: Database, tmp_path: object) -> None:
    from playwright.async_api import async_playwright

    html = to_html(await march_plan(db, tmp_path))  # type: ignore[arg-type]
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        await page.set_content(html, wait_until="load")
        await page.emulate_media(media="print")
        assert (
            await page.get_by_role("heading", level=1).inner_text()
            == "Case management system improvement plan"
        )
        assert await page.get_by_role("table").count() >= 4
        loaded = await page.eval_on_selector_all(
            "img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)"
        )
        assert loaded == [True, True]
        pdf = await page.pdf(format="A4", print_background=True)
        await browser.close()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2
    assert problems == []


class Outline(HTMLParser):
    """Headings, tables, image alt texts and the page language, as a screen reader would meet them."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.title = ""
        self.headings: list[tuple[int, str]] = []
        self.tables: list[dict[str, object]] = []
        self.image_alts: list[str] = []
        self._in: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        elif tag in ("h1", "h2", "h3", "title", "caption"):
            self._in, self._text = tag, ""
        elif tag == "table":
            self.tables.append({"caption": "", "col_headers": 0})
        elif tag == "th" and found.get("scope") == "col":
            self.tables[-1]["col_headers"] = int(self.tables[-1]["col_headers"]) + 1  # type: ignore[call-overload]
        elif tag == "img":
            self.image_alts.append(found.get("alt") or "")

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag != self._in:
            return
        if tag == "title":
            self.title = self._text
        elif tag == "caption":
            self.tables[-1]["caption"] = self._text
        else:
            self.headings.append((int(tag[1]), self._text))
        self._in = None
