"""Cards for each kind of question, and card submits read back into the core's values."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity

from bot.channels.teams.inbound import card_value, from_activity, without_bot_mention
from bot.channels.teams.render import CHOICES_INPUT, TEXT_INPUT, render
from dialogs.replies import Choice, Image, Link, Links, Progress, Question, Text
from dialogs.values import AnswerValue, CommandValue
from tests.channels.teams.activities import Person, actions_of, in_channel, inputs_of


def question(kind: str, labels: list[str], **extra: Any) -> Question:
    choices = tuple(Choice(label, AnswerValue("q1", f"v{i}")) for i, label in enumerate(labels))
    return Question("s", "q1", "Pick *one*", kind, choices, Progress(2, 9), **extra)


def card_of(reply: Any) -> dict[str, Any]:
    activity = render(reply)
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content = attachment["content"]
    assert float(content["version"]) <= 1.5
    return content


def test_short_lists_and_scales_are_buttons() -> None:
    card = card_of(question("single_choice", ["Yes", "No", "Maybe"]))
    assert [a["data"] for a in actions_of(card)] == [{"q": "q1", "a": f"v{i}"} for i in range(3)]
    assert inputs_of(card) == []
    scale = card_of(question("scale_0_10", [str(i) for i in range(11)]))
    rows = [e for e in scale["body"] if e["type"] == "ActionSet"]
    assert [len(r["actions"]) for r in rows] == [6, 5]


def test_long_labels_get_a_row_each() -> None:
    card = card_of(question("agreement", ["Strongly disagree", "Disagree", "Neither agree nor disagree"]))
    rows = [e for e in card["body"] if e["type"] == "ActionSet"]
    assert [len(r["actions"]) for r in rows] == [1, 1, 1]


def test_long_lists_are_a_compact_choice_set_with_send() -> None:
    card = card_of(question("single_choice", [f"Team {i}" for i in range(9)]))
    [picker] = inputs_of(card)
    assert picker["style"] == "compact" and len(picker["choices"]) == 9
    assert [a["title"] for a in actions_of(card)] == ["Send"]


def test_multiple_choice_is_a_multiselect_and_optional_questions_can_be_skipped() -> None:
    card = card_of(question("multiple_choice", ["A", "B"], multiple=True, optional=True))
    [picker] = inputs_of(card)
    assert picker["isMultiSelect"] is True and picker["id"] == CHOICES_INPUT
    skip = next(a for a in actions_of(card) if a["title"] == "Skip")
    assert skip["data"] == {"cmd": "skip"} and skip["associatedInputs"] == "none"


def test_free_text_is_an_input_with_the_length_limit() -> None:
    card = card_of(question("free_text", [], max_length=500))
    [box] = inputs_of(card)
    assert box["id"] == TEXT_INPUT and box["maxLength"] == 500 and box["isMultiline"] is True


def test_text_is_plain_and_links_and_images_are_cards() -> None:
    assert render(Text("*Bold* [x](https://evil.example)")) == {
        "type": "message",
        "textFormat": "plain",
        "text": "Bold [x](https://evil.example)",
    }
    links = card_of(
        Links(
            "Read",
            (
                Link("Guidance", "https://www.gov.uk/x", "The DfE guidance"),
                Link("Bad", "javascript:alert(1)"),
            ),
        )
    )
    assert "https://www.gov.uk/x" in str(links) and "javascript" not in str(links)
    image = card_of(Image("A bar chart of answers", b"\x89PNG", "Chart"))
    assert any(e.get("altText") == "A bar chart of answers" for e in image["body"])


def test_submits_become_the_cores_values() -> None:
    assert card_value({"q": "tasks", CHOICES_INPUT: "a,b"}) == AnswerValue("tasks", ["a", "b"])
    assert card_value({"q": "tasks", CHOICES_INPUT: ""}) == AnswerValue("tasks", [])
    assert card_value({"q": "role", "a": "other"}) == AnswerValue("role", "other")
    assert card_value({"cmd": "start", "survey": "pain-points", "extra": 1}) == CommandValue(
        "start", "pain-points"
    )
    # Typed into the card: passed on as typed; the core redacts every string before anything sees it.
    assert card_value({"q": "f", TEXT_INPUT: "Ring 020 7946 0991"}) == AnswerValue("f", "Ring 020 7946 0991")
    assert card_value("text") is None and card_value({"other": 1}) is None


def test_mentions_are_removed_literally_even_with_odd_names() -> None:
    raw = in_channel(Person("Ada Example"), "http://127.0.0.1:1/", "help")
    raw["text"] = "<at>Guide (bot)*</at> help me"
    raw["entities"][0]["text"] = "<at>Guide (bot)*</at>"
    activity = Activity().deserialize(raw)
    assert without_bot_mention(activity) == "help me"
    arrival = from_activity(activity)
    assert arrival is not None and arrival.inbound.text == "help me" and not arrival.inbound.is_direct


def test_every_question_in_the_content_renders_to_a_card_a_user_can_answer() -> None:
    from bot.settings import REPO_CONTENT
    from dialogs import survey_engine
    from dialogs.answers import Parsed, parse_answer
    from dialogs.loader import load_surveys
    from dialogs.state import SurveyProgress

    catalog = load_surveys(REPO_CONTENT / "surveys")
    assert catalog.surveys
    for survey in catalog.surveys.values():
        for q in survey.questions:
            card = card_of(survey_engine.ask(survey, SurveyProgress(survey.id, "r", q.id)))
            assert all(len(e["actions"]) <= 6 for e in card["body"] if e["type"] == "ActionSet")
            inputs = inputs_of(card)
            if inputs:
                field = inputs[0]
                given = field["choices"][0]["value"] if "choices" in field else "7"
                value = card_value(
                    {**next(a["data"] for a in actions_of(card) if a["title"] == "Send"), field["id"]: given}
                )
            else:
                value = card_value(next(a["data"] for a in actions_of(card) if "q" in a["data"]))
            assert isinstance(value, AnswerValue) and value.question_id == q.id, (survey.id, q.id)
            assert isinstance(parse_answer(q, None, value.answer), Parsed), (survey.id, q.id, value)
