"""``guidebot retention --dry-run`` and ``guidebot retention`` from the command line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from bot.cli import main
from storage.db import Database
from storage.demo import insert_responses
from storage.migrate import upgrade
from storage.models import ProcessedMessage, SurveyResponse, table_of
from tests.helpers import SECRET
from tests.insights.data import response

PROCESSED = table_of(ProcessedMessage)
RESPONSE = table_of(SurveyResponse)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Path:
    monkeypatch.setenv("GUIDEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GUIDEBOT_SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return tmp_path


def fill(url: str, now: datetime) -> None:
    """Two old processed-message ids and a recent one; an abandoned response four years old."""

    async def run() -> None:
        db = Database(url)
        await upgrade(db)

        def write(conn: object) -> None:
            for key, age in (("a", 3), ("b", 10), ("c", 0)):
                conn.execute(insert(PROCESSED).values(key=key, processed_at=now - timedelta(days=age)))  # type: ignore[attr-defined]
            old = response({"disruption": "daily"}, started=now - timedelta(days=4 * 365), status="abandoned")
            insert_responses(conn, [old])  # type: ignore[arg-type]

        await db.write(write)
        await db.close()

    asyncio.run(run())


def left(url: str) -> tuple[int, int]:
    async def run() -> tuple[int, int]:
        db = Database(url)
        try:
            return await db.read(
                lambda conn: (
                    int(conn.execute(select(func.count()).select_from(PROCESSED)).scalar_one()),
                    int(conn.execute(select(func.count()).select_from(RESPONSE)).scalar_one()),
                )
            )
        finally:
            await db.close()

    return asyncio.run(run())


def test_the_dry_run_says_what_would_go_with_each_cut_off_and_removes_nothing(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    fill(database_url, now)
    assert main(["retention", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "a dry run, nothing was removed" in out
    two_days = (now - timedelta(days=2)).strftime("%Y-%m-%d")
    assert f"ids of inbound messages already handled: 2 would go (handled before {two_days}" in out
    three_years = (now - timedelta(days=1095)).strftime("%Y-%m-%d")
    assert f"responses in no figure, with their answers: 1 would go (started before {three_years}" in out
    assert "access log entries: 0 would go" in out
    assert left(database_url) == (3, 1)


def test_the_command_applies_the_periods_now(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(database_url, datetime.now(UTC))
    assert main(["retention"]) == 0
    out = capsys.readouterr().out
    assert "ids of inbound messages already handled: 2 removed" in out
    assert "responses in no figure, with their answers: 1 removed" in out
    assert left(database_url) == (1, 0)
    assert main(["retention"]) == 0
    assert "ids of inbound messages already handled: 0 removed" in capsys.readouterr().out


def test_bad_arguments_and_bad_settings_get_a_clear_message(
    env: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["retention", "--days", "3"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --days 3" in capsys.readouterr().err
    monkeypatch.setenv("GUIDEBOT_RETENTION_DAYS", "forever")
    assert main(["retention", "--dry-run"]) == 2
    assert "GUIDEBOT_RETENTION_DAYS" in capsys.readouterr().err
