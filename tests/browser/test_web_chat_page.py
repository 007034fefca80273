"""A real browser (Debian's headless Chromium, driven by Playwright) completes the pain-points survey."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.app import SERVICES
from bot.turn import MAX_TEXT
from tests.browser.support import DESKTOP, PHONE, ZOOM_400, content_with_every_kind, serve
from tests.helpers import responses, stored_answers

pytestmark = pytest.mark.browser


async def test_the_pain_points_survey_in_a_browser(server: tuple[str, web.Application], browser: Any) -> None:
    url, app = server
    page = await browser.new_page(viewport=PHONE)
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
    optional = page.locator(".msg.bot").last
    assert await optional.locator(".optional-note").inner_text() == "This question is optional."
    await optional.get_by_role("button", name="Skip this question").click()
    await expect_question(page, "single biggest frustration")
    # A typed optional answer: the message box keeps the focus, the Skip button is there beside it.
    await page.locator(".msg.bot").last.get_by_role("button", name="Skip this question").wait_for()
    assert await page.evaluate("document.activeElement.id") == "message"
    await type_answer(page, "Search never finds the <b>right</b> record, call me on 07700 900123")
    await page.get_by_text("Thank you. Your answers have been saved.").wait_for()
    user_bubble = page.locator(".msg.user").last
    assert "<b>right</b>" in await user_bubble.inner_text()  # shown literally, never as markup
    assert await page.locator(".msg.user b").count() == 0

    db = app[SERVICES].db
    answers = await stored_answers(db)
    assert answers["role"] == ("social-worker", None)
    assert answers["team"] == ("front-door", None)
    assert answers["tenure"] == ("over-3-years", None)
    assert answers["sus_1"] == ("4", 4.0) and answers["sus_2"] == ("2", 2.0)
    assert answers["tasks"] == ("finding-information,search", None)
    assert answers["time_lost"] == ("5-10h", 7.5)
    assert "consulted" not in answers  # skipped
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


def luminance(rgb: str) -> float:
    """Relative luminance (WCAG) of a computed colour such as ``rgb(80, 90, 95)``."""
    channels = [int(part) / 255 for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two computed colours."""
    first, second = sorted((luminance(a), luminance(b)), reverse=True)
    return (first + 0.05) / (second + 0.05)


async def test_the_page_has_a_favicon_and_nothing_it_loads_fails(
    server: tuple[str, web.Application], browser: Any
) -> None:
    url, _ = server
    page = await browser.new_page(viewport=PHONE)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    await page.goto(f"{url}/?user=icon-tester")
    await page.get_by_role("button", name="Start: Your case management system").wait_for()
    icon = await page.get_attribute("link[rel=icon]", "href")
    assert icon == "/static/favicon.svg"
    served = await page.request.get(url + icon)
    assert served.status == 200 and served.headers["content-type"].startswith("image/svg+xml")
    assert (await served.text()).lstrip().startswith("<svg")
    # Chromium asks for /favicon.ico itself when a page names no icon; this page names one.
    await page.wait_for_timeout(300)
    assert failed == []


async def test_a_message_over_the_limit_is_kept_and_a_counter_shows_near_it(
    server: tuple[str, web.Application], browser: Any
) -> None:
    url, _ = server
    page = await browser.new_page(viewport=PHONE)
    await page.goto(f"{url}/?user=long-writer")
    await page.get_by_role("button", name="Start: Your case management system").wait_for()
    assert await page.get_attribute("#composer", "data-max-length") == str(MAX_TEXT)
    box, count, status = (
        page.locator("#message"),
        page.locator("#message-count"),
        page.locator("#message-count-status"),
    )
    await box.fill("x" * 100)
    assert await count.is_hidden()  # far from the limit, no counter
    # The live region is watched: a screen reader hears the count once typing pauses, not per key.
    await page.evaluate(
        """() => { window.countAnnouncements = [];
        new MutationObserver(() => window.countAnnouncements.push(
          document.getElementById("message-count-status").textContent))
          .observe(document.getElementById("message-count-status"), {childList: true, characterData: true, subtree: true}); }"""
    )
    await box.fill("x" * (MAX_TEXT - 110))
    await box.press_sequentially("y" * 10, delay=30)
    await count.filter(has_text="You have 100 characters remaining").wait_for()
    await status.filter(has_text="You have 100 characters remaining").wait_for(timeout=5000)
    assert await page.evaluate("window.countAnnouncements") == ["You have 100 characters remaining"]
    assert await box.get_attribute("aria-describedby") == "message-count"

    chats: list[str] = []
    page.on("request", lambda r: chats.append(r.url) if r.url.endswith("/api/chat") else None)
    bubbles = await page.locator(".msg.user").count()
    long_text = "Search is slow. " * 130  # 2,080 characters
    await box.fill(long_text)
    await count.filter(
        has_text=f"You have {len(long_text.strip()) - MAX_TEXT} characters too many"
    ).wait_for()
    assert await box.get_attribute("aria-invalid") == "true"
    await box.press("Enter")
    await page.locator("#error").filter(has_text="it has not been sent").wait_for()
    assert "2,079 characters long" in await page.locator("#error").inner_text()
    assert await box.input_value() == long_text  # kept, to be shortened
    assert chats == [] and await page.locator(".msg.user").count() == bubbles
    # Shortened to the limit, it goes, and the box and the counter empty.
    await box.fill("Search is slow.")
    await box.press("Enter")
    await page.locator(".msg.user").filter(has_text="Search is slow.").wait_for()
    assert await box.input_value() == "" and await count.is_hidden() and len(chats) == 1


async def test_a_typed_answer_over_the_questions_own_limit_is_kept(tmp_path: Path, browser: Any) -> None:
    async with serve(tmp_path, content_dir=content_with_every_kind(tmp_path)) as (url, _):
        page = await browser.new_page(viewport=PHONE)
        await page.goto(f"{url}/?user=wisher")
        await page.get_by_role("button", name="Start: Your case management system").wait_for()
        for answer, next_question in [
            ("start every-kind", "Which team are you in?"),
            ("1", "Which tasks take longest?"),
            ("1, 2", "The system is easy to use."),
            ("agree", "How likely are you to recommend"),
            ("7", "Were you trained"),
            ("yes", "How many hours a week"),
            ("12", "What one change would help most?"),
        ]:
            await type_answer(page, answer)
            await expect_question(page, next_question)
        box = page.locator("#message")
        await box.fill("a" * 250)
        await page.locator("#message-count").filter(has_text="You have 50 characters remaining").wait_for()
        await box.fill("b" * 301)
        await box.press("Enter")
        await page.locator("#error").filter(has_text="shorten it to 300 or fewer").wait_for()
        assert await box.input_value() == "b" * 301
        await box.fill("Fewer forms.")
        await box.press("Enter")
        await page.get_by_text("Thank you. Your answers have been saved.").wait_for()
        # Once the question is answered the message limit is the general one again.
        await box.fill("c" * 301)
        assert await page.locator("#message-count").is_hidden()


async def test_at_the_limit_the_other_checkboxes_are_unavailable_and_look_it(
    tmp_path: Path, browser: Any
) -> None:
    async with serve(tmp_path, content_dir=content_with_every_kind(tmp_path)) as (url, _):
        page = await browser.new_page(viewport=PHONE)
        await page.goto(f"{url}/?user=chooser")
        await page.get_by_role("button", name="Start: Your case management system").wait_for()
        await type_answer(page, "start every-kind")
        await expect_question(page, "Which team are you in?")
        await page.get_by_role("button", name="Front door").click()
        await expect_question(page, "Which tasks take longest?")
        question = page.locator(".msg.bot").last
        # The limit is stated once, by the question's hint; the page adds no line of its own.
        assert (await question.inner_text()).count("up to 2") == 1
        boxes = {
            label: question.get_by_label(label)
            for label in ("Recording visits", "Search", "Forms", "Returns")
        }

        async def look(label: str) -> dict[str, str]:
            return await boxes[label].evaluate(
                """box => { const b = getComputedStyle(box), l = getComputedStyle(box.labels[0]),
                page = getComputedStyle(document.body);
                return {border: b.borderTopColor, style: b.borderTopStyle, fill: b.backgroundColor,
                        label: l.color, page: page.backgroundColor, cursor: b.cursor}; }"""
            )

        free = await look("Forms")
        await boxes["Recording visits"].check()
        await boxes["Search"].check()
        for label in ("Forms", "Returns"):
            assert await boxes[label].is_disabled()
            unavailable = await look(label)
            assert (
                unavailable != free
                and unavailable["style"] == "dashed"
                and unavailable["cursor"] == "not-allowed"
            )
            assert unavailable["label"] != free["label"]
            assert contrast(unavailable["border"], unavailable["page"]) >= 3  # WCAG 1.4.11
            assert contrast(unavailable["border"], unavailable["fill"]) >= 3
            assert contrast(unavailable["label"], unavailable["page"]) >= 4.5  # WCAG 1.4.3
        assert contrast(free["border"], free["page"]) >= 3
        status = question.locator(".limit-status")
        assert await status.get_attribute("aria-live") == "polite"
        assert "untick one to choose another" in await status.inner_text()
        await boxes["Search"].uncheck()
        assert not await boxes["Forms"].is_disabled() and await look("Forms") == free
        assert await status.inner_text() == ""
        await boxes["Forms"].check()
        await question.locator("button.continue").click()
        await expect_question(page, "The system is easy to use.")


@pytest.mark.parametrize("viewport", [ZOOM_400, PHONE, DESKTOP], ids=["320px", "phone", "desktop"])
async def test_a_chart_fits_the_chat_whole_and_opens_full_size(
    tmp_path: Path, browser: Any, viewport: dict[str, int]
) -> None:
    async with serve(tmp_path, demo=True) as (url, _):
        page = await browser.new_page(viewport=viewport)
        await page.goto(f"{url}/?user=manager")
        await page.get_by_role("button", name="Start: Your case management system").wait_for()
        await type_answer(page, "digest")
        chart = page.locator(".msg.image img").first
        await chart.wait_for(timeout=20_000)
        await chart.evaluate("img => img.decode()")
        fit = await chart.evaluate(
            """img => { const box = img.getBoundingClientRect(), log = document.getElementById("log").getBoundingClientRect();
            const bubble = img.closest(".msg").getBoundingClientRect();
            return {left: box.left, right: box.right, width: img.clientWidth, height: img.clientHeight,
                    natural: [img.naturalWidth, img.naturalHeight], log: [log.left, log.right],
                    bubble: [bubble.left, bubble.right], page: document.documentElement.scrollWidth,
                    window: window.innerWidth}; }"""
        )
        natural_width, natural_height = fit["natural"]
        # The picture (inside its border) is scaled down to the conversation's width, never up, and
        # is never cut off on either side.
        assert fit["width"] <= min(natural_width, fit["log"][1] - fit["log"][0])
        assert fit["bubble"][0] <= fit["left"] and fit["right"] <= fit["bubble"][1]
        assert fit["log"][0] <= fit["bubble"][0] and fit["bubble"][1] <= fit["log"][1]
        assert abs(fit["height"] - fit["width"] * natural_height / natural_width) <= 2  # not squashed
        assert fit["page"] <= fit["window"]
        if viewport is ZOOM_400:
            assert fit["width"] >= 0.8 * viewport["width"]  # as wide as a phone allows
        if viewport is DESKTOP:
            assert fit["width"] == natural_width
        alt = await chart.get_attribute("alt")
        assert alt and alt.startswith("Bar chart:")
        await (
            page.locator(".msg.image")
            .first.get_by_role("button", name=re.compile("^Open chart full size"))
            .click()
        )
        dialog = page.get_by_role("dialog")
        await dialog.wait_for()
        full = dialog.get_by_role("img")
        assert await full.get_attribute("alt") == alt  # the same alt text, full size
        assert (await full.evaluate("img => img.getBoundingClientRect().width")) == natural_width
        await dialog.get_by_role("button", name="Close").click()
        await dialog.wait_for(state="hidden")
