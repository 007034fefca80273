"""``guidebot subject-access``, ``guidebot erase`` and ``guidebot audit``: an administrator acting on a
request made another way, on SQLite and PostgreSQL, recorded in the access log without the person."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.respondent import pseudonym
from storage.db import Database
from storage.demo import insert_responses
from storage.migrate import upgrade
from tests.helpers import SECRET
from tests.insights.data import march_responses

AAD = "7d5c3a1e-8f2b-4c6d-9e0a-1b2c3d4e5f60"  # invented Entra object id


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    monkeypatch.setenv("GUIDEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GUIDEBOT_SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def fill(url: str, owners: list[str]) -> None:
    """The March responses, the first ones owned by ``owners`` (pseudonyms), the rest by others."""
    rows = list(march_responses())
    rows[: len(owners)] = [dataclasses.replace(r, respondent=o) for r, o in zip(rows, owners, strict=False)]

    async def run() -> None:
        db = Database(url)
        await upgrade(db)
        await db.write(lambda conn: insert_responses(conn, rows))
        await db.close()

    asyncio.run(run())


def teams_person() -> str:
    return pseudonym(SECRET.encode(), "teams", AAD)


def test_subject_access_writes_the_persons_answers_and_logs_it_without_them(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(env, [teams_person()])
    out = tmp_path / "sar.json"
    assert main(["subject-access", "--user", f"teams:{AAD}", "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    [response] = document["responses"]
    assert response["survey"] == "pain-points"
    assert "It is so slow that I give up." in {a["answer"] for a in response["answers"]}
    assert AAD not in out.read_text() and teams_person() not in out.read_text()
    assert "What is stored about you" in capsys.readouterr().out
    assert main(["audit"]) == 0
    listed = capsys.readouterr().out
    assert "subject-access" in listed and "admin" in listed
    assert AAD not in listed and teams_person()[:12] not in listed


def test_erase_asks_then_removes_only_that_person(
    env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy = pseudonym(SECRET.encode(), "slack", "U0LEGACY1")  # stored before team ids
    fill(env, [teams_person(), legacy])
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    assert main(["erase", "--user", f"teams:{AAD}"]) == 1
    assert "Nothing was erased" in capsys.readouterr().out
    assert main(["erase", "--user", f"teams:{AAD}", "--yes"]) == 0
    assert "1 from survey_response" in capsys.readouterr().out
    assert main(["erase", "--user", "slack:U0LEGACY1", "--yes"]) == 0  # the bare form, no Slack set up
    assert "1 from survey_response" in capsys.readouterr().out
    assert main(["erase", "--user", f"teams:{AAD}", "--yes"]) == 0
    assert "Nothing was stored" in capsys.readouterr().out
    out = tmp_path / "after.json"
    assert main(["subject-access", "--user", f"teams:{AAD}", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["responses"] == []
    assert main(["audit"]) == 0
    assert capsys.readouterr().out.count("erasure") == 3


@pytest.mark.parametrize("user", ["bob", "slack:*", "slack:not-an-id", "teams:", "email:someone@example.org"])
def test_an_address_that_names_nobody_is_refused(
    env: str, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["erase", "--user", user, "--yes"]) == 2
    assert "should look like" in capsys.readouterr().err


def test_a_file_in_a_missing_folder_is_refused_before_anything_is_read(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no" / "such" / "folder.json"
    assert main(["subject-access", "--user", f"teams:{AAD}", "--out", str(out)]) == 2
    assert "no folder" in capsys.readouterr().err and not out.exists()


def test_audit_lists_exports_and_plans_and_filters_by_day(
    env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(env, [])
    assert main(["export", "--survey", "pain-points", "--out", str(tmp_path / "all.csv")]) == 0
    assert main(["plan", "--out", str(tmp_path / "plan.md")]) == 0
    capsys.readouterr()
    assert main(["audit"]) == 0
    listed = capsys.readouterr().out
    assert "export" in listed and "pain-points" in listed and "plan" in listed
    assert main(["audit", "--since", "2999-01-01"]) == 0
    assert "empty since 2999-01-01" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        main(["audit", "--since", "last tuesday"])
    assert stop.value.code == 2 and "not a date" in capsys.readouterr().err
