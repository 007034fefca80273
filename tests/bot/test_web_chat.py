"""The web chat over real HTTP: whole surveys, restarts, retries, concurrency, redaction and bad input."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, build_app
from bot.settings import Settings, load_settings
from tests.helpers import (
    PAIN_POINTS_TYPED,
    SECRET,
    all_text,
    responses,
    stored_answers,
    table_counts,
    without_notice,
)


@pytest.fixture
def db_settings(database_url: str, tmp_path: Any) -> Settings:
    return load_settings(data_dir=tmp_path / "data", secret_key=SECRET, database_url=database_url)


@pytest.fixture
async def chat(db_settings: Settings) -> Any:
    async with TestClient(TestServer(build_app(db_settings))) as client:
        yield client


async def send(
    client: TestClient, user: str, text: str | None = None, value: Any = None, message_id: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"user_id": user, "message_id": message_id or uuid.uuid4().hex}
    if text is not None:
        body["text"] = text
    if value is not None:
        body["value"] = value
    resp = await client.post("/api/chat", json=body)
    assert resp.status == 200, await resp.text()
    return await resp.json()


def last_question(reply: dict[str, Any]) -> dict[str, Any] | None:
    questions = [r for r in reply["replies"] if r["type"] == "question"]
    return questions[-1] if questions else None


def db_of(client: TestClient) -> Any:
    return client.server.app[SERVICES].db


async def test_a_whole_survey_by_typing_is_stored(chat: TestClient) -> None:
    reply = await send(chat, "alice", "start pain-points")
    question = last_question(reply)
    seen = []
    while question is not None:
        seen.append(question["question_id"])
        reply = await send(chat, "alice", PAIN_POINTS_TYPED[question["question_id"]])
        question = last_question(reply)
    assert seen == list(PAIN_POINTS_TYPED)
    assert reply["replies"][-1]["text"].startswith("Thank you. Your answers have been saved.")
    answers = await stored_answers(db_of(chat))
    assert answers["role"] == ("social-worker", None)
    assert answers["team"] == ("assessment", None)
    assert answers["sus_2"] == ("4", 4.0) and answers["sus_10"] == ("5", 5.0)
    assert answers["tasks"][0] == "recording-visits,double-entry,search"
    assert answers["time_lost"] == ("2-5h", 3.5)
    assert answers["frustration"] == ("It logs me out while I'm typing up a visit.", None)
    [response] = await responses(db_of(chat))
    assert response["status"] == "completed" and response["role"] == "social-worker"
    assert response["team"] == "assessment" and response["finished_at"] is not None
    counts = await table_counts(db_of(chat))
    assert counts["choice"] == 3 and counts["answer"] == len(PAIN_POINTS_TYPED)


async def test_a_whole_survey_by_clicking(chat: TestClient) -> None:
    question = last_question(await send(chat, "bob", value={"cmd": "start", "survey": "desired-outcomes"}))
    assert question["multiple"] and question["max_choices"] == 3
    picked = [c["value"]["a"] for c in question["choices"][:2]]
    question = last_question(await send(chat, "bob", value={"q": question["question_id"], "a": picked}))
    assert question["question_id"] == "good_system" and question["optional"]
    done = await send(chat, "bob", "skip")
    assert last_question(done) is None
    answers = await stored_answers(db_of(chat))
    assert answers == {"outcomes": ("more-time-with-families,find-information-fast", None)}
    [response] = await responses(db_of(chat))
    assert response["status"] == "completed"


async def test_a_restart_mid_survey_resumes_where_the_user_was(db_settings: Settings) -> None:
    async with TestClient(TestServer(build_app(db_settings))) as first:
        await send(first, "carol", "start pain-points")
        await send(first, "carol", "social worker")
        await send(first, "carol", "assessment")
    async with TestClient(TestServer(build_app(db_settings))) as second:
        reply = await send(second, "carol", "more than 3 years")
        assert last_question(reply)["question_id"] == "disruption"
        answers = await stored_answers(db_of(second))
    assert set(answers) == {"role", "team", "tenure"}


async def test_a_retried_message_changes_nothing(chat: TestClient) -> None:
    await send(chat, "dan", "start pain-points")
    first = await send(chat, "dan", "social worker", message_id="m-42")
    again = await send(chat, "dan", "team manager", message_id="m-42")
    assert first["duplicate"] is False and last_question(first)["question_id"] == "team"
    assert again == {"replies": [], "duplicate": True}
    assert (await stored_answers(db_of(chat)))["role"] == ("social-worker", None)
    assert (await table_counts(db_of(chat)))["answer"] == 1


async def test_a_double_click_is_counted_once(chat: TestClient) -> None:
    question = last_question(await send(chat, "erin", "start pain-points"))
    click = question["choices"][0]["value"]
    await send(chat, "erin", value=click)
    second = await send(chat, "erin", value=question["choices"][1]["value"])
    assert second["replies"] == [{"type": "text", "text": "That question has already been answered."}]
    assert (await stored_answers(db_of(chat)))["role"] == ("social-worker", None)


async def test_concurrent_clicks_by_one_user_advance_the_survey_once(chat: TestClient) -> None:
    question = last_question(await send(chat, "fay", "start pain-points"))
    clicks = [send(chat, "fay", value=choice["value"]) for choice in question["choices"] * 2]
    replies = await asyncio.gather(*clicks)
    advanced = [r for r in replies if last_question(r) is not None]
    refused = [
        r
        for r in replies
        if r["replies"] == [{"type": "text", "text": "That question has already been answered."}]
    ]
    assert len(advanced) == 1 and len(refused) == len(clicks) - 1
    assert (await table_counts(db_of(chat)))["answer"] == 1


async def test_concurrent_typed_messages_are_each_stored_once(chat: TestClient) -> None:
    await send(chat, "gus", "start pain-points")
    replies = await asyncio.gather(*(send(chat, "gus", "1") for _ in range(6)))
    numbers = sorted(last_question(r)["progress"] for r in replies)
    assert numbers == [
        f"Question {n} of 18" for n in range(2, 8)
    ]  # each turn saw the state the last one left
    assert set(await stored_answers(db_of(chat))) == {
        "role",
        "team",
        "tenure",
        "disruption",
        "sus_1",
        "sus_2",
    }


async def test_many_users_at_once_each_get_their_own_survey(chat: TestClient) -> None:
    users = [f"user-{i}" for i in range(12)]
    await asyncio.gather(*(send(chat, u, "start pain-points") for u in users))
    await asyncio.gather(*(send(chat, u, "social worker") for u in users))
    counts = await table_counts(db_of(chat))
    assert counts["response"] == 12 and counts["answer"] == 12 and counts["state"] == 12


async def test_identifiers_in_free_text_are_redacted_before_storing(chat: TestClient) -> None:
    await send(chat, "hal", "start pain-points")
    for qid in list(PAIN_POINTS_TYPED)[:-1]:
        await send(chat, "hal", PAIN_POINTS_TYPED[qid])
    text = (
        "Can't find the record for the child at CR2 6XH, NHS 943 476 5919, mum on 07700 900123, "
        "born 12/03/2015, email parent@example.org"
    )
    reply = await send(chat, "hal", text)
    assert reply["replies"][0]["text"] == (
        "Please don't share details about children or families here: I removed a date, "
        "an NHS number and three other details before saving anything."
    )
    stored = (await stored_answers(db_of(chat)))["frustration"][0]
    assert stored == (
        "Can't find the record for the child at [postcode], NHS [NHS number], mum on [phone number], "
        "born [date of birth], email [email]"
    )
    everything = await all_text(db_of(chat))
    for secret in ("CR2 6XH", "943 476 5919", "07700 900123", "12/03/2015", "parent@example.org", "hal"):
        assert secret not in everything


async def test_user_ids_are_stored_only_as_pseudonyms(chat: TestClient) -> None:
    await send(chat, "zoe.smith", "start pain-points")
    await send(chat, "zoe.smith", "social worker")
    everything = await all_text(db_of(chat))
    assert "zoe.smith" not in everything
    [response] = await responses(db_of(chat))
    assert len(response["respondent"]) == 64 and all(c in "0123456789abcdef" for c in response["respondent"])


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "The body must be JSON."),
        (b"[1, 2]", "The body must be a JSON object."),
        (b'{"text": "hello"}', "'user_id' is required"),
        (b'{"user_id": "", "text": "hello"}', "'user_id' is required"),
        (b'{"user_id": 7, "text": "hello"}', "'user_id' is required"),
        (b'{"user_id": "ian", "text": 5}', "'text' must be a string."),
        (b'{"user_id": "ian"}', "Send 'text' or 'value'."),
        (b'{"user_id": "ian", "text": "hi", "message_id": 12}', "'message_id' must be"),
        (b"\xff\xfe", "The body must be JSON."),
    ],
)
async def test_bad_bodies_get_400_with_a_json_error(chat: TestClient, body: bytes, error: str) -> None:
    resp = await chat.post("/api/chat", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert (await resp.json())["error"].startswith(error)
    assert (await table_counts(db_of(chat)))["state"] == 0


async def test_an_over_long_message_is_refused_politely_and_nothing_is_stored(chat: TestClient) -> None:
    reply = await send(chat, "jo", "x" * 2001)
    assert reply["replies"][0]["text"].startswith("Sorry, that message is too long (2001 characters).")
    counts = await table_counts(db_of(chat))
    assert counts["state"] == 0 and counts["processed"] == 0


async def test_a_body_over_64_kib_gets_413(chat: TestClient) -> None:
    body = json.dumps({"user_id": "kim", "text": "y" * (65 * 1024)})
    resp = await chat.post("/api/chat", data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 413
    assert "too large" in (await resp.json())["error"]


async def test_the_page_is_served(chat: TestClient) -> None:
    page = await chat.get("/")
    assert page.status == 200 and '<main id="main"' in await page.text()
    script = await chat.get("/static/chat.js")
    assert script.status == 200


async def test_health_reports_the_database(chat: TestClient) -> None:
    resp = await chat.get("/healthz")
    assert resp.status == 200
    assert (await resp.json())["database"] == "ok"


async def test_a_registered_command_runs_once_per_message(chat: TestClient) -> None:
    calls = []

    async def report(inbound: Any, args: str) -> list[Any]:
        from dialogs.replies import Text

        calls.append((inbound.address, sorted(inbound.roles), args))
        return [Text(f"report for {args}")]

    chat.server.app[SERVICES].turns.add_command("report", report)
    first = await send(chat, "lee", "report last month", message_id="cmd-1")
    again = await send(chat, "lee", "report last month", message_id="cmd-1")
    assert without_notice(first["replies"]) == [{"type": "text", "text": "report for last month"}]
    assert again == {"replies": [], "duplicate": True}
    assert calls == [("web:lee", ["practitioner"], "last month")]
