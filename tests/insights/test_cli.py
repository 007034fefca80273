"""``guidebot demo-data``, ``guidebot export`` and ``guidebot plan`` from the command line."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import pytest

from bot.cli import main
from storage.db import Database
from storage.demo import insert_responses
from storage.migrate import upgrade
from tests.helpers import SECRET
from tests.insights.data import march_responses


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Path:
    monkeypatch.setenv("GUIDEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GUIDEBOT_SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return tmp_path


def fill_march(url: str) -> None:
    async def run() -> None:
        db = Database(url)
        await upgrade(db)
        await db.write(lambda conn: insert_responses(conn, list(march_responses())))
        await db.close()

    asyncio.run(run())


def test_demo_data_fills_an_empty_database_only_and_is_removed_whole(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo-data", "--respondents", "40"]) == 0
    assert "Added demo data: 40 synthetic people" in capsys.readouterr().out
    assert main(["demo-data"]) == 0
    assert "has demo data already" in capsys.readouterr().out
    assert main(["demo-data", "--remove"]) == 0
    assert "Removed" in capsys.readouterr().out
    fill_march(database_url)
    assert main(["demo-data"]) == 0
    assert "Not adding demo data: the database has real responses" in capsys.readouterr().out
    assert main(["demo-data", "--remove"]) == 0
    assert "Removed 0 demo responses." in capsys.readouterr().out


def test_export_writes_one_row_per_answer_with_pseudonyms_and_redacted_text(
    env: Path, database_url: str
) -> None:
    fill_march(database_url)
    out = env / "out" / "answers.csv"
    assert main(["export", "--survey", "pain-points", "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    responses = [r for r in march_responses() if r.survey_id == "pain-points"]
    assert len(rows) == sum(len(r.answers) for r in responses)
    assert len({r["respondent"] for r in rows}) == len(responses)
    assert {r["status"] for r in rows} == {"completed", "in_progress", "abandoned"}
    frustration = [r["value_text"] for r in rows if r["question_id"] == "frustration"]
    assert any("[phone number]" in text for text in frustration)
    assert not any("07700" in text for text in frustration)
    first = rows[0]
    assert first["question_text"] == "What is your role?" and first["is_demo"] == "False"
    jsonl = env / "answers.jsonl"
    assert main(["export", "--survey", "pain-points", "--format", "jsonl", "--out", str(jsonl)]) == 0
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(rows) and lines[0]["respondent"] == first["respondent"]
    assert main(["export", "--survey", "no-such-survey", "--out", str(jsonl)]) == 2


def test_the_plan_is_written_as_markdown_and_html(env: Path, database_url: str) -> None:
    fill_march(database_url)
    md, html = env / "plan.md", env / "plan.html"
    assert main(["plan", "--format", "md", "--out", str(md), "--period", "all"]) == 0
    assert main(["plan", "--format", "html", "--out", str(html), "--period", "all"]) == 0
    assert md.read_text(encoding="utf-8").startswith("# Case management system improvement plan")
    assert '<h2 id="measures">7. How to measure improvement</h2>' in html.read_text(encoding="utf-8")
