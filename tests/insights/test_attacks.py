"""A curious manager trying to learn one person's answers from digests, through the web chat over HTTP.

Each attack from issue 11 is scripted as a manager would: overlapping periods, a digest just before
and just after one more person completes, padding a group with their own answers (or with
responses from a channel that does not authenticate), and reading small histogram bars. The
practitioners answer through the same web chat, one button at a time.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import SERVICES, build_app
from bot.settings import Settings, load_settings
from dialogs.conversation import TurnInput, step
from dialogs.effects import StartResponse
from dialogs.state import DialogState
from storage.models import ReleaseBatch, SurveyResponse
from tests.helpers import SECRET, without_notice
from tests.insights.conftest import load
from tests.insights.data import CATALOG, response, sus
from tests.storage.conftest import as_turns, take_turn

RESPONSE, BATCH = SurveyResponse.__table__, ReleaseBatch.__table__
ANSWERS = {
    "role": "social-worker", "team": "assessment", "tenure": "1-3-years", "disruption": "weekly",
    "tasks": ["double-entry", "search"], "time_lost": "2-5h", "consulted": "no",
}  # fmt: skip


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        data_dir=tmp_path / "data", secret_key=SECRET, database_url=database_url, managers="web:boss"
    )


@pytest.fixture
async def chat(settings: Settings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(build_app(settings))) as client:
        yield client


async def send(client: TestClient, user: str, text: str | None = None, value: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"user_id": user, "message_id": uuid.uuid4().hex}
    body.update({"text": text} if text is not None else {"value": value})
    reply = await client.post("/api/chat", json=body)
    assert reply.status == 200, await reply.text()
    answer = await reply.json()
    return {**answer, "replies": without_notice(answer["replies"])}


async def complete(client: TestClient, user: str, odd: int = 4, even: int = 2) -> None:
    """``user`` takes the pain-points survey by clicking, SUS odd items ``odd`` and even ``even``."""
    answers = {**ANSWERS, **sus(odd, even)}
    reply = await send(client, user, "start pain-points")
    while (question := next((r for r in reply["replies"] if r["type"] == "question"), None)) is not None:
        qid = question["question_id"]
        if qid not in answers:
            reply = await send(client, user, "skip")
        else:
            reply = await send(client, user, value={"q": qid, "a": answers[qid]})
    assert reply["replies"][-1]["text"].startswith("Thank you")


async def digest(client: TestClient, words: str = "digest this-month") -> list[dict[str, Any]]:
    return (await send(client, "boss", words))["replies"]


async def batches(client: TestClient) -> int:
    db = client.server.app[SERVICES].db
    return await db.read(lambda c: c.execute(select(func.count()).select_from(BATCH)).scalar_one())


async def test_overlapping_rolling_windows_are_refused(chat: TestClient) -> None:
    for person in range(6):
        await complete(chat, f"worker-{person}", odd=5 - person % 5)
    for words in ("digest last-30-days", "digest last-31-days", "digest pain-points last-7-days"):
        [refusal] = await digest(chat, words)
        assert "rolling windows overlap" in refusal["text"] and "this-month" in refusal["text"]
        assert "%" not in refusal["text"] and "SUS" not in refusal["text"]


async def test_one_more_completion_changes_nothing_until_a_whole_batch_is_released(chat: TestClient) -> None:
    for person in range(5):
        await complete(chat, f"worker-{person}", odd=5 - person % 3)
    before = await digest(chat)
    assert "Responses: 5 completed" in before[0]["text"]
    # The sixth person gives unusual answers: a digest now would give them away, were they in it.
    await complete(chat, "worker-5", odd=1, even=5)
    after = await digest(chat)
    assert after == before
    assert (await digest(chat, "digest all")) == (await digest(chat, "digest all"))
    for person in range(6, 9):
        await complete(chat, f"worker-{person}", odd=1, even=5)
        assert await digest(chat) == before
    await complete(chat, "worker-9", odd=1, even=5)
    released = await digest(chat)
    assert "Responses: 10 completed" in released[0]["text"] and released != before
    assert await batches(chat) == 2


async def test_a_manager_answering_the_survey_does_not_release_a_batch(chat: TestClient) -> None:
    for person in range(4):
        await complete(chat, f"worker-{person}")
    await complete(chat, "boss", odd=1, even=5)
    [only] = await digest(chat)
    assert "No figures yet" in only["text"] and "%" not in only["text"]
    assert await batches(chat) == 0
    # A fifth practitioner makes the batch: the manager's response rides along in it.
    await complete(chat, "worker-4")
    replies = await digest(chat)
    assert "Responses: 6 completed" in replies[0]["text"]
    db = chat.server.app[SERVICES].db
    counts = await db.read(
        lambda c: sorted(c.execute(select(RESPONSE.c.counts, RESPONSE.c.batch_id.is_not(None))).all())
    )
    assert counts == [(False, True)] + [(True, True)] * 5


async def test_responses_from_a_channel_that_does_not_authenticate_never_pad_a_batch(db: Any) -> None:
    # The dialogs mark what such a channel starts (the core sets countable=False for it).
    state, now = DialogState(), datetime(2026, 3, 2, 9, tzinfo=UTC)
    said = step(
        CATALOG,
        state,
        TurnInput("start pain-points", None, frozenset({"practitioner"}), now, "r-1", countable=False),
    )
    [started] = [e for e in said.effects if isinstance(e, StartResponse)]
    assert started.counts is False
    lead = step(
        CATALOG, DialogState(), TurnInput("start pain-points", None, frozenset({"manager"}), now, "r-2")
    )
    assert [e.counts for e in lead.effects if isinstance(e, StartResponse)] == [False]
    invented = [response({**ANSWERS, **sus(4, 2)}, respondent=f"invented-{i}") for i in range(4)]
    real = response({**ANSWERS, **sus(1, 5)}, respondent="real-person")
    for r in invented:
        for effects in as_turns(r):
            first = effects[0]
            if isinstance(first, StartResponse):
                effects = [
                    StartResponse(
                        first.response_id,
                        first.survey_id,
                        first.survey_version,
                        first.started_at,
                        counts=False,
                    )
                ]
            await take_turn(db, r.respondent, effects)
    for effects in as_turns(real):
        await take_turn(db, real.respondent, effects)
    assert await db.read(lambda c: c.execute(select(func.count()).select_from(BATCH)).scalar_one()) == 0
    released = await db.read(
        lambda c: c.execute(select(RESPONSE.c.batch_id).where(RESPONSE.c.batch_id.is_not(None))).all()
    )
    assert released == []


async def test_no_sus_bar_holds_fewer_than_the_threshold(chat: TestClient) -> None:
    # Twelve people whose scores fall one or two to a band: every bar shown holds five or more.
    scored = [(5, 1), (1, 5), (3, 3), (4, 2), (2, 4), (5, 2), (1, 4), (3, 2), (4, 3), (2, 3), (5, 3), (3, 5)]
    when = datetime.now(UTC) - timedelta(minutes=30)
    rows = [
        response({**ANSWERS, **sus(odd, even)}, started=when + timedelta(seconds=i))
        for i, (odd, even) in enumerate(scored)
    ]
    await load(chat.server.app[SERVICES].db, rows)
    replies = await digest(chat)
    [histogram] = [r for r in replies if r["type"] == "image" and r["alt"].startswith("Histogram")]
    bars = re.findall(
        r"(\d+) to (\d+): (\d+) \((below 68|68 or above|both \(merged bar\))\)", histogram["alt"]
    )
    assert bars and sum(int(n) for *_, n, _ in bars) == 10  # two wait for the next batch
    assert all(int(n) >= 5 for _, _, n, _ in bars)
    for low, high, _, side in bars:
        expected = "below 68" if int(high) < 68 else "68 or above" if int(low) >= 68 else "both (merged bar)"
        assert side == expected
