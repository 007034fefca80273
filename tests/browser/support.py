"""What the browser tests share: the bot on a free port, window sizes, a survey of every kind, axe-core.

Imported by the tests and by ``conftest.py`` alike (a conftest is loaded as a module of its own,
so state kept there would not be the tests' state).
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import build_app
from bot.channels.web_accessibility import WCAG_TAGS
from bot.settings import REPO_CONTENT, load_settings
from tests.helpers import SECRET
from tests.tools.node_tools import installed

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
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
PHONE = {"width": 390, "height": 844}
# A 1280 by 1024 window zoomed to 400% leaves the page 320 by 256 CSS pixels (WCAG 1.4.10, reflow).
ZOOM_400 = {"width": 320, "height": 256}
DESKTOP = {"width": 1280, "height": 900}

# A survey with one question of every kind the engine asks (the shipped surveys have no number or
# 0 to 10 questions), added to a copy of the shipped content.
EVERY_KIND = """
id: every-kind
version: 1
title: Every kind of question
description: One question of each kind, for the browser tests.
questions:
  - id: team
    type: single_choice
    text: Which team are you in?
    hint: Pick the one you spend most time in.
    choices:
      - {value: front-door, label: Front door}
      - {value: assessment, label: Assessment}
      - {value: other, label: Another team}
  - id: tasks
    type: multiple_choice
    max_choices: 2
    text: Which tasks take longest?
    hint: Choose up to 2.
    choices:
      - {value: recording, label: Recording visits}
      - {value: search, label: Search}
      - {value: forms, label: Forms}
      - {value: returns, label: Returns}
  - {id: easy, type: agreement, text: "The system is easy to use."}
  - {id: recommend, type: scale_0_10, text: "How likely are you to recommend the system to a colleague?"}
  - {id: trained, type: yes_no, text: "Were you trained to use the system?"}
  - {id: hours, type: number, min: 0, max: 40, text: "How many hours a week do you spend recording?"}
  - id: wish
    type: free_text
    optional: true
    max_length: 300
    text: What one change would help most?
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def serve(tmp_path: Path, **settings: Any) -> AsyncIterator[tuple[str, web.Application]]:
    """The whole bot on a free loopback port: its address and application."""
    port = free_port()
    app = build_app(load_settings(data_dir=tmp_path / "data", secret_key=SECRET, port=port, **settings))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        await runner.cleanup()


def content_with_every_kind(tmp_path: Path) -> Path:
    """The shipped content plus the every-kind survey."""
    folder = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, folder)
    (folder / "surveys" / "every-kind.yaml").write_text(EVERY_KIND, encoding="utf-8")
    return folder


@dataclass
class AxeResults:
    """What axe-core checked on each screen, for the summary at the end of the run."""

    version: str = ""
    passed: dict[str, set[str]] = field(default_factory=dict)
    needs_review: dict[str, set[str]] = field(default_factory=dict)


AXE = AxeResults()
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  const ids = (items) => items.map((rule) => rule.id);
  return {
    version: result.testEngine.version,
    passes: ids(result.passes),
    incomplete: ids(result.incomplete),
    violations: result.violations.map((rule) => ({
      id: rule.id, impact: rule.impact, help: rule.help,
      nodes: rule.nodes.map((node) => node.target.join(" ") + ": " + node.failureSummary),
    })),
  };
}"""


async def check_page(page: Any, screen: str) -> list[str]:
    """Run axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the page as it is: no violation allowed.

    Also, in a 320-pixel-wide viewport, nothing may need scrolling sideways. Returns the ids of
    the rules that passed, which are also recorded for the run's summary under ``screen``.
    """
    if not await page.evaluate("typeof axe !== 'undefined'"):
        await page.add_script_tag(path=str(installed("axe-core/axe.min.js")))
    result = await page.evaluate(AXE_RUN, list(WCAG_TAGS))
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in result["violations"]
    ]
    assert not problems, f"axe-core found on screen {screen!r}:\n" + "\n".join(problems)
    assert result["passes"], f"axe-core checked nothing on screen {screen!r}"
    AXE.version = result["version"]
    AXE.passed.setdefault(screen, set()).update(result["passes"])
    AXE.needs_review.setdefault(screen, set()).update(result["incomplete"])
    width = await page.evaluate("window.innerWidth")
    if width <= ZOOM_400["width"]:
        scroll = await page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"screen {screen!r} scrolls sideways at {width} px: {scroll} px wide"
    return result["passes"]
