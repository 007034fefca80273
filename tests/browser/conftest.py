"""Fixtures for the page tests: Debian's Chromium driven by Playwright, and the bot to point it at.

Playwright never downloads a browser here; it drives ``/usr/bin/chromium``. Where Chromium or
axe-core is missing a test is skipped with the reason, except in CI, where it fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.channels.web_accessibility import WCAG_TAGS
from tests.browser.support import AXE, CHROMIUM, CHROMIUM_ARGS, serve
from tests.tools.node_tools import unavailable


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Headless Chromium, closed after the test."""
    if CHROMIUM is None:
        unavailable("Debian's chromium package is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[str, web.Application]]:
    """The bot with default settings."""
    async with serve(tmp_path) as served:
        yield served


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Name every axe-core rule that was checked, screen by screen."""
    if not AXE.passed:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"axe-core {AXE.version}: rules passed ({', '.join(WCAG_TAGS)})")
    for screen in sorted(AXE.passed):
        write(f"{screen}: {', '.join(sorted(AXE.passed[screen]))}")
        if AXE.needs_review[screen]:
            write(f"{screen} (needs a person to review): {', '.join(sorted(AXE.needs_review[screen]))}")
    every = set().union(*AXE.passed.values())
    write(f"{len(every)} rules passed in all: {', '.join(sorted(every))}")
