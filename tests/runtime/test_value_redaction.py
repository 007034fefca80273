"""Every string a person sends is redacted before anything else sees it, typed or inside a pressed or
submitted value, on every channel: the web chat's ``value``, Slack's block actions (buttons and
checkbox values) and Teams card submits. Test data is fictional (Ofcom drama numbers, an invented
NHS number with a valid check digit, an example postcode)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import SERVICES, build_app
from bot.channels.teams.render import TEXT_INPUT
from bot.settings import load_settings
from tests.channels.slack.payloads import actions_body
from tests.channels.slack.slack_bot import SlackBot, slack_settings
from tests.channels.teams.activities import Person, submit, typed
from tests.channels.teams.conftest import post, settle
from tests.fakes.slack_api import FakeSlack
from tests.helpers import SECRET, all_text, stored_answers

IDENTIFIERS = ("07700 900123", "943 476 5919", "SW1A 2AA", "jo.bloggs@example.org", "0113 496 0512")
SAID = "Call mum on 07700 900123; NHS 943 476 5919; lives at SW1A 2AA"


@pytest.fixture
async def slack(tmp_path: Path, fake_slack: FakeSlack, database_url: str) -> AsyncIterator[SlackBot]:
    settings = slack_settings(tmp_path, fake_slack, database_url=database_url)
    async with TestClient(TestServer(build_app(settings))) as client:
        yield SlackBot(client, fake_slack)


@pytest.fixture
async def bot(tmp_path: Path, database_url: str) -> AsyncIterator[TestClient]:
    settings = load_settings(
        data_dir=tmp_path / "data", secret_key=SECRET, teams_dev_mode=True, database_url=database_url
    )
    async with TestClient(TestServer(build_app(settings))) as client:
        yield client


async def to_free_text(send: Any) -> None:
    """The desired-outcomes survey: pick two outcomes, then its free-text question is open."""
    await send("start desired-outcomes")
    await send("1, 2")


def assert_nowhere(everything: str) -> None:
    for secret in IDENTIFIERS:
        assert secret not in everything, secret


async def test_the_web_chats_value_is_redacted(tmp_path: Path) -> None:
    app = build_app(load_settings(data_dir=tmp_path / "data", secret_key=SECRET))
    async with TestClient(TestServer(app)) as chat:

        async def send(text: str | None = None, value: Any = None) -> dict[str, Any]:
            body = {"user_id": "val", "message_id": uuid.uuid4().hex, "text": text, "value": value}
            resp = await chat.post("/api/chat", json={k: v for k, v in body.items() if v is not None})
            assert resp.status == 200
            return await resp.json()

        await to_free_text(send)
        reply = await send(value={"q": "good_system", "a": SAID})
        assert reply["replies"][0]["text"].startswith("Please don't share details")
        assert (await stored_answers(app[SERVICES].db))["good_system"] == (
            "Call mum on [phone number]; NHS [NHS number]; lives at [postcode]",
            None,
        )
        assert_nowhere(await all_text(app[SERVICES].db))


JSON_LEAVES = st.one_of(st.sampled_from([*IDENTIFIERS, SAID, "weekly", "x"]), st.integers(), st.none())
NESTED = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["q", "a", "cmd", "survey", "z"]), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=NESTED)
async def test_no_value_of_any_shape_stores_an_identifier(tmp_path: Path, value: Any) -> None:
    app = build_app(load_settings(data_dir=tmp_path / "data" / uuid.uuid4().hex, secret_key=SECRET))
    async with TestClient(TestServer(app)) as chat:
        for body in (
            {"user_id": "p", "text": "start desired-outcomes"},
            {"user_id": "p", "text": "1, 2"},
            {"user_id": "p", "value": value},
            {"user_id": "p", "value": {"q": "good_system", "a": value}},
        ):
            resp = await chat.post(
                "/api/chat", data=json.dumps(body), headers={"Content-Type": "application/json"}
            )
            assert resp.status in (200, 400), await resp.text()
        assert_nowhere(await all_text(app[SERVICES].db))


async def test_slack_button_and_checkbox_values_are_redacted(slack: SlackBot) -> None:
    user, dm = "UREDACT01", "DREDACT01"

    async def send(text: str) -> None:
        await slack.dm(user, text)
        await slack.settle()

    await send("start desired-outcomes")
    # A checkbox whose value someone altered to carry identifiers: refused as a choice, and kept nowhere.
    ticked = {"value": json.dumps({"q": "outcomes", "a": SAID}), "text": {"type": "plain_text", "text": "x"}}
    await slack.send(actions_body(_click(user, dm, {"q": "outcomes"}, "submit", ticked)), form=True)
    await slack.settle()
    await send("1, 2")
    await slack.send(actions_body(_click(user, dm, {"q": "good_system", "a": SAID}, "answer:0")), form=True)
    await slack.settle()
    assert (await stored_answers(slack.services.db))["good_system"][0] == (
        "Call mum on [phone number]; NHS [NHS number]; lives at [postcode]"
    )
    assert_nowhere(await all_text(slack.services.db))


def _click(user: str, dm: str, value: dict[str, Any], action_id: str, ticked: Any = None) -> dict[str, Any]:
    state = {"values": {"answer:outcomes": {"check:0": {"type": "checkboxes", "selected_options": [ticked]}}}}
    return {
        "type": "block_actions",
        "user": {"id": user},
        "container": {"type": "message", "message_ts": "1700000000.000009", "channel_id": dm},
        "channel": {"id": dm},
        "message": {"ts": "1700000000.000009", "blocks": []},
        "state": state if ticked else {"values": {}},
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "answer:x", "value": json.dumps(value),
             "action_ts": uuid.uuid4().hex}
        ],
    }  # fmt: skip


async def test_a_teams_card_submit_is_redacted(bot: TestClient, connector: Any) -> None:
    person = Person("Val Example")
    for text in ("start desired-outcomes", "1, 2"):
        assert await post(bot, typed(person, connector.url, text)) == 201
        await settle(bot)
    assert await post(bot, submit(person, connector.url, {"q": "good_system", TEXT_INPUT: SAID})) == 201
    await settle(bot)
    db = bot.server.app[SERVICES].db
    assert (await stored_answers(db))["good_system"][0] == (
        "Call mum on [phone number]; NHS [NHS number]; lives at [postcode]"
    )
    assert_nowhere(await all_text(db))
    notices = [c.body.get("text", "") for c in connector.posts(person.personal_chat)]
    assert any(n.startswith("Please don't share details") for n in notices)
