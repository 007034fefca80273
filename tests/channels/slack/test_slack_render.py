"""Neutral replies as Block Kit: the element for each kind of question, Slack's limits, and escaping."""

from __future__ import annotations

import json
from typing import Any

from bot.channels.slack.render import answered, escape, home_view, render
from dialogs.replies import Answered, Choice, Link, Links, Progress, Prompt, Question, Text
from dialogs.values import AnswerValue, CommandValue


def question(kind: str, count: int, **extra: Any) -> Question:
    choices = tuple(Choice(f"Choice {i}", AnswerValue("q1", f"c{i}")) for i in range(count))
    return Question("s1", "q1", "How is it?", kind, choices, Progress(2, 9), **extra)


def elements(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_up_to_five_choices_are_buttons_carrying_their_values() -> None:
    message = render(question("agreement", 5))
    buttons = elements(message.blocks)
    assert [b["type"] for b in buttons] == ["button"] * 5
    assert json.loads(buttons[4]["value"]) == {"q": "q1", "a": "c4"}
    assert message.blocks[0]["text"]["text"] == "*Question 2 of 9*\nHow is it?"
    assert message.text == "Question 2 of 9: How is it?"


def test_longer_lists_are_a_menu_and_multiple_choice_is_checkboxes_with_submit() -> None:
    [menu] = elements(render(question("single_choice", 6)).blocks)
    assert menu["type"] == "static_select" and len(menu["options"]) == 6
    boxes = elements(render(question("multiple_choice", 23, multiple=True, max_choices=3)).blocks)
    assert [e["type"] for e in boxes] == ["checkboxes"] * 3 + ["button"]
    assert [len(e.get("options", [])) for e in boxes] == [10, 10, 3, 0]  # Slack allows 10 boxes a group
    assert json.loads(boxes[-1]["value"]) == {"q": "q1"} and boxes[-1]["action_id"] == "submit"


def test_free_text_and_numbers_ask_to_type_and_optional_questions_can_be_skipped() -> None:
    message = render(question("free_text", 0, optional=True, max_length=500))
    note = next(b for b in message.blocks if b["type"] == "context")["elements"][0]["text"]
    assert "Type your answer (up to 500 characters)." in note and "optional" in note
    [skip] = elements(message.blocks)
    assert skip["text"]["text"] == "Skip this question" and json.loads(skip["value"]) == {"cmd": "skip"}
    assert elements(render(question("number", 0)).blocks) == []


def test_an_answered_question_shows_the_answer_and_no_buttons() -> None:
    message = answered(Answered("s1", "q1", "How is it?", "Fine <!here>"))
    assert elements(message.blocks) == []
    assert "Your answer: *Fine &lt;!here&gt;*" in json.dumps(message.blocks)


def test_every_text_is_escaped_and_links_cannot_be_disguised() -> None:
    said = render(Text("Tom & Jerry <!channel> <https://evil.example|bank>")).blocks[0]["text"]["text"]
    assert said == "Tom &amp; Jerry &lt;!channel&gt; &lt;https://evil.example|bank&gt;"
    links = Links(
        "Read <this>", (Link("GOV.UK|x", "https://www.gov.uk/a?b=1&c=2|x"), Link("Bad", "javascript:x"))
    )
    text = render(links).blocks[0]["text"]["text"]
    assert "<https://www.gov.uk/a?b=1&amp;c=2%7Cx|GOV.UK|x>" in text and "<about:blank|Bad>" in text
    assert text.startswith("*Read &lt;this&gt;*")
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_slacks_limits_are_kept() -> None:
    long_label = Choice("x" * 150, CommandValue("start", "s1"))
    [button] = elements(render(Prompt("Pick", (long_label,))).blocks)
    assert len(button["text"]["text"]) == 75
    sections = render(Text("line\n" * 1500)).blocks
    assert len(sections) > 1 and all(len(b["text"]["text"]) <= 3000 for b in sections)


def test_the_app_home_is_a_home_view() -> None:
    view = home_view(
        [Text("You're taking *Survey*."), Prompt("Surveys", (Choice("Start", CommandValue("start")),))]
    )
    assert view["type"] == "home" and view["blocks"][0]["type"] == "header"
    assert elements(view["blocks"])[0]["text"]["text"] == "Start"
