"""Every screen of the web chat, the plan and the accessibility statement, checked with axe-core.

axe-core (Deque's checker, from npm) is injected into each page and run with its WCAG 2.0, 2.1
and 2.2 A and AA rules; no violation is allowed, and the rules that passed are named at the end of
the run. The walkthrough runs at 400% zoom (320 CSS pixels wide, where nothing may scroll
sideways) and on a desktop. Keyboard use and what a screen reader is given are tested too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.channels.web_accessibility import CHECKED_SCREENS
from tests.browser.support import (
    AXE,
    DESKTOP,
    PHONE,
    ZOOM_400,
    check_page,
    content_with_every_kind,
    serve,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [ZOOM_400, DESKTOP], ids=["zoom-400", "desktop"])
async def test_every_screen_passes_axe_core(tmp_path: Path, browser: Any, viewport: dict[str, int]) -> None:
    checked: set[str] = set()

    async def check(page: Any, screen: str) -> None:
        await check_page(page, screen)
        checked.add(screen)

    async with serve(
        tmp_path,
        content_dir=content_with_every_kind(tmp_path),
        demo=True,
        org_name="Casterbridge Council",
        privacy_url="https://www.casterbridge.example/privacy",
    ) as (url, _):
        # The plan's and the statement's Content-Security-Policy allow no scripts, so axe needs it set aside.
        context = await browser.new_context(viewport=viewport, bypass_csp=True)
        page = await context.new_page()
        await page.goto(f"{url}/?user=walker")
        await page.get_by_role("button", name="Start: Your case management system").wait_for()
        assert await page.locator(".msg.notice").count() == 1  # shown first, once
        await check(page, "start")
        await page.locator("#message").fill("privacy")
        await page.locator("#message").press("Enter")
        await page.locator(".msg.notice").nth(1).wait_for()
        await page.get_by_role("link", name="Casterbridge Council privacy notice").last.wait_for()
        await check(page, "privacy_notice")

        await say(page, "start every-kind", expect="Which team are you in?")
        await check(page, "single_choice")
        await answer(page, "Assessment", expect="Which tasks take longest?")
        await check(page, "multiple_choice")
        tasks = page.locator(".msg.bot").last
        await tasks.locator("button.continue").click()  # nothing chosen: the page says so
        await page.locator("#error").filter(has_text="Select at least one option.").wait_for()
        await tasks.get_by_label("Search").check()
        await tasks.get_by_label("Forms").check()
        assert await tasks.get_by_label("Returns").is_disabled()
        await check(page, "multiple_choice_limit")
        await tasks.locator("button.continue").click()
        await expect(page, "The system is easy to use.")
        await check(page, "agreement")
        await answer(page, "Agree", expect="How likely are you to recommend")
        await check(page, "scale_0_10")
        await answer(page, "8", expect="Were you trained")
        await check(page, "yes_no")
        await answer(page, "No", expect="How many hours a week")
        await check(page, "number")
        await say(page, "lots", expect="Please type a number")  # the bot's own error message
        await page.locator("#message").fill("x" * 2100)
        await page.locator("#message").press("Enter")
        await page.locator("#error").filter(has_text="it has not been sent").wait_for()
        await check(page, "errors")
        await say(page, "12", expect="What one change would help most?")
        await page.locator("#message").fill("Fewer forms, " * 19)
        await page.locator("#message-count").filter(has_text="remaining").wait_for()
        await check(page, "free_text")
        await say(page, "Fewer forms.", expect="Your answers have been saved")
        await check(page, "finished")

        await say(page, "digest", expect="System Usability Scale")
        await page.locator(".msg.image img").nth(1).wait_for()
        await check(page, "digest")
        await page.get_by_role("button", name=re.compile("^Open chart full size")).first.click()
        await page.locator("#chart-dialog").wait_for()
        await check(page, "chart_full_size")
        await page.keyboard.press("Escape")
        await page.locator("#chart-dialog").wait_for(state="hidden")

        await say(page, "plan", expect="improvement plan")
        plan_url = await page.locator("a[href*='format=html']").last.get_attribute("href")
        plan = await context.new_page()
        await plan.goto(plan_url)
        await plan.get_by_role("heading", level=1).wait_for()
        await check(plan, "plan")

        await page.get_by_role("link", name="Accessibility statement").click()
        await page.get_by_role("heading", level=1, name="Accessibility statement").wait_for()
        await check(page, "statement")
    # Every screen the accessibility statement says is tested was tested.
    assert checked == set(CHECKED_SCREENS)
    assert all(AXE.passed[screen] for screen in checked)


async def test_axe_core_reports_a_violation_where_there_is_one(browser: Any) -> None:
    page = await browser.new_page()
    await page.set_content('<html lang="en"><title>t</title><img src="x.png"><button></button></html>')
    with pytest.raises(AssertionError) as failed:
        await check_page(page, "deliberately broken")
    assert "image-alt (critical)" in str(failed.value) and "button-name (critical)" in str(failed.value)


async def say(page: Any, text: str, *, expect: str) -> None:
    """Type ``text`` and wait for a reply containing ``expect``."""
    await page.locator("#message").fill(text)
    await page.locator("#message").press("Enter")
    await page.locator(".msg.bot").filter(has_text=expect).last.wait_for(timeout=20_000)


async def answer(page: Any, label: str, *, expect: str) -> None:
    """Press the last question's button ``label`` and wait for a reply containing ``expect``."""
    await page.locator(".msg.bot").last.get_by_role("button", name=label, exact=True).click()
    await expect_reply(page, expect)


async def expect(page: Any, text: str) -> None:
    await expect_reply(page, text)


async def expect_reply(page: Any, text: str) -> None:
    await page.locator(".msg.bot").filter(has_text=text).last.wait_for(timeout=20_000)


FOCUS_STYLE = """() => {
  const el = document.activeElement, s = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), name: (el.getAttribute("aria-label") || el.textContent || el.value || "").trim(),
    id: el.id, outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0,
    shadow: s.boxShadow !== "none", background: s.backgroundColor,
  };
}"""


async def focused(page: Any) -> dict[str, Any]:
    """What has the keyboard focus, and whether it shows (WCAG 2.4.7)."""
    found = await page.evaluate(FOCUS_STYLE)
    assert found["outline"] or found["shadow"] or found["background"] == "rgb(255, 221, 0)", found
    return found


async def tab_to(page: Any, name: str, *, limit: int = 40) -> dict[str, Any]:
    """Press Tab until the element named ``name`` has the focus (each stop must show its focus)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        found = await focused(page)
        if found["name"].startswith(name):
            return found
    raise AssertionError(f"Tab never reached {name!r}")


async def test_a_survey_and_a_chart_with_the_keyboard_alone(tmp_path: Path, browser: Any) -> None:
    async with serve(tmp_path, content_dir=content_with_every_kind(tmp_path), demo=True) as (url, _):
        page = await browser.new_page(viewport=PHONE)
        await page.goto(f"{url}/?user=keyboard")
        await page.get_by_role("button", name="Start: Every kind of question").wait_for()
        assert (await tab_to(page, "Skip to message box"))["tag"] == "a"
        await tab_to(page, "Start: Every kind of question")
        await page.keyboard.press("Enter")
        await expect_reply(page, "Which team are you in?")
        # Focus moves to the new question's first answer, so the next key press answers it.
        assert (await focused(page))["name"] == "Front door"
        await tab_to(page, "Assessment")
        await page.keyboard.press("Enter")
        await expect_reply(page, "Which tasks take longest?")
        assert (await focused(page))["tag"] == "input"  # the first checkbox
        await page.keyboard.press("Space")
        await page.keyboard.press("Tab")
        await page.keyboard.press("Space")
        # At the limit the unavailable boxes drop out of the Tab order: the next stop is Continue.
        assert (await tab_to(page, "Continue", limit=1))["tag"] == "button"
        await page.keyboard.press("Enter")
        await expect_reply(page, "The system is easy to use.")
        for key_presses, reply in [(3, "How likely"), (8, "Were you trained"), (0, "How many hours")]:
            for _ in range(key_presses):
                await page.keyboard.press("Tab")
            await focused(page)
            await page.keyboard.press("Enter")
            await expect_reply(page, reply)
        # A typed answer: focus is in the message box.
        assert (await focused(page))["id"] == "message"
        await page.keyboard.type("9")
        await page.keyboard.press("Enter")
        await expect_reply(page, "What one change would help most?")
        assert (await focused(page))["id"] == "message"
        await page.keyboard.type("Fewer forms.")
        await page.keyboard.press("Enter")
        await expect_reply(page, "Your answers have been saved")
        await page.keyboard.type("digest")
        await page.keyboard.press("Enter")
        await page.locator(".msg.image img").nth(1).wait_for(timeout=20_000)
        await page.keyboard.press("Shift+Tab")
        opener = await tab_to_backwards(page, "Open chart full size")
        await page.keyboard.press("Enter")
        await page.locator("#chart-dialog").wait_for()
        assert (await page.evaluate("document.activeElement.id")) == "chart-dialog-title"
        await page.keyboard.press("Tab")
        assert (await focused(page))["name"] == "Close"
        await page.keyboard.press("Tab")
        assert (await focused(page))["id"] == "chart-dialog-view"  # the picture scrolls with arrow keys
        # The dialog is modal: the page behind it is inert, so Tab goes round the dialog (by way of
        # the browser's own controls, which headless Chromium shows as the body having the focus).
        for _ in range(3):
            await page.keyboard.press("Tab")
            assert await page.evaluate(
                """() => document.getElementById("chart-dialog").contains(document.activeElement)
                || document.activeElement === document.body"""
            )
        await page.keyboard.press("Escape")
        await page.locator("#chart-dialog").wait_for(state="hidden")
        assert (await focused(page))["name"] == opener["name"]  # back where it was
        # The chart's description is a Tab or two on (a chart still arriving may put its own controls
        # between them on a busy machine): reached by keyboard, it is a summary that names itself.
        for _ in range(4):
            await page.keyboard.press("Tab")
            summary = await focused(page)
            if summary["tag"] == "summary":
                break
        assert summary["tag"] == "summary" and summary["name"] == "Image description"
        held = await page.evaluate_handle("document.activeElement")
        await page.keyboard.press("Enter")
        # The description that opens is the one whose summary had the focus (a later chart may still
        # be arriving, so neither "the last one on the page" nor the focus a moment later need be it).
        assert await held.evaluate("e => e.closest('details').open") is True
        for _ in range(10):  # on to the message box, to ask for the plan and follow its link
            await page.keyboard.press("Tab")
            if (await focused(page))["id"] == "message":
                break
        await page.keyboard.type("plan")
        await page.keyboard.press("Enter")
        await page.get_by_role("link", name="Open the plan (prints on A4)").last.wait_for(timeout=20_000)
        await tab_to_backwards(page, "Open the plan (prints on A4)")
        await page.keyboard.press("Enter")
        await page.get_by_role("heading", level=1, name="Case management system improvement plan").wait_for()
        first = await page.evaluate("document.querySelector('p.guidance a').textContent")
        link = await tab_to(page, first)  # the plan's first link, to a section of the guidance
        assert link["tag"] == "a" and link["background"] == "rgb(255, 221, 0)"


async def tab_to_backwards(page: Any, name: str, *, limit: int = 20) -> dict[str, Any]:
    """Press Shift+Tab until ``name`` has the focus."""
    for _ in range(limit):
        found = await focused(page)
        if found["name"].startswith(name):
            return found
        await page.keyboard.press("Shift+Tab")
    raise AssertionError(f"Shift+Tab never reached {name!r}")


async def test_a_screen_reader_is_given_the_conversation_in_order(tmp_path: Path, browser: Any) -> None:
    async with serve(tmp_path, content_dir=content_with_every_kind(tmp_path), demo=True) as (url, _):
        page = await browser.new_page(viewport=PHONE)
        await page.goto(f"{url}/?user=listener")
        await page.get_by_role("button", name="Start: Every kind of question").wait_for()
        await say(page, "start every-kind", expect="Which team are you in?")
        await answer(page, "Front door", expect="Which tasks take longest?")
        tree = await page.locator("body").aria_snapshot()
        in_order = [
            "banner",
            "main",
            'heading "Chat with the survey bot" [level=1]',
            'log "Conversation"',
            'heading "How your answers are used" [level=2]',
            "Please do not type details of children or families",
            "Surveys you can take",
            "- list:",
            '- listitem: "Every kind of question (type \u201cstart every-kind\u201d): One question of each kind',
            'button "Start: Every kind of question"',
            "You said: start every-kind",
            "Question 1 of 7",
            "Which team are you in?",
            "Pick the one you spend most time in.",
            'button "Front door" [disabled]',
            "You said: Front door",
            'group "Which tasks take longest?',
            'checkbox "Recording visits"',
            'button "Continue"',
            'textbox "Your message"',
            'button "Send"',
            "contentinfo",
            'link "Accessibility statement"',
        ]
        at = 0
        for expected in in_order:
            found = tree.find(expected, at)
            assert found >= 0, f"{expected!r} missing after position {at} in:\n{tree}"
            at = found + len(expected)
        # The answered question is marked as answered in words, not only by a tick.
        assert "(answered)" in await page.locator(".msg.answered-done .question-text").first.evaluate(
            "el => getComputedStyle(el, '::after').content"
        )
        await say(page, "stop", expect="")
        await say(page, "digest", expect="System Usability Scale")
        await page.locator(".msg.image img").nth(1).wait_for()
        chart = await page.locator(".msg.image").last.aria_snapshot()
        assert re.search(r'img "Histogram: System Usability Scale', chart), chart
        assert 'button "Open chart full size: System Usability Scale' in chart
        await page.locator(".msg.image").last.get_by_role("button", name=re.compile("^Open chart")).click()
        dialog = await page.get_by_role("dialog").aria_snapshot()
        assert dialog.startswith('- dialog "System Usability Scale'), dialog
        assert 'img "Histogram: System Usability Scale' in dialog and 'button "Close"' in dialog
