"""A guidance answer in every channel: what the guidance says and our suggestions under their own
headings, and every guidance link clickable (Teams: an Action.OpenUrl button)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.channels import web_render
from bot.channels.slack import render as slack
from bot.channels.teams import render as teams
from dialogs.guidance import GuidanceLibrary, load_guidance
from dialogs.guidance_dialog import section_answer
from dialogs.replies import GuidanceAnswer, Link, Links, Question

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://guidance.example.gov.uk/cms"


@pytest.fixture(scope="module")
def library() -> GuidanceLibrary:
    return load_guidance(ROOT / "content", BASE)


@pytest.fixture(scope="module")
def answer(library: GuidanceLibrary) -> GuidanceAnswer:
    return section_answer(library, library.section("monitoring-and-improvement"))


def walk(node: Any) -> list[dict[str, Any]]:
    """Every dict inside a card or block tree."""
    found = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += walk(value)
    elif isinstance(node, list):
        for item in node:
            found += walk(item)
    return found


def card_text(activity: dict[str, Any]) -> str:
    return "\n".join(n["text"] for n in walk(activity) if n.get("type") == "TextRun")


def open_urls(activity: dict[str, Any]) -> list[str]:
    return [n["url"] for n in walk(activity) if n.get("type") == "Action.OpenUrl"]


def test_the_answer_keeps_the_guidance_and_our_suggestions_apart(answer: GuidanceAnswer) -> None:
    assert answer.named_only
    assert all("SSDA903" not in point for point in answer.from_guidance)
    ours = [s for s in answer.suggestions if "SSDA903" in s.text]
    assert [source.title for source in ours[0].sources] == [
        "Children in need census (DfE)",
        "Children looked after return, SSDA903 (DfE)",
    ]
    assert answer.guidance.url == BASE


def test_web_rendering_has_both_parts_with_sources(answer: GuidanceAnswer) -> None:
    rendered = web_render.render(answer)
    assert rendered["type"] == "guidance"
    assert rendered["from_guidance"]["heading"] == "From the guidance"
    assert rendered["from_guidance"]["points"] == list(answer.from_guidance)
    assert rendered["suggestions"]["heading"] == "Suggestions"
    sources = [s["url"] for item in rendered["suggestions"]["items"] for s in item["sources"]]
    assert "https://www.gov.uk/guidance/children-in-need-census" in sources
    assert rendered["guidance_link"]["url"] == BASE


def test_slack_rendering_heads_both_parts_and_links_every_source(answer: GuidanceAnswer) -> None:
    message = slack.render(answer)
    texts = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    guidance = next(t for t in texts if t.startswith("*From the guidance*"))
    suggestions = next(t for t in texts if t.startswith("*Suggestions*"))
    assert "SSDA903" not in guidance and "SSDA903" in suggestions
    assert (
        "<https://www.gov.uk/guidance/children-in-need-census|Children in need census (DfE)>" in suggestions
    )
    assert texts[-1] == f"<{BASE}|Open the guidance>"
    assert message.blocks[0] == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "Monitoring, measuring and continuous improvement",
            "emoji": True,
        },
    }


def test_teams_rendering_heads_both_parts_and_opens_links_with_buttons(answer: GuidanceAnswer) -> None:
    activity = teams.render(answer)
    text = card_text(activity)
    guidance_at, suggestions_at = text.index("From the guidance"), text.index("Suggestions")
    assert guidance_at < suggestions_at
    assert "SSDA903" not in text[guidance_at:suggestions_at] and "SSDA903" in text[suggestions_at:]
    urls = open_urls(activity)
    assert "https://www.gov.uk/guidance/children-in-need-census" in urls and urls[-1] == BASE
    # No link hides in the text: Teams clients do not reliably make it clickable.
    assert not [n for n in walk(activity) if n.get("type") == "TextRun" and "selectAction" in n]


def test_teams_links_are_open_url_buttons() -> None:
    links = Links(
        "Useful resources",
        (Link("Service Standard", "https://www.gov.uk/service-manual/service-standard", "14 points"),),
    )
    activity = teams.render(links)
    [button] = [n for n in walk(activity) if n.get("type") == "Action.OpenUrl"]
    assert button == {
        "type": "Action.OpenUrl",
        "title": "Service Standard",
        "url": "https://www.gov.uk/service-manual/service-standard",
    }
    assert "14 points" in card_text(activity)


GUIDE_ME = Question(
    survey_id="guide-me",
    question_id="vision",
    text="Vision and goals: how far along is your service?",
    kind="single_choice",
    link=Link("More in the guidance", BASE),
)


def test_the_walkthroughs_guidance_link_is_clickable_in_every_channel() -> None:
    assert web_render.render(GUIDE_ME)["link"] == {
        "title": "More in the guidance",
        "url": BASE,
        "description": "",
    }
    blocks = json.dumps(slack.render(GUIDE_ME).blocks)
    assert f"<{BASE}|More in the guidance>" in blocks
    assert open_urls(teams.render(GUIDE_ME)) == [BASE]
