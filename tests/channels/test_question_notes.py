"""What every channel shows beside a question: an optional one says so and has a Skip button, and a
multiple-choice limit is stated once (by the question's words or by the engine, never both)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bot.channels import web_render
from bot.channels.slack import render as slack
from bot.channels.teams import render as teams
from dialogs import survey_engine as engine
from dialogs import values
from dialogs.loader import load_surveys
from dialogs.model import SurveyDef
from dialogs.replies import OPTIONAL_NOTE, Question
from dialogs.state import SurveyProgress

CONTENT = Path(__file__).resolve().parents[2] / "content" / "surveys"
SURVEYS = load_surveys(CONTENT).surveys
SKIP_VALUE = values.encode(values.CommandValue("skip"))
LIMIT = re.compile(r"\b(up to|at most|no more than) (\w+)\b(?! characters)", re.IGNORECASE)


def _asked(survey: SurveyDef, question_id: str) -> Question:
    return engine.ask(survey, SurveyProgress(survey.id, "r", question_id))


def _strings(node: Any) -> list[str]:
    """Every string a person could read in a payload (texts, labels, titles), not ids or values."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    if isinstance(node, dict):
        skip = {"value", "data", "action_id", "block_id", "id", "type", "url", "question_id", "survey_id"}
        return [s for key, item in node.items() if key not in skip for s in _strings(item)]
    return []


def _web(q: Question) -> dict[str, Any]:
    return web_render.render(q)


def _web_text(payload: dict[str, Any]) -> list[str]:
    # What chat.js shows of a question: its text, hint, optional note and its buttons' labels.
    shown = [payload["text"], payload["hint"] or "", payload["optional_note"] or ""]
    return (
        shown
        + [c["label"] for c in payload["choices"]]
        + ([payload["skip"]["label"]] if payload["skip"] else [])
    )


def _slack_skip(blocks: list[dict[str, Any]]) -> bool:
    return any(
        e.get("type") == "button" and json.loads(e["value"]) == SKIP_VALUE
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    )


def _teams_actions(card: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for element in card if element["type"] == "ActionSet" for a in element["actions"]]


OPTIONAL = [(s.id, q.id) for s in SURVEYS.values() for q in s.questions if q.optional]
REQUIRED = [(s.id, q.id) for s in SURVEYS.values() for q in s.questions if not q.optional][:6]
LIMITED = [(s.id, q.id) for s in SURVEYS.values() for q in s.questions if q.max_choices]


@pytest.mark.parametrize(("survey_id", "question_id"), OPTIONAL)
def test_an_optional_question_says_so_and_offers_skip_on_every_channel(
    survey_id: str, question_id: str
) -> None:
    q = _asked(SURVEYS[survey_id], question_id)
    web = _web(q)
    assert OPTIONAL_NOTE in _web_text(web) and web["skip"]["value"] == SKIP_VALUE
    blocks = slack.render(q).blocks
    assert any(OPTIONAL_NOTE in s for s in _strings(blocks)) and _slack_skip(blocks)
    card = teams.question_card(q)
    assert any(OPTIONAL_NOTE in s for s in _strings(card))
    skip = [a for a in _teams_actions(card) if a.get("data") == SKIP_VALUE]
    assert skip and skip[0].get("associatedInputs") == "none"


@pytest.mark.parametrize(("survey_id", "question_id"), OPTIONAL)
def test_an_optional_question_says_it_is_optional_only_once(survey_id: str, question_id: str) -> None:
    q = _asked(SURVEYS[survey_id], question_id)
    shown = " ".join(_web_text(_web(q)))
    assert len(re.findall(r"optional", shown, re.IGNORECASE)) == 1, shown


@pytest.mark.parametrize(("survey_id", "question_id"), REQUIRED)
def test_a_required_question_has_no_skip_or_optional_note(survey_id: str, question_id: str) -> None:
    q = _asked(SURVEYS[survey_id], question_id)
    web = _web(q)
    assert web["skip"] is None and web["optional_note"] is None
    assert not _slack_skip(slack.render(q).blocks)
    card = teams.question_card(q)
    assert OPTIONAL_NOTE not in " ".join(_strings(card))
    assert not [a for a in _teams_actions(card) if a.get("data") == SKIP_VALUE]


@pytest.mark.parametrize(("survey_id", "question_id"), LIMITED)
def test_a_choice_limit_is_stated_once_on_every_channel(survey_id: str, question_id: str) -> None:
    q = _asked(SURVEYS[survey_id], question_id)
    for channel, shown in (
        ("web", _web_text(_web(q))),
        ("slack", _strings(slack.render(q).blocks)),
        ("teams", _strings(teams.question_card(q))),
    ):
        stated = [m.group(0) for s in shown for m in LIMIT.finditer(s)]
        assert len(stated) == 1, f"{channel}: {stated}"


def test_the_engine_states_a_limit_the_question_does_not() -> None:
    survey = SurveyDef.model_validate(
        {
            "id": "fruit",
            "version": 1,
            "title": "Fruit",
            "description": "Fruit.",
            "questions": [
                {
                    "id": "fruit",
                    "type": "multiple_choice",
                    "text": "Which fruit do you like?",
                    "max_choices": 2,
                    "choices": ["Apples", "Pears", "Plums"],
                }
            ],
        }
    )
    q = _asked(survey, "fruit")
    assert q.hint == "Choose up to two."
    stated = [m.group(0) for s in _strings(teams.question_card(q)) for m in LIMIT.finditer(s)]
    assert stated == ["up to two"]


def test_every_guide_me_step_links_to_its_guidance_section_on_every_channel(tmp_path: Path) -> None:
    from bot.content import load_content
    from bot.settings import load_settings

    catalog = load_content(load_settings(data_dir=tmp_path)).catalog
    survey = catalog.surveys["guide-me"]
    for question in survey.questions:
        q = _asked(survey, question.id)
        assert q.link is not None and q.link.url.startswith("https://"), question.id
        web = _web(q)
        assert web["link"] == {
            "title": q.link.title,
            "url": q.link.url,
            "description": "",
        }  # an <a> on the page
        slack_links = [s for s in _strings(slack.render(q).blocks) if f"<{q.link.url}|{q.link.title}>" in s]
        assert slack_links, question.id
        opens = [a for a in _teams_actions(teams.question_card(q)) if a["type"] == "Action.OpenUrl"]
        assert [(a["title"], a["url"]) for a in opens] == [(q.link.title, q.link.url)]
