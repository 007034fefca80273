"""Slack user ids are unique only within a workspace: the same id in two teams is two people, and an
installation from before team ids keeps each person's answers together."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from alembic import command
from sqlalchemy import select

from bot.app import build_app
from bot.channels.slack import inbound as slack_inbound
from bot.channels.slack.channel import SlackChannel
from bot.inbound import MANAGER, Inbound
from bot.respondent import pseudonym, pseudonyms_of, roles_of
from bot.settings import SettingsError, load_settings
from storage.db import Database
from storage.migrate import _config
from storage.models import DialogStateRow, LegacyPseudonym, table_of
from tests.channels.slack.payloads import direct_message, event_body
from tests.channels.slack.slack_bot import SlackBot, question_id, slack_settings
from tests.fakes.slack_api import TEAM, FakeSlack
from tests.helpers import PAIN_POINTS_TYPED, SECRET, responses, stored_answers

USER = "U0123"
ONE, TWO = "T0ONE0001", "T0TWO0002"
FIRST, SECOND = list(PAIN_POINTS_TYPED)[:2]


async def dm_in(slack: SlackBot, team: str | None, user: str, text: str, dm: str) -> None:
    """A direct message from ``user`` of ``team`` (None: a payload without any team, as the old code read them)."""
    body: dict[str, Any] = json.loads(
        event_body(direct_message(user, text, channel=dm), f"Ev{dm}{text[:20]}")
    )
    if team is None:
        del body["team_id"], body["authorizations"]
    else:
        body["team_id"] = team
        body["authorizations"][0]["team_id"] = team
        body["event"]["team"] = team
    assert (await slack.send(json.dumps(body).encode(), form=False)).status == 200
    await slack.settle()


def asked(slack: SlackBot, dm: str) -> str | None:
    last = slack.last_question(dm)
    return question_id(last) if last is not None else None


def team_form(user: str, team: str) -> str:
    return pseudonym(SECRET.encode(), "slack", f"{team}:{user}")


async def test_one_user_id_in_two_workspaces_is_two_people(slack: SlackBot) -> None:
    await dm_in(slack, ONE, USER, "start pain-points", "D0ONE")
    await dm_in(slack, ONE, USER, PAIN_POINTS_TYPED[FIRST], "D0ONE")
    await dm_in(slack, TWO, USER, "start pain-points", "D0TWO")

    # The second workspace's U0123 starts afresh: not at the first one's next question.
    assert asked(slack, "D0ONE") == SECOND
    assert asked(slack, "D0TWO") == FIRST
    rows = await responses(slack.services.db)
    assert sorted(r["respondent"] for r in rows) == sorted([team_form(USER, ONE), team_form(USER, TWO)])
    [one] = [r for r in rows if r["respondent"] == team_form(USER, ONE)]
    answers = await stored_answers(slack.services.db)
    assert list(answers) == [FIRST]
    assert one["role"] is not None  # the answer to "role" is the first workspace's person's


def test_role_entries_name_the_team_or_only_the_user() -> None:
    boss_one = Inbound("slack", "UBOSS1", "D1", workspace=ONE)
    boss_two = Inbound("slack", "UBOSS1", "D2", workspace=TWO)
    qualified = frozenset({f"slack:{ONE}:UBOSS1"})
    assert MANAGER in roles_of(boss_one.address, qualified, frozenset(), bare=boss_one.bare_address)
    assert MANAGER not in roles_of(boss_two.address, qualified, frozenset(), bare=boss_two.bare_address)
    # A single workspace's settings may leave the team out.
    bare = frozenset({"slack:UBOSS1"})
    assert MANAGER in roles_of(boss_one.address, bare, frozenset(), bare=boss_one.bare_address)
    # Only Slack's addresses have a bare form: a web user named "a:b" is not "web:b".
    web = Inbound("web", "a:b", "web:a:b")
    assert web.bare_address is None
    assert MANAGER not in roles_of(web.address, frozenset({"web:b"}), frozenset(), bare=web.bare_address)


def test_role_settings_take_both_slack_forms_and_refuse_others(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUIDEBOT_MANAGERS", f"slack:{ONE}:UBOSS1, slack:UBOSS2, slack:*")
    assert load_settings().manager_ids == {f"slack:{ONE}:UBOSS1", "slack:UBOSS2", "slack:*"}
    monkeypatch.setenv("GUIDEBOT_MANAGERS", "slack:alice")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "GUIDEBOT_MANAGERS: Value error, 'slack:alice' should look like slack:T0123:U0123" in str(
        caught.value
    )


async def test_an_installation_from_before_team_ids_keeps_each_persons_answers_together(
    tmp_path: Path, fake_slack: FakeSlack, database_url: str
) -> None:
    settings = slack_settings(tmp_path, fake_slack, database_url=database_url)
    # Before: the bot read no team, so the pseudonym was made from slack:U0123.
    with pytest.MonkeyPatch.context() as old_code:
        old_code.setattr(slack_inbound, "_event_team", lambda body, event: None)
        old_code.setattr(SlackChannel, "team_id", property(lambda self: None))
        async with TestClient(TestServer(build_app(settings))) as client:
            before = SlackBot(client, fake_slack)
            await dm_in(before, None, USER, "start pain-points", "D0OLD")
            await dm_in(before, None, USER, PAIN_POINTS_TYPED[FIRST], "D0OLD")
            assert asked(before, "D0OLD") == SECOND
    old = pseudonym(SECRET.encode(), "slack", USER)
    db = Database(database_url)
    try:
        # The schema as it was before this change, then upgraded: migration 0011 lists the old pseudonyms.
        await db.write(lambda conn: command.downgrade(_config(conn), "0007_release_batches"), alone=True)
        await db.write(lambda conn: command.upgrade(_config(conn), "head"), alone=True)
        legacy = table_of(LegacyPseudonym)
        assert await db.read(lambda conn: set(conn.execute(select(legacy.c.pseudonym)).scalars())) == {old}
    finally:
        await db.close()

    async with TestClient(TestServer(build_app(settings))) as client:
        after = SlackBot(client, fake_slack)
        # Now with the team: the same person, carrying on where they were.
        await dm_in(after, ONE, USER, PAIN_POINTS_TYPED[SECOND], "D0OLD")
        assert list(await stored_answers(after.services.db)) == [FIRST, SECOND]
        [response] = await responses(after.services.db)
        assert response["respondent"] == team_form(USER, ONE)
        state = table_of(DialogStateRow)
        db = after.services.db
        assert await db.read(lambda conn: list(conn.execute(select(state.c.respondent)).scalars())) == [
            team_form(USER, ONE)
        ]
        assert await db.read(lambda conn: list(conn.execute(select(legacy.c.pseudonym)).scalars())) == []
        # The same user id in another workspace is someone else, who gets none of it.
        await dm_in(after, TWO, USER, "start pain-points", "D0TWO")
        assert asked(after, "D0TWO") == FIRST
        assert sorted(r["respondent"] for r in await responses(db)) == sorted(
            [team_form(USER, ONE), team_form(USER, TWO)]
        )


def test_an_address_given_on_the_command_line_finds_every_form_it_is_stored_under() -> None:
    key = SECRET.encode()
    assert pseudonyms_of(key, f"slack:{ONE}:{USER}") == [team_form(USER, ONE), pseudonym(key, "slack", USER)]
    # A bare id: the same member in each workspace the caller knows of, and as stored before team ids.
    assert pseudonyms_of(key, f"slack:{USER}", teams=[ONE, TWO]) == [
        team_form(USER, ONE),
        team_form(USER, TWO),
        pseudonym(key, "slack", USER),
    ]
    assert pseudonyms_of(key, "web:a:b") == [pseudonym(key, "web", "a:b")]


async def test_a_payload_naming_no_team_is_from_the_bots_own_workspace(slack: SlackBot) -> None:
    # The fake's auth.test says the bot is installed in TEAM; a DM without a team id is someone there.
    await dm_in(slack, None, USER, "start pain-points", "D0HOME")
    [response] = await responses(slack.services.db)
    assert response["respondent"] == team_form(USER, TEAM)
