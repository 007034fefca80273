"""The web page shows a guidance answer's two parts under their headings, with working links, and the
guide-me walkthrough's guidance link as a link (Debian's headless Chromium, driven by Playwright)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import build_app
from bot.settings import load_settings
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, free_port
from tests.helpers import SECRET

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium package is not installed (apt-get install chromium)"
    ),
]
BASE = "https://guidance.example.gov.uk/cms"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    settings = load_settings(
        data_dir=tmp_path / "data",
        secret_key=SECRET,
        port=port,
        digital_leads="web:lead",
        guidance_base_url=BASE,
    )
    runner = web.AppRunner(build_app(settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_a_guidance_answer_and_the_walkthrough_link_in_a_browser(server: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.goto(f"{server}/?user=lead")
        await page.locator("#message").fill("what should the annual returns to the department include")
        await page.locator("#send").click()
        answer = page.locator(".msg.guidance").last
        await answer.wait_for()
        assert await answer.locator(".from-guidance h3").inner_text() == "From the guidance"
        assert await answer.locator(".suggestions h3").inner_text() == "Suggestions"
        assert "SSDA903" not in await answer.locator(".from-guidance").inner_text()
        source = answer.locator(".suggestions a", has_text="Children in need census (DfE)")
        assert await source.get_attribute("href") == "https://www.gov.uk/guidance/children-in-need-census"
        assert await answer.get_by_role("link", name="Open the guidance").get_attribute("href") == BASE
        await page.locator("#message").fill("guide me")
        await page.locator("#send").click()
        question = page.locator(".msg.question").last
        await question.wait_for()
        link = question.get_by_role("link", name="More in the guidance")
        assert await link.get_attribute("href") == BASE
        await browser.close()
