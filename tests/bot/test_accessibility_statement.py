"""``GET /accessibility``: the accessibility statement in GOV.UK's model form, filled in from the settings."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.channels.web import STATIC
from bot.channels.web_accessibility import CHECKED_SCREENS, MANUAL_CHECKS, AccessibilityStatement
from bot.settings import load_settings
from tests.helpers import SECRET

# The headings of GOV.UK's model accessibility statement, in its order.
MODEL_HEADINGS = [
    "How accessible this website is",
    "Feedback and contact information",
    "Reporting accessibility problems with this website",
    "Enforcement procedure",
    "Technical information about this website's accessibility",
    "Compliance status",
    "Non-accessible content",
    "How we tested this website",
    "Preparation of this accessibility statement",
]


async def statement(tmp_path: Path, **settings: object) -> tuple[int, dict[str, str], str]:
    app = build_app(load_settings(data_dir=tmp_path / "data", secret_key=SECRET, **settings))
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/accessibility")
        return response.status, dict(response.headers), await response.text()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


async def test_the_statement_has_the_model_sections_and_says_what_was_tested(tmp_path: Path) -> None:
    status, headers, html = await statement(tmp_path)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    headings = re.findall(r"<h[23]>([^<]+)</h[23]>", html)
    assert [h for h in headings if h in MODEL_HEADINGS] == MODEL_HEADINGS
    text = text_of(html)
    assert "This website is run by Your council." in text  # the default name
    assert "Equality and Human Rights Commission (EHRC)" in text
    assert 'href="https://www.equalityadvisoryservice.com/"' in html
    assert "(No. 2) Accessibility Regulations 2018" in text
    assert "fully compliant with the Web Content Accessibility Guidelines version 2.2 AA standard" in text
    assert "WCAG 2.0, 2.1 and 2.2, levels A and AA" in text
    for screen in [*CHECKED_SCREENS.values(), *MANUAL_CHECKS]:
        assert screen in text
    assert "prepared on 2 December 2026" in text
    assert "works for 24 hours" in text  # GUIDEBOT_REPORT_LINK_HOURS


async def test_without_a_contact_the_page_says_the_council_should_set_one(tmp_path: Path) -> None:
    _, _, html = await statement(tmp_path, org_name="Anyshire County Council")
    text = text_of(html)
    assert "Anyshire County Council has not yet said where to report accessibility problems" in text
    assert "set GUIDEBOT_ACCESSIBILITY_CONTACT" in text
    assert "mailto:" not in html


async def test_the_contact_and_name_come_from_the_settings_and_are_escaped(tmp_path: Path) -> None:
    _, _, html = await statement(
        tmp_path, org_name="Anyshire <County> Council", accessibility_contact="access@anyshire.example"
    )
    assert "Anyshire &lt;County&gt; Council" in html and "<County>" not in html
    assert '<a href="mailto:access@anyshire.example">access@anyshire.example</a>' in html
    assert "GUIDEBOT_ACCESSIBILITY_CONTACT" not in html
    web = AccessibilityStatement("Anyshire", "https://anyshire.example/accessibility")
    assert web.contact_html() == (
        '<a href="https://anyshire.example/accessibility">https://anyshire.example/accessibility</a>'
    )
    assert AccessibilityStatement("Anyshire", "01632 960 000").contact_html() == "01632 960 000"
    assert AccessibilityStatement("Anyshire", "javascript:alert(1)").contact_html() == "javascript:alert(1)"


def test_the_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    defaults = load_settings(data_dir=tmp_path / "data", secret_key=SECRET)
    assert (defaults.org_name, defaults.accessibility_contact) == ("Your council", "")
    monkeypatch.setenv("GUIDEBOT_ORG_NAME", "Anyshire Council")
    monkeypatch.setenv("GUIDEBOT_ACCESSIBILITY_CONTACT", "access@anyshire.example")
    settings = load_settings(data_dir=tmp_path / "data", secret_key=SECRET)
    assert (settings.org_name, settings.accessibility_contact) == (
        "Anyshire Council",
        "access@anyshire.example",
    )


async def test_the_statement_is_served_even_where_the_web_chat_is_off(tmp_path: Path) -> None:
    status, _, html = await statement(tmp_path, host="0.0.0.0")
    assert status == 200 and "Accessibility statement" in html


def test_the_chat_page_links_to_the_statement_and_its_icon() -> None:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    footer = page[page.index("<footer") : page.index("</footer>")]
    assert '<a href="/accessibility">Accessibility statement</a>' in footer
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert (STATIC / "favicon.svg").read_text(encoding="utf-8").lstrip().startswith("<svg")
