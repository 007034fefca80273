"""Cards for each kind of question, and card submits read back into the core's values.

Every kind of card the bot sends is also run through Microsoft's Adaptive Cards renderer (the
``adaptivecards`` npm package, in node), which reports what it would flag in Teams.
"""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity

from bot.channels.teams.inbound import card_value, from_activity, without_bot_mention
from bot.channels.teams.render import CHOICES_INPUT, MAX_INLINE_PNG, TEXT_INPUT, render, welcome
from bot.settings import REPO_CONTENT
from dialogs import survey_engine
from dialogs.loader import load_surveys
from dialogs.replies import Answered, Choice, Image, Link, Links, Progress, Prompt, Question, Reply, Text
from dialogs.state import SurveyProgress
from dialogs.values import AnswerValue, CommandValue
from tests.channels.teams.activities import Person, actions_of, in_channel, inputs_of, text_of
from tests.tools.node_tools import run_script

CHART = Image(
    "Bar chart: Tasks that cost most time, by share of staff. Recording visits 33%; Search 26%.",
    b"\x89PNG" + bytes(200),
    "Tasks that cost most time, by share of staff",
)


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
    assert [len(r["actions"]) for r in rows] == [4, 4, 3]
    six = card_of(question("single_choice", ["A", "B", "C", "D", "E", "F"]))
    assert [len(e["actions"]) for e in six["body"] if e["type"] == "ActionSet"] == [3, 3]


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
            assert all(len(e["actions"]) <= 5 for e in card["body"] if e["type"] == "ActionSet")
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


def every_card() -> dict[str, dict[str, Any]]:
    """One card of every kind the bot sends, by a name that says which."""
    catalog = load_surveys(REPO_CONTENT / "surveys")
    replies: dict[str, Reply] = {}
    for survey in catalog.surveys.values():
        for q in survey.questions:
            replies[f"{survey.id}/{q.id}"] = survey_engine.ask(survey, SurveyProgress(survey.id, "r", q.id))
    # Kinds the shipped surveys do not ask, as a council's own survey could.
    replies["scale_0_10"] = question("scale_0_10", [str(i) for i in range(11)])
    replies["number"] = question("number", [])
    replies["free_text"] = question("free_text", [], max_length=500, optional=True)
    replies["long_list"] = question("single_choice", [f"Team {i}" for i in range(9)], optional=True)
    replies["multiple"] = question("multiple_choice", ["A", "B", "C"], multiple=True, max_choices=2)
    replies["answered"] = Answered("s", "q1", "What is your role?", "Social worker")
    replies["prompt"] = Prompt(
        "Having trouble with this one?",
        (Choice("Skip", CommandValue("skip")), Choice("Stop for now", CommandValue("stop"))),
    )
    replies["links"] = Links("Useful links", (Link("Guidance", "https://www.gov.uk/x", "The DfE guidance"),))
    replies["chart_inline"] = CHART
    replies["chart_described"] = Image(CHART.alt_text, bytes(MAX_INLINE_PNG + 1), CHART.title)
    cards = {name: card_of(reply) for name, reply in replies.items()}
    cards["chart_by_address"] = card_of_activity(render(CHART, image_url="https://bot.example/c.png?sig=1"))
    cards["welcome_personal"] = card_of_activity(welcome(personal=True))
    cards["welcome_channel"] = card_of_activity(welcome(personal=False))
    return cards


def card_of_activity(activity: dict[str, Any]) -> dict[str, Any]:
    [attachment] = activity["attachments"]
    return attachment["content"]


def renderer_problems(cards: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """What Microsoft's renderer reports for each card (only the cards it reports anything for)."""
    found = run_script("validate_cards.js", list(cards.values()), needs="adaptivecards/dist/adaptivecards.js")
    return {name: problems for name, problems in zip(cards, found["results"], strict=True) if problems}


def test_microsofts_renderer_finds_nothing_wrong_with_any_card_the_bot_sends() -> None:
    cards = every_card()
    assert renderer_problems(cards) == {}
    # The check can fail: the same cards without their labels are flagged, as Teams flags them.
    unlabelled = {}
    for name, card in cards.items():
        if any(field.get("isRequired") for field in inputs_of(card)):
            for field in inputs_of(card):
                field.pop("label", None)
            unlabelled[name] = card
    assert {"pain-points/team", "pain-points/tasks", "desired-outcomes/outcomes"} <= set(unlabelled)
    flagged = renderer_problems(unlabelled)
    assert set(flagged) == set(unlabelled)
    assert all(
        {p["event"] for p in problems} == {"RequiredInputsShouldHaveLabel"} for problems in flagged.values()
    )


def test_every_input_has_a_label_and_every_picture_its_alt_text() -> None:
    for name, card in every_card().items():
        for field in inputs_of(card):
            assert field.get("label"), (name, field["id"])
        for element in card["body"]:
            if element["type"] == "Image":
                assert element["altText"] == CHART.alt_text, name


def test_a_charts_title_appears_once_and_its_description_can_be_shown() -> None:
    card = card_of_activity(render(CHART, image_url="https://bot.example/c.png?sig=1"))
    [image] = [e for e in card["body"] if e["type"] == "Image"]
    assert image["url"] == "https://bot.example/c.png?sig=1" and image["msTeams"] == {"allowExpand": True}
    # The picture draws its own title, so no text on the card repeats it (the alt text names it).
    assert CHART.title not in text_of({"body": [e for e in card["body"] if e.get("isVisible", True)]})
    assert image["altText"].startswith(f"Bar chart: {CHART.title}.")
    [toggle] = [a for a in actions_of(card) if a["type"] == "Action.ToggleVisibility"]
    [described] = [e for e in card["body"] if e.get("id") in toggle["targetElements"]]
    assert described["isVisible"] is False and text_of({"body": [described]}) == CHART.alt_text
    # Too large to send and no address to show it from: the title and the description, in words.
    words = card_of(Image(CHART.alt_text, bytes(MAX_INLINE_PNG + 1), CHART.title))
    assert [e["type"] for e in words["body"]] == ["RichTextBlock", "RichTextBlock"]
    assert text_of(words) == f"{CHART.title}\n{CHART.alt_text}"
