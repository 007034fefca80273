"""``guidebot export`` never writes a CSV cell that a spreadsheet would run as a formula (OWASP's CSV injection)."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.reports.export import spreadsheet_text
from storage.db import Database
from storage.demo import insert_responses
from storage.migrate import upgrade
from tests.helpers import SECRET
from tests.insights.data import response, sus

HYPERLINK = '=HYPERLINK("http://evil.example","click")'
# A cell starting with any of these is read as a formula (or can hide one), so each is tried.
DANGEROUS = [
    HYPERLINK,
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]
HARMLESS = ["It logs me out while I type.", "'=already quoted", " =1 (leading space)"]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Path:
    monkeypatch.setenv("GUIDEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GUIDEBOT_SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", database_url)

    async def fill() -> None:
        db = Database(database_url)
        await upgrade(db)
        rows = [
            response({"role": "social-worker", **sus(3, 3), "frustration": text})
            for text in DANGEROUS + HARMLESS
        ]
        await db.write(lambda conn: insert_responses(conn, rows))
        await db.close()

    asyncio.run(fill())
    return tmp_path


def frustrations(rows: list[dict[str, str]]) -> list[str]:
    return [r["value_text"] for r in rows if r["question_id"] == "frustration"]


def test_formula_answers_are_text_in_csv_and_unchanged_in_jsonl(env: Path) -> None:
    out = env / "answers.csv"
    assert main(["export", "--survey", "pain-points", "--format", "csv", "--out", str(out)]) == 0
    with out.open(encoding="utf-8", newline="") as stream:
        cells = frustrations(list(csv.DictReader(stream)))
    assert sorted(cells) == sorted(["'" + text for text in DANGEROUS] + HARMLESS)
    assert f"'{HYPERLINK}" in cells
    raw = out.read_text(encoding="utf-8")
    # No line of the file starts a cell with the formula: it is always behind the apostrophe.
    assert '"\'=HYPERLINK(""http://evil.example"",""click"")"' in raw
    assert ',"=HYPERLINK' not in raw and ",=HYPERLINK" not in raw

    jsonl = env / "answers.jsonl"
    assert main(["export", "--survey", "pain-points", "--format", "jsonl", "--out", str(jsonl)]) == 0
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert sorted(frustrations(lines)) == sorted(DANGEROUS + HARMLESS)


def test_only_text_that_starts_like_a_formula_changes() -> None:
    assert spreadsheet_text("=1+1") == "'=1+1"
    assert spreadsheet_text("\r@x") == "'\r@x"
    assert spreadsheet_text("a=1") == "a=1"
    assert spreadsheet_text("") == ""
    assert spreadsheet_text(-3.0) == -3.0  # a negative number is a number, not a formula
    assert spreadsheet_text(None) is None and spreadsheet_text(True) is True
