"""The web chat page names the council and links its privacy notice, filled in and escaped; the
notice itself passes axe-core in the browser tests (``tests/browser/test_accessibility.py``)."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.settings import load_settings
from tests.helpers import SECRET


async def page(tmp_path: Path, **settings: str) -> str:
    app = build_app(load_settings(data_dir=tmp_path / "data", secret_key=SECRET, **settings))
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/")
        assert resp.status == 200 and resp.content_type == "text/html"
        assert resp.headers["Cache-Control"] == "no-cache"
        return await resp.text()


async def test_the_page_names_the_council_and_links_its_privacy_notice(tmp_path: Path) -> None:
    html = await page(
        tmp_path,
        org_name="Casterbridge Council",
        privacy_url="https://www.casterbridge.example/privacy?for=staff&survey=1",
    )
    assert '<span class="header-org">Casterbridge Council</span>' in html
    assert "Run by Casterbridge Council." in html
    assert (
        '<a href="https://www.casterbridge.example/privacy?for=staff&amp;survey=1">'
        "Casterbridge Council privacy notice</a>"
    ) in html
    assert "{{" not in html and "}}" not in html


async def test_a_name_with_markup_is_shown_as_text_and_no_link_is_said_plainly(tmp_path: Path) -> None:
    html = await page(tmp_path, org_name='Smith & <Sons> "Council"')
    assert "<Sons>" not in html
    assert "Smith &amp; &lt;Sons&gt; &quot;Council&quot;" in html
    assert "has not yet linked its privacy notice here" in html
    assert "privacy notice</a>" not in html


async def test_an_address_with_quotes_cannot_break_out_of_the_link(tmp_path: Path) -> None:
    html = await page(tmp_path, privacy_url='https://evil.example/"onmouseover="alert(1)')
    assert 'href="https://evil.example/&quot;onmouseover=&quot;alert(1)"' in html
    assert 'onmouseover="alert' not in html
