"""A real browser (Debian's headless Chromium, driven by Playwright) completes the pain-points survey."""

from __future__ import annotations

import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import SERVICES, build_app
from bot.settings import load_settings
from tests.helpers import SECRET, responses, stored_answers

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Debian's chromium package is not installed (apt-get install chromium)"
    ),
]
# Without these, Chromium keeps trying to reach Google's hosts, which this machine's network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[str, web.Application]]:
    port = free_port()
    app = build_app(load_settings(data_dir=tmp_path / "data", secret_key=SECRET, port=port))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}", app
    await runner.cleanup()


async def test_the_pain_points_survey_in_a_browser(server: tuple[str, web.Application]) -> None:
    from playwright.async_api import async_playwright

    url, app = server
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        await page.goto(f"{url}/?user=browser-tester")
        await page.get_by_role("button", name="Start: Your case management system").click()
        await expect_question(page, "What is your role?")
        await page.get_by_role("button", name="Social worker", exact=True).click()
        await expect_question(page, "Which part of the service")
        await page.get_by_role("button", name="Front door or MASH").click()
        await expect_question(page, "How long have you used")
        await type_answer(page, "more than 3 years")
        await expect_question(page, "How often does the case management system disrupt")
        await page.get_by_role("button", name="Every day").click()
        for n in range(1, 11):
            await expect_progress(page, f"Question {4 + n} of 18")
            label = "Agree" if n % 2 else "Disagree"
            await page.locator(".msg.bot").last.get_by_role("button", name=label, exact=True).click()
        await expect_question(page, "Which tasks cost you the most time")
        tasks = page.locator(".choices-multi").last
        await tasks.get_by_label("Finding information").check()
        await tasks.get_by_label("Search").check()
        await tasks.locator("button.continue").click()
        await expect_question(page, "In a typical week")
        await page.get_by_role("button", name="5 to 10 hours").click()
        await expect_question(page, "Were you asked for your views")
        await page.locator(".msg.bot").last.get_by_role("button", name="No", exact=True).click()
        await expect_question(page, "single biggest frustration")
        await type_answer(page, "Search never finds the <b>right</b> record, call me on 07700 900123")
        await page.get_by_text("Thank you. Your answers have been saved.").wait_for()
        user_bubble = page.locator(".msg.user").last
        assert "<b>right</b>" in await user_bubble.inner_text()  # shown literally, never as markup
        assert await page.locator(".msg.user b").count() == 0
        await browser.close()

    db = app[SERVICES].db
    answers = await stored_answers(db)
    assert answers["role"] == ("social-worker", None)
    assert answers["team"] == ("front-door", None)
    assert answers["tenure"] == ("over-3-years", None)
    assert answers["sus_1"] == ("4", 4.0) and answers["sus_2"] == ("2", 2.0)
    assert answers["tasks"] == ("finding-information,search", None)
    assert answers["time_lost"] == ("5-10h", 7.5)
    assert (
        answers["frustration"][0] == "Search never finds the <b>right</b> record, call me on [phone number]"
    )
    [response] = await responses(db)
    assert response["status"] == "completed"


async def expect_question(page: object, text: str) -> None:
    await page.locator(".msg.bot").filter(has_text=text).last.wait_for(timeout=10_000)


async def expect_progress(page: object, text: str) -> None:
    await page.locator(".msg.bot").last.filter(has_text=text).wait_for(timeout=10_000)


async def type_answer(page: object, text: str) -> None:
    await page.locator("#message").fill(text)
    await page.locator("#message").press("Enter")
