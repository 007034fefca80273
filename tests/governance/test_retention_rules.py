"""Each retention rule with a settable clock, and the digest figures after it (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlmodel import SQLModel

from bot.reports.periods import parse_period
from bot.retention import apply_rules, dry_run
from bot.settings import Settings, load_settings
from storage import aggregates as agg
from storage.db import Database
from storage.models import (
    AccessLogEntry,
    Answer,
    AnswerChoice,
    Campaign,
    CampaignContact,
    CampaignMember,
    ConversationRef,
    DialogStateRow,
    DigestSchedule,
    GuidanceAnswer,
    OutboxMessage,
    PostedQuestion,
    ProcessedMessage,
    ReleaseBatch,
    ReportImage,
    SurveyResponse,
    table_of,
)
from tests.helpers import SECRET
from tests.insights.conftest import evidence_for, load, released
from tests.insights.data import CATALOG, MARCH, march_responses, response, sus

PAIN = CATALOG.get("pain-points")
assert PAIN is not None
SLOW = {"slow": ["slow"]}
ANSWER = table_of(Answer)
RESPONSE = table_of(SurveyResponse)
# The February batch of ``march_responses`` is released at its fifth completion, 16 days before March's.
FEBRUARY_BATCH = MARCH - timedelta(days=16) + timedelta(minutes=3)
MARCH_BATCH = MARCH + timedelta(minutes=10)


def retention(tmp_path: Path, **days: int) -> Settings:
    """Settings with these retention periods (the rest at their defaults)."""
    return load_settings(data_dir=tmp_path / "data", secret_key=SECRET, **days)


async def every_table(db: Database) -> dict[str, int]:
    """Rows in every table."""

    def count(conn: Any) -> dict[str, int]:
        return {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in SQLModel.metadata.sorted_tables
        }

    return await db.read(count)


async def rows(db: Database, model: type[SQLModel], *columns: str) -> list[tuple[Any, ...]]:
    table = table_of(model)
    return [
        tuple(r)
        for r in await db.read(
            lambda conn: conn.execute(select(*(table.c[c] for c in columns)).order_by(*table.c)).all()
        )
    ]


async def add(db: Database, model: type[SQLModel], *values: dict[str, Any]) -> None:
    def write(conn: Any) -> None:
        for row in values:  # one at a time: rows may leave out different columns
            conn.execute(insert(table_of(model)).values(row))

    await db.write(write)


def removed(outcomes: list[Any]) -> dict[str, int]:
    return {o.rule.name: o.count for o in outcomes}


async def figures(db: Database) -> tuple[int, int, int]:
    """All-time figures of pain-points: completed responses, people, free-text answers read for themes."""
    scope = await released(db, "pain-points")
    counts = await db.read(lambda c: agg.response_counts(c, scope))
    answered, _ = await db.read(lambda c: agg.theme_counts(c, scope, "frustration", SLOW))
    return counts.completed, counts.people, answered


async def test_free_text_loses_its_text_after_its_period_and_the_answer_still_counts(
    db: Database, tmp_path: Path
) -> None:
    await load(db, march_responses())
    settings = retention(tmp_path, retention_free_text_days=365)
    assert await figures(db) == (10, 5, 5)
    # A day short of a year after the answers: nothing goes.
    early = await apply_rules(db, settings, MARCH + timedelta(days=364))
    assert removed(early)["free_text_answers"] == 0
    later = MARCH + timedelta(days=366)
    assert removed(await dry_run(db, settings, later))["free_text_answers"] == 5
    assert removed(await apply_rules(db, settings, later))["free_text_answers"] == 5
    texts = await rows(db, Answer, "question_id", "value_text")
    assert [t for q, t in texts if q == "frustration"] == [None] * 5  # the rows stay, without their words
    # The responses and every figure but the texts are as they were; no quote is left to show.
    assert await figures(db) == (10, 5, 0)
    scope = await released(db, "pain-points")
    assert await db.read(lambda c: agg.theme_quotes(c, scope, "frustration", ["slow"])) == []
    choices = await db.read(lambda c: agg.value_counts(c, scope, ["disruption"]))
    assert sum(v.count for v in choices["disruption"].values()) == 10
    assert removed(await apply_rules(db, settings, later))["free_text_answers"] == 0


async def test_whole_responses_go_by_release_batch_and_figures_no_longer_count_them(
    db: Database, tmp_path: Path
) -> None:
    await load(db, march_responses())
    settings = retention(tmp_path, retention_days=365)
    before = await every_table(db)
    # February's batch is past the cut-off, March's is not.
    now = FEBRUARY_BATCH + timedelta(days=366)
    assert now - timedelta(days=365) < MARCH_BATCH
    assert removed(await dry_run(db, settings, now))["released_responses"] == 5
    assert await every_table(db) == before  # a dry run changes nothing
    assert removed(await apply_rules(db, settings, now))["released_responses"] == 5
    assert await figures(db) == (5, 5, 5)
    assert len(await rows(db, ReleaseBatch, "id")) == 1
    left = {r[0] for r in await rows(db, SurveyResponse, "id")}
    answered = {r[0] for r in await rows(db, Answer, "response_id")}
    chosen = {r[0] for r in await rows(db, AnswerChoice, "response_id")}
    assert answered <= left and chosen <= left  # nothing derived outlives its response
    # March's digest is exactly what it was; the all-time one is March's now, and still renders.
    march = await released(db, "pain-points", MARCH, MARCH + timedelta(days=30))
    assert (await db.read(lambda c: agg.response_counts(c, march))).completed == 5
    period = parse_period("all", now, settings.zone)
    evidence = await evidence_for(db, PAIN, period, k=5)
    assert evidence is not None


async def test_unreleased_responses_go_alone_and_an_open_survey_starts_afresh(
    db: Database, tmp_path: Path
) -> None:
    open_one = response({"role": "social-worker", **sus(3, 3, missing=(10,))}, status="in_progress")
    await load(db, [*march_responses(), open_one])
    settings = retention(tmp_path, retention_days=365, retention_free_text_days=3000)
    now = MARCH + timedelta(days=400)
    state = f'{{"active": {{"response_id": "{open_one.id}", "survey_id": "pain-points"}}}}'
    other = '{"active": null, "paused": {}}'
    await add(
        db,
        DialogStateRow,
        {"respondent": open_one.respondent, "state": state, "version": 3, "updated_at": now},
        {"respondent": "person-elsewhere", "state": other, "version": 1, "updated_at": now},
    )
    outcomes = removed(await apply_rules(db, settings, now))
    # March's batch, February's, and four in none: two in progress, one abandoned, one of another survey.
    assert outcomes["released_responses"] == 10
    assert outcomes["unreleased_responses"] == 4
    counts = await every_table(db)
    assert counts["survey_response"] == counts["answer"] == counts["answer_choice"] == 0
    assert counts["release_batch"] == 0
    # The state that pointed at a removed response is gone (its next answer would have had nowhere to go).
    assert await rows(db, DialogStateRow, "respondent") == [("person-elsewhere",)]
    assert await figures(db) == (0, 0, 0)


async def test_short_lived_records_go_after_their_own_periods(db: Database, tmp_path: Path) -> None:
    settings = retention(
        tmp_path,
        retention_processed_days=2,
        retention_conversation_days=180,
        retention_audit_days=730,
        retention_free_text_days=365,
    )
    now = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
    days = lambda n: now - timedelta(days=n)  # noqa: E731
    await add(
        db,
        ProcessedMessage,
        {"key": "old", "processed_at": days(3)},
        {"key": "recent", "processed_at": days(1)},
    )
    ref = {"kind": "channel", "reference": "sealed", "blocked": False}
    await add(
        db,
        ConversationRef,
        {**ref, "channel": "slack", "conversation_key": "unused", "updated_at": days(200)},
        {**ref, "channel": "slack", "conversation_key": "scheduled", "updated_at": days(200)},
        {**ref, "channel": "slack", "conversation_key": "was-scheduled", "updated_at": days(200)},
        {**ref, "channel": "teams", "conversation_key": "recent", "updated_at": days(10)},
    )
    schedule = {
        "channel": "slack", "address": "sealed", "survey_id": "pain-points", "period": "last-7-days",
        "cron": "0 9 * * 1", "description": "Mondays at 09:00", "created_by": "person-1",
        "created_at": days(300), "next_due_at": days(-3),
    }  # fmt: skip
    await add(
        db,
        DigestSchedule,
        {**schedule, "id": "live", "conversation_key": "scheduled"},
        {**schedule, "id": "stopped", "conversation_key": "was-scheduled", "stopped_at": days(190)},
    )
    campaign = {
        "channel": "slack", "conversation_key": "c", "address": "sealed", "audience": "sealed",
        "audience_label": "the team", "survey_id": "pain-points", "status": "closed",
        "created_by": "person-1", "created_at": days(90), "closes_at": days(60),
    }  # fmt: skip
    await add(
        db,
        Campaign,
        {**campaign, "id": "closed-long-ago", "number": 1, "addresses_until": days(1)},
        {**campaign, "id": "closed-lately", "number": 2, "addresses_until": days(-20)},
    )
    await add(
        db,
        CampaignMember,
        {"id": 1, "campaign_id": "closed-long-ago", "person": "p1", "state": "invited"},
        {"id": 2, "campaign_id": "closed-lately", "person": "p1", "state": "invited"},
    )
    await add(
        db,
        CampaignContact,
        {"member_id": 1, "campaign_id": "closed-long-ago", "address": "sealed"},
        {"member_id": 2, "campaign_id": "closed-lately", "address": "sealed"},
    )
    message = {
        "channel": "slack", "lane": "lane", "op": "post", "purpose": "reply", "attempts": 1,
        "not_before": days(3),
    }  # fmt: skip
    await add(
        db,
        OutboxMessage,
        {**message, "status": "sent", "created_at": days(3), "sent_at": days(3)},
        {**message, "status": "failed", "payload": "[]", "created_at": days(2)},
        {**message, "status": "pending", "payload": "[]", "created_at": days(3)},
        {**message, "status": "sent", "created_at": now - timedelta(hours=2)},
    )
    await add(
        db,
        ReportImage,
        {"id": "expired", "png": b"png", "created_at": days(30), "expires_at": days(1)},
        {"id": "valid", "png": b"png", "created_at": days(30), "expires_at": days(-1)},
    )
    entry = {"kind": "digest", "channel": "slack", "requester": "person-1", "role": "manager"}
    await add(db, AccessLogEntry, {**entry, "at": days(731)}, {**entry, "at": days(729)})
    guidance = {"sections": "", "confident": False}
    await add(
        db,
        GuidanceAnswer,
        {**guidance, "id": "old", "question": "How do I record a visit?", "asked_at": days(366)},
        {**guidance, "id": "new", "question": "Where is the chronology?", "asked_at": days(364)},
    )
    await add(
        db,
        DialogStateRow,
        {"respondent": "idle", "state": '{"answers": "typed"}', "version": 1, "updated_at": days(366)},
        {"respondent": "lately", "state": "{}", "version": 1, "updated_at": days(364)},
    )
    await add(
        db,
        PostedQuestion,
        {"lane": "old", "question_id": "q", "message_id": "m1", "posted_at": days(181)},
        {"lane": "new", "question_id": "q", "message_id": "m2", "posted_at": days(179)},
    )
    found = removed(await dry_run(db, settings, now))
    outcomes = removed(await apply_rules(db, settings, now))
    assert outcomes == found
    assert outcomes["dialog_states"] == 1 and outcomes["posted_questions"] == 1
    assert await rows(db, DialogStateRow, "respondent") == [("lately",)]
    assert await rows(db, PostedQuestion, "lane") == [("new",)]
    assert outcomes["processed_messages"] == 1 and outcomes["conversation_refs"] == 2
    assert outcomes["campaign_contacts"] == 1 and outcomes["sent_outbox"] == 2
    assert outcomes["report_images"] == 1 and outcomes["access_log"] == 1
    assert outcomes["guidance_questions"] == 1
    assert await rows(db, ProcessedMessage, "key") == [("recent",)]
    assert sorted(await rows(db, ConversationRef, "conversation_key")) == [("recent",), ("scheduled",)]
    assert await rows(db, CampaignContact, "member_id") == [(2,)]
    # The pending message waits to be sent however old; the failed one goes after a day.
    assert sorted(r[0] for r in await rows(db, OutboxMessage, "status")) == ["pending", "sent"]
    assert await rows(db, ReportImage, "id") == [("valid",)]
    assert len(await rows(db, AccessLogEntry, "id")) == 1
    # A guidance question keeps whether it was answered with confidence; its words go.
    assert await rows(db, GuidanceAnswer, "id", "question") == [
        ("new", "Where is the chronology?"),
        ("old", ""),
    ]
    assert set(removed(await apply_rules(db, settings, now)).values()) == {0}


async def test_batches_are_small_transactions_and_a_run_cut_short_is_finished_by_the_next(
    db: Database, tmp_path: Path
) -> None:
    now = datetime(2027, 6, 1, tzinfo=UTC)
    await add(
        db,
        ProcessedMessage,
        *({"key": f"k{i}", "processed_at": now - timedelta(days=3)} for i in range(25)),
    )
    settings = retention(tmp_path)
    batches: list[int] = []
    write = db.write

    async def counted(fn: Any, **options: Any) -> Any:
        result = await write(fn, **options)
        if isinstance(result, int):
            batches.append(result)
        return result

    db.write = counted  # type: ignore[method-assign]
    try:
        outcomes = removed(await apply_rules(db, settings, now, limit=10))
    finally:
        db.write = write  # type: ignore[method-assign]
    assert outcomes["processed_messages"] == 25
    assert [b for b in batches if b] == [10, 10, 5]


def test_bad_retention_settings_are_refused_with_the_setting_named(tmp_path: Path) -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="GUIDEBOT_RETENTION_AUDIT_DAYS"):
        retention(tmp_path, retention_audit_days=5)
