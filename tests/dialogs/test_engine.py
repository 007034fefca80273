"""The survey engine and command routing, as pure functions: no database, no channel, no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogs import values
from dialogs.conversation import TurnInput, TurnResult, step
from dialogs.effects import DropAnswer, FinishResponse, RecordAnswer, StartResponse
from dialogs.loader import SurveyCatalog, load_surveys
from dialogs.model import SurveyDef
from dialogs.replies import Answered, Prompt, Question, Text
from dialogs.state import DialogState

CONTENT = Path(__file__).resolve().parents[2] / "content" / "surveys"
PRACTITIONER = frozenset({"practitioner"})
LEAD = frozenset({"practitioner", "digital_lead"})
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def catalog() -> SurveyCatalog:
    return load_surveys(CONTENT)


def every_type_survey() -> SurveyDef:
    return SurveyDef.model_validate(
        {
            "id": "types",
            "version": 1,
            "title": "Every type",
            "description": "One question of each type.",
            "questions": [
                {
                    "id": "colour",
                    "type": "single_choice",
                    "text": "Colour?",
                    "choices": ["Red", "Green", "Blue"],
                },
                {
                    "id": "many",
                    "type": "multiple_choice",
                    "text": "Which?",
                    "max_choices": 2,
                    "choices": ["Apples", "Pears", "Plums"],
                },
                {"id": "agree", "type": "agreement", "text": "It is easy."},
                {"id": "nps", "type": "scale_0_10", "text": "Recommend?"},
                {
                    "id": "green_only",
                    "type": "yes_no",
                    "text": "Green follow-up?",
                    "when": {"question": "colour", "equals": "green"},
                },
                {"id": "count", "type": "number", "text": "How many?", "min": 0, "max": 50},
                {
                    "id": "words",
                    "type": "free_text",
                    "text": "Anything else?",
                    "max_length": 20,
                    "optional": True,
                },
            ],
        }
    )


class Chat:
    """Drives the pure step function the way the turn handler does, round-tripping state through JSON."""

    def __init__(
        self, catalog: SurveyCatalog, roles: frozenset[str] = PRACTITIONER, now: datetime = NOW
    ) -> None:
        self.catalog, self.roles, self.now = catalog, roles, now
        self.state = DialogState()
        self.effects: list = []
        self.ids = 0

    def say(self, text: str | None = None, value: object = None, *, direct: bool = True) -> TurnResult:
        self.ids += 1
        saved = DialogState.from_json(self.state.to_json())
        typed = values.decode(value) if isinstance(value, dict) else value  # as a channel reads it
        msg = TurnInput(text, typed, self.roles, self.now, f"response-{self.ids}", direct)
        result = step(self.catalog, saved, msg)
        self.state = result.state
        self.effects += result.effects
        return result

    def question(self, result: TurnResult) -> Question:
        questions = [r for r in result.replies if isinstance(r, Question)]
        assert questions, f"expected a question in {result.replies}"
        return questions[-1]

    def answers(self) -> dict[str, RecordAnswer]:
        out: dict[str, RecordAnswer] = {}
        for e in self.effects:
            if isinstance(e, RecordAnswer):
                out[e.question_id] = e
            elif isinstance(e, DropAnswer):
                out.pop(e.question_id, None)
        return out


@pytest.fixture
def types_chat() -> Chat:
    return Chat(SurveyCatalog({"types": every_type_survey()}))


def test_every_question_type_by_typing(types_chat: Chat) -> None:
    chat = types_chat
    first = chat.question(chat.say("start types"))
    assert (first.question_id, str(first.progress)) == ("colour", "Question 1 of 6")
    assert chat.question(chat.say("gren")).question_id == "many"  # a typo still picks Green
    assert chat.question(chat.say("1, 3")).question_id == "agree"
    assert chat.question(chat.say("strongly agree")).question_id == "nps"
    follow = chat.question(chat.say("9"))
    assert (follow.question_id, str(follow.progress)) == ("green_only", "Question 4 of 6 (follow-up)")
    assert chat.question(chat.say("y")).question_id == "count"
    assert chat.question(chat.say("12")).question_id == "words"
    done = chat.say("Quick and clear")
    assert chat.state.active is None
    assert any(isinstance(r, Text) and "saved" in r.text for r in done.replies)
    stored = chat.answers()
    assert stored["colour"].choices == ("green",)
    assert stored["many"].choices == ("apples", "plums") and stored["many"].kind == "multiple_choice"
    assert stored["agree"].number == 5
    assert stored["nps"].number == 9
    assert stored["green_only"].choices == ("yes",)
    assert stored["count"].number == 12
    assert stored["words"].text == "Quick and clear"
    assert isinstance(chat.effects[0], StartResponse)
    assert FinishResponse("response-1", "completed", NOW) in chat.effects


def test_every_question_type_by_button(types_chat: Chat) -> None:
    chat = types_chat
    q = chat.question(chat.say("start types"))
    while q is not None:
        value = [q.choices[0].value.answer, q.choices[1].value.answer] if q.multiple else None
        if q.choices and not q.multiple:
            result = chat.say(value=q.choices[-1].value)
        elif q.multiple:
            result = chat.say(value={"q": q.question_id, "a": value})
        elif q.kind == "number":
            result = chat.say("7")
        else:
            result = chat.say("fine")
        nxt = [r for r in result.replies if isinstance(r, Question)]
        q = nxt[-1] if nxt else None
    stored = chat.answers()
    assert stored["colour"].choices == ("blue",)
    assert "green_only" not in stored  # the condition did not hold, so it was never asked
    assert stored["many"].choices == ("apples", "pears")
    assert stored["agree"].number == 5 and stored["nps"].number == 10


@pytest.mark.parametrize(
    ("question", "typed", "hint"),
    [
        ("colour", "purple", "Please pick one of the options"),
        ("colour", "7", "Please pick one of the options"),
        ("many", "1, 2, 3", "Please choose up to 2."),
        ("agree", "maybe", "Please pick one"),
        ("nps", "11", "Please choose a number from 0 to 10."),
        ("count", "lots", "Please type a number"),
        ("count", "99", "Please type a number from 0 to 50."),
        ("count", "2.5", "Please type a whole number."),
        ("words", "x" * 21, "Please keep it to 20 characters (you wrote 21)."),
    ],
)
def test_invalid_answers_get_a_hint_and_the_question_again(
    types_chat: Chat, question: str, typed: str, hint: str
) -> None:
    chat = types_chat
    chat.say("start types")
    to_reach = {
        "colour": [],
        "many": ["1"],
        "agree": ["1", "1"],
        "nps": ["1", "1", "1"],
        "count": ["1", "1", "1", "1"],
        "words": ["1", "1", "1", "1", "1"],
    }[question]
    for answer in to_reach:
        chat.say(answer)
    result = chat.say(typed)
    assert isinstance(result.replies[0], Text) and result.replies[0].text.startswith(hint)
    assert chat.question(result).question_id == question
    assert question not in chat.answers()


def test_three_invalid_tries_offer_skip_or_stop_then_skip_works(types_chat: Chat) -> None:
    chat = types_chat
    chat.say("start types")
    chat.say("purple")
    second = chat.say("purple")
    assert not any(isinstance(r, Prompt) for r in second.replies)
    third = chat.say("purple")
    offer = [r for r in third.replies if isinstance(r, Prompt)]
    assert offer and [values.encode(c.value) for c in offer[0].choices] == [{"cmd": "skip"}, {"cmd": "stop"}]
    skipped = chat.say(value={"cmd": "skip"})
    assert chat.question(skipped).question_id == "many"
    assert "colour" not in chat.answers()


def test_required_question_cannot_be_skipped_straight_away(types_chat: Chat) -> None:
    chat = types_chat
    chat.say("start types")
    result = chat.say("skip")
    assert result.replies[0] == Text("This question needs an answer.")
    assert chat.state.active.question_id == "colour"


def test_back_shows_the_previous_answer_and_a_new_answer_replaces_it(types_chat: Chat) -> None:
    chat = types_chat
    chat.say("start types")
    chat.say("green")
    back = chat.say("back")
    assert Text("You answered: Green") in back.replies
    assert chat.question(back).question_id == "colour"
    chat.say("red")
    assert chat.answers()["colour"].choices == ("red",)
    assert chat.say("back").replies[0] == Text("You answered: Red")
    first = chat.say("back")
    assert first.replies[0] == Text("This is the first question.")


def test_back_and_a_changed_answer_withdraws_answers_that_no_longer_apply(types_chat: Chat) -> None:
    chat = types_chat
    chat.say("start types")
    for answer in ["green", "1", "1", "1", "yes"]:
        chat.say(answer)
    assert "green_only" in chat.answers()
    for _ in range(5):
        chat.say("back")
    assert chat.state.active.question_id == "colour"
    chat.say("red")
    assert "green_only" not in chat.answers()


def test_stop_pauses_and_resume_carries_on_from_the_same_question(types_chat: Chat) -> None:
    chat = types_chat
    chat.say("start types")
    chat.say("green")
    paused = chat.say("stop")
    assert isinstance(paused.replies[0], Prompt) and "Paused" in paused.replies[0].text
    assert chat.state.active is None and "types" in chat.state.paused
    assert "paused at question 2" in chat.say("surveys").replies[0].text
    resumed = chat.say("resume")
    assert "Carrying on from question 2 of 6" in resumed.replies[0].text
    assert chat.question(resumed).question_id == "many"


def test_restart_abandons_the_response_and_begins_a_new_one(types_chat: Chat) -> None:
    chat = types_chat
    chat.say("start types")
    chat.say("green")
    result = chat.say("restart")
    assert FinishResponse("response-1", "abandoned", NOW) in result.effects
    starts = [e for e in result.effects if isinstance(e, StartResponse)]
    assert starts and starts[0].response_id == "response-3"
    assert chat.question(result).question_id == "colour"


def test_a_click_on_an_old_question_changes_nothing(types_chat: Chat) -> None:
    chat = types_chat
    q = chat.question(chat.say("start types"))
    chat.say(value=q.choices[0].value)
    before = chat.state.to_json()
    again = chat.say(value=q.choices[1].value)
    assert again.replies == [Text("That question has already been answered.", private=True)]
    assert again.effects == []
    assert chat.state.active.answers == before["active"]["answers"]


def test_coming_back_after_a_while_adds_a_one_line_reminder(catalog: SurveyCatalog) -> None:
    chat = Chat(catalog)
    chat.say("start pain-points")
    chat.say("1")
    chat.now = NOW + timedelta(minutes=5)  # a quick answer, whichever server process takes it
    assert not any(isinstance(r, Text) and r.text.startswith("Welcome back") for r in chat.say("2").replies)
    chat.say("back")
    chat.now = NOW + timedelta(hours=2)
    result = chat.say("2")
    assert result.replies[0] == Text(
        "Welcome back: we were on question 2 of 18 of *Your case management system*."
    )
    assert chat.answers()["team"].choices == ("assessment",)
    assert not any(isinstance(r, Text) and r.text.startswith("Welcome back") for r in chat.say("1").replies)


def test_outside_a_survey_help_surveys_and_unknown_text(catalog: SurveyCatalog) -> None:
    chat = Chat(catalog)
    help_text = chat.say("help").replies[0].text
    assert "take a short survey" in help_text and "guide me" not in help_text
    listing = chat.say("surveys").replies[0]
    assert isinstance(listing, Prompt)
    assert {c.value.args for c in listing.choices} == {"pain-points", "desired-outcomes"}
    unknown = chat.say("flibbertigibbet")
    assert unknown.replies[0] == Text("Sorry, I didn't understand that.")
    assert chat.say("skip").replies[0] == Text("You're not in a survey at the moment.")
    assert "I don't know a survey called" in chat.say("start astronomy").replies[0].text


def test_digital_leads_get_the_maturity_survey_and_the_walkthrough(catalog: SurveyCatalog) -> None:
    assert "digital-maturity" not in {c.value.args for c in Chat(catalog).say("surveys").replies[0].choices}
    chat = Chat(catalog, LEAD)
    assert "digital-maturity" in {c.value.args for c in chat.say("surveys").replies[0].choices}
    walk = chat.say("guide me")
    q = chat.question(walk)
    assert q.survey_id == "guide-me" and q.question_id == "vision"
    # A digital lead's response never counts towards releasing figures (it rides along).
    assert StartResponse("response-2", "digital-maturity", 1, NOW, counts=False) in walk.effects
    chat.say("done")
    assert chat.answers()["vision"].choices == ("4",) and chat.answers()["vision"].number == 4


def test_invitations_are_for_managers_and_digital_leads(catalog: SurveyCatalog) -> None:
    refused = Chat(catalog).say("invite pain-points", direct=False)
    assert refused.replies == [Text("Only managers and digital leads can invite people to a survey.")]
    invite = Chat(catalog, LEAD).say("invite pain points", direct=False).replies[0]
    assert isinstance(invite, Prompt) and values.encode(invite.choices[0].value) == {
        "cmd": "start",
        "survey": "pain-points",
    }


def test_surveys_never_run_in_a_channel(catalog: SurveyCatalog) -> None:
    chat = Chat(catalog)
    chat.say("start pain-points")
    channel = chat.say("start desired-outcomes", direct=False)
    assert "private chat" in channel.replies[0].text
    in_channel = chat.say("1", direct=False)
    assert in_channel.effects == []  # a channel message is never taken as a survey answer
    assert chat.state.active.question_id == "role"


def test_starting_another_survey_pauses_the_current_one(catalog: SurveyCatalog) -> None:
    chat = Chat(catalog)
    chat.say("start pain-points")
    chat.say("1")
    other = chat.say("start desired outcomes")
    assert chat.state.active.survey_id == "desired-outcomes"
    assert "pain-points" in chat.state.paused and any(isinstance(r, Prompt) for r in other.replies)


def test_multiple_choice_when_condition_on_other(catalog: SurveyCatalog) -> None:
    chat = Chat(catalog)
    chat.say("start pain-points")
    for answer in ["1", "2", "3", "weekly"] + ["3"] * 10:
        chat.say(answer)
    follow = chat.question(chat.say("search and something else"))
    # The follow-up keeps the number of the question it follows: the count does not grow when it appears.
    assert follow.question_id == "tasks_other" and str(follow.progress) == "Question 15 of 18 (follow-up)"


INPUTS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "back",
            "skip",
            "stop",
            "restart",
            "help",
            "resume",
            "surveys",
            "1",
            "2",
            "5",
            "yes",
            "start pain-points",
            "start desired-outcomes",
            "guide me",
            "invite pain-points",
            "",
        ]
    ),
    st.fixed_dictionaries(
        {
            "q": st.sampled_from(["role", "tasks", "sus_1", "nope"]),
            "a": st.one_of(st.text(max_size=5), st.lists(st.text(max_size=5), max_size=3)),
        }
    ),
    st.fixed_dictionaries(
        {
            "cmd": st.sampled_from(["skip", "stop", "resume", "start", "bogus"]),
            "survey": st.sampled_from(["pain-points", "guide-me", "x"]),
        }
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(INPUTS, st.booleans()), max_size=40))
def test_random_input_never_crashes_and_leaves_a_valid_state(catalog: SurveyCatalog, inputs: list) -> None:
    chat = Chat(catalog, LEAD)
    for item, direct in inputs:
        if isinstance(item, dict):
            result = chat.say(value=item, direct=direct)
        else:
            result = chat.say(item, direct=direct)
        assert result.replies, "every message gets a reply"
        active = chat.state.active
        if active is not None:
            survey = catalog.get(active.survey_id)
            assert survey is not None and survey.question(active.question_id) is not None
            if active.invalid_tries >= 3:  # never an endless loop: skip always moves on from here
                probe = step(
                    catalog,
                    DialogState.from_json(chat.state.to_json()),
                    TurnInput("skip", None, LEAD, NOW, "probe"),
                )
                assert probe.state.active is None or probe.state.active.question_id != active.question_id
        assert DialogState.from_json(chat.state.to_json()) == chat.state
    for e in chat.effects:
        if isinstance(e, RecordAnswer):
            assert e.choices or e.text is not None or e.number is not None
    if inputs:
        assert all(isinstance(r, Answered | Question | Text | Prompt) for r in result.replies)


def test_help_offers_leads_their_own_commands(catalog: SurveyCatalog) -> None:
    lead_help = Chat(catalog, LEAD).say("help").replies[0].text
    practitioner_help = Chat(catalog).say("help").replies[0].text
    for command in ("guide me", "digest", "invite <survey>"):
        assert command in lead_help and command not in practitioner_help


def test_surveys_lists_each_title_with_the_name_to_type_and_that_name_starts_it(
    catalog: SurveyCatalog,
) -> None:
    listed = Chat(catalog, roles=LEAD).say("surveys").replies
    [prompt] = [r for r in listed if isinstance(r, Prompt)]
    offered = catalog.for_roles(LEAD)
    assert offered
    for survey in offered:
        line = next(line for line in prompt.text.splitlines() if survey.title in line)
        assert f"(type `start {survey.id}`)" in line
        chat = Chat(catalog, roles=LEAD)
        started = chat.say(f"start {survey.id}")
        assert chat.state.active is not None and chat.state.active.survey_id == survey.id, started.replies
    assert "guide-me" not in prompt.text  # not listed: it has its own command
