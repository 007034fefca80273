"""The dialog state's JSON form: what is saved after every turn."""

from __future__ import annotations

import dataclasses
import json

from dialogs.state import DialogState, SurveyProgress


def _state() -> DialogState:
    active = SurveyProgress(
        "pain-points",
        "r-1",
        "tasks",
        answers={"role": "social_worker", "tasks": ["recording", "search"], "sus_1": 2},
        history=["role", "tasks"],
        invalid_tries=1,
    )
    paused = {"desired-outcomes": SurveyProgress("desired-outcomes", "r-0", "outcomes")}
    return DialogState(
        active=active, paused=paused, last_at="2026-03-01T10:00:00+00:00", context={"guide": {"step": 3}}
    )


def test_the_json_form_holds_every_field_as_asdict_would() -> None:
    state = _state()
    assert state.to_json() == dataclasses.asdict(state)
    assert DialogState().to_json() == dataclasses.asdict(DialogState())


def test_a_state_read_back_from_its_json_is_the_same_state() -> None:
    state = _state()
    assert DialogState.from_json(json.loads(json.dumps(state.to_json()))) == state


def test_changing_the_state_after_saving_leaves_the_saved_form_as_it_was() -> None:
    state = _state()
    saved = state.to_json()
    assert state.active is not None
    state.active.answers["consulted"] = "no"
    state.active.history.append("consulted")
    state.context["walkthrough"] = True
    assert "consulted" not in saved["active"]["answers"]
    assert saved["active"]["history"] == ["role", "tasks"]
    assert "walkthrough" not in saved["context"]
