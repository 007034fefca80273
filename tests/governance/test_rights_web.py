"""``my data`` and ``forget me`` in the web chat over real HTTP, on SQLite and PostgreSQL: the person sees
everything stored under their pseudonym, then has it erased, and nothing of theirs is left in any table."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import SERVICES, build_app
from bot.respondent import pseudonym
from bot.settings import Settings, load_settings
from storage.models import AccessLogEntry, table_of
from tests.helpers import PAIN_POINTS_TYPED, SECRET, all_text, responses, table_counts

FRUSTRATION = PAIN_POINTS_TYPED["frustration"]


@pytest.fixture
def db_settings(database_url: str, tmp_path: Any) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data", secret_key=SECRET, database_url=database_url, managers="web:boss"
    )


@pytest.fixture
async def chat(db_settings: Settings) -> Any:
    async with TestClient(TestServer(build_app(db_settings))) as client:
        yield client


async def send(client: TestClient, user: str, text: str | None = None, value: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"user_id": user, "message_id": uuid.uuid4().hex}
    if text is not None:
        body["text"] = text
    if value is not None:
        body["value"] = value
    resp = await client.post("/api/chat", json=body)
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def answer_survey(client: TestClient, user: str) -> None:
    reply = await send(client, user, "start pain-points")
    while questions := [r for r in reply["replies"] if r["type"] == "question"]:
        reply = await send(client, user, PAIN_POINTS_TYPED[questions[-1]["question_id"]])


def texts(reply: dict[str, Any]) -> str:
    return json.dumps(reply["replies"])


async def access_kinds(client: TestClient) -> list[tuple[str, str, str]]:
    db = client.server.app[SERVICES].db
    table = table_of(AccessLogEntry)
    return await db.read(
        lambda conn: [(r.kind, r.requester, r.role) for r in conn.execute(select(table).order_by(table.c.id))]
    )


async def test_my_data_shows_every_answer_and_gives_the_same_as_a_file(chat: TestClient) -> None:
    await answer_survey(chat, "alice")
    reply = await send(chat, "alice", "my data")
    shown = texts(reply)
    assert "What is stored about you" in shown and json.dumps(FRUSTRATION)[1:-1] in shown
    assert "What is your role?: Social worker" in shown  # the question's words and the choice's label
    [links] = [r for r in reply["replies"] if r["type"] == "links"]
    url = links["links"][0]["url"]
    resp = await chat.get(urlsplit(url).path + "?" + urlsplit(url).query)
    assert resp.status == 200 and "attachment" in resp.headers["Content-Disposition"]
    document = json.loads(await resp.text())
    [response] = document["responses"]
    assert response["survey"] == "pain-points" and response["status"] == "completed"
    assert {a["answer"] for a in response["answers"]} >= {FRUSTRATION, "social-worker"}
    # Another person's data is not reachable by changing the link.
    forged = (urlsplit(url).path + "?" + urlsplit(url).query).replace("p=", "p=0")
    assert (await chat.get(forged)).status == 403
    assert ("subject-access", "self", "self") in await access_kinds(chat)


async def test_forget_me_asks_first_then_erases_everything(chat: TestClient) -> None:
    await answer_survey(chat, "alice")
    await answer_survey(chat, "bea")
    mine = pseudonym(SECRET.encode(), "web", "alice")
    asked = await send(chat, "alice", "forget me")
    [prompt] = [r for r in asked["replies"] if r["type"] == "prompt"]
    labels = [c["label"] for c in prompt["choices"]]
    assert labels == ["Yes, erase it", "No, keep it"]
    assert len(await responses(chat.server.app[SERVICES].db)) == 2  # asking erases nothing

    kept = await send(chat, "alice", value=prompt["choices"][1]["value"])
    assert "Nothing was erased" in texts(kept)
    assert len(await responses(chat.server.app[SERVICES].db)) == 2

    done = await send(chat, "alice", value=prompt["choices"][0]["value"])
    assert "erased" in texts(done)
    left = await responses(chat.server.app[SERVICES].db)
    assert [r["respondent"] for r in left] == [pseudonym(SECRET.encode(), "web", "bea")]
    assert mine not in await all_text(chat.server.app[SERVICES].db)
    counts = await table_counts(chat.server.app[SERVICES].db)
    assert counts["answer"] == len(PAIN_POINTS_TYPED)  # bea's answers only
    assert ("erasure", "self", "self") in await access_kinds(chat)
    again = await send(chat, "alice", "my data")
    assert "Nothing is stored about you" in texts(again)


async def test_the_access_log_records_digests_plans_and_refusals_never_figures(chat: TestClient) -> None:
    await send(chat, "carol", "digest")  # a practitioner: refused
    await send(chat, "boss", "digest")
    await send(chat, "boss", "plan")
    kinds = await access_kinds(chat)
    boss = pseudonym(SECRET.encode(), "web", "boss")
    carol = pseudonym(SECRET.encode(), "web", "carol")
    assert ("refusal", carol, "practitioner") in kinds
    assert ("digest", boss, "manager") in kinds and ("plan", boss, "manager") in kinds
    db = chat.server.app[SERVICES].db
    table = table_of(AccessLogEntry)
    rows = await db.read(lambda conn: [dict(r._mapping) for r in conn.execute(select(table))])
    digest = next(r for r in rows if r["kind"] == "digest")
    assert digest["survey_id"] == "pain-points" and digest["period"]
    assert all(
        set(r) == {"id", "at", "kind", "channel", "requester", "role", "survey_id", "period", "detail"}
        for r in rows
    )


async def test_gaps_and_scheduled_digests_are_in_the_access_log(chat: TestClient) -> None:
    from datetime import UTC, datetime, timedelta
    from functools import partial

    from bot.reports.commands import scheduled_digest
    from bot.reports.routes import INSIGHTS
    from storage import schedules

    await send(chat, "boss", "gaps")
    app = chat.server.app
    keys = app[SERVICES].turns.keys
    creator = pseudonym(SECRET.encode(), "web", "boss")
    now = datetime.now(UTC)
    schedule = schedules.Schedule(
        "s-audit", "web", keys.lane("web", "web:boss"), None, "pain-points", "this-month", "0 9 * * 1",
        "every Monday at 09:00", now - timedelta(minutes=1),
    )  # fmt: skip
    db = app[SERVICES].db
    await db.write(partial(schedules.add_schedule, schedule=schedule, created_by=creator, now=now))
    [stored] = await db.read(lambda conn: schedules.due_schedules(conn, now))
    assert stored.created_by == creator
    await scheduled_digest(app[INSIGHTS], stored, now)
    kinds = await access_kinds(chat)
    assert ("gaps", creator, "manager") in kinds
    assert ("digest", creator, "schedule") in kinds
