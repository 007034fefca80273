"""The command line, migrations that keep answers, structured logs and graceful shutdown."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from aiohttp import ClientSession, web
from alembic import command
from sqlalchemy import text

from bot.app import SERVICES, build_app
from bot.settings import load_settings
from bot.turn import TurnHandler
from storage.db import Database
from storage.migrate import _config, head_revision
from tests.helpers import SECRET, stored_answers, without_notice

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        input=stdin,
        timeout=60,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = cli("--help", env={})
    assert result.returncode == 0
    for name in ("serve", "chat", "db", "content"):
        assert name in result.stdout


def test_db_upgrade_reports_the_revision(tmp_path: Path) -> None:
    result = cli("db", "upgrade", env={"GUIDEBOT_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Database is at revision {head_revision()}."
    assert (tmp_path / "guidebot.db").exists()


def test_bad_settings_stop_the_cli_with_a_clear_message(tmp_path: Path) -> None:
    result = cli("db", "upgrade", env={"GUIDEBOT_DATA_DIR": str(tmp_path), "PORT": "not-a-port"})
    assert result.returncode == 2
    assert result.stderr.startswith("Invalid settings:") and "PORT" in result.stderr


def test_terminal_chat_runs_a_survey(tmp_path: Path) -> None:
    script = "start desired-outcomes\n1, 2\nskip\nquit\n"
    env = {"GUIDEBOT_DATA_DIR": str(tmp_path), "GUIDEBOT_SECRET_KEY": SECRET, "GUIDEBOT_LOG_LEVEL": "WARNING"}
    result = cli("chat", "--user", "terminal-tester", env=env, stdin=script)
    assert result.returncode == 0, result.stderr
    assert "[Question 1 of 2] Which of these matter most to you?" in result.stdout
    assert "  1. More time with children and families, less on recording" in result.stdout
    assert "Thank you. Your answers have been saved." in result.stdout


async def test_upgrading_from_the_first_schema_keeps_answers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    try:

        def first_schema(conn) -> None:
            command.upgrade(_config(conn), "0001_core")
            conn.execute(
                text(
                    "INSERT INTO survey_response VALUES ('r1', 'pain-points', 1, 'p', 'completed', "
                    "'2025-01-01 10:00:00', NULL, 'social-worker', NULL, 0)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO answer (response_id, question_id, kind, value_text, value_number, "
                    "answered_at) VALUES ('r1', 'sus_1', 'agreement', '4', 4, '2025-01-01 10:00:00')"
                )
            )

        await db.write(first_schema)
    finally:
        await db.close()
    settings = load_settings(data_dir=tmp_path, secret_key=SECRET, database_url=url)
    app = build_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()  # runs the migrations on start
    try:
        assert await stored_answers(app[SERVICES].db) == {"sus_1": ("4", 4.0)}
        revision = await app[SERVICES].db.read(
            lambda c: c.execute(text("SELECT version_num FROM alembic_version")).scalar()
        )
        assert revision == head_revision()
    finally:
        await runner.cleanup()


async def test_shutdown_finishes_the_turns_in_flight(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = TurnHandler.handle
    entered = asyncio.Event()

    async def slow_handle(self: TurnHandler, inbound):
        entered.set()
        await asyncio.sleep(0.5)
        return await original(self, inbound)

    monkeypatch.setattr(TurnHandler, "handle", slow_handle)
    port = free_port()
    app = build_app(load_settings(data_dir=tmp_path, secret_key=SECRET))
    runner = web.AppRunner(app, shutdown_timeout=10)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    db_path = tmp_path / "guidebot.db"
    async with ClientSession() as session:
        request = asyncio.create_task(
            session.post(
                f"http://127.0.0.1:{port}/api/chat", json={"user_id": "ann", "text": "start pain-points"}
            )
        )
        await entered.wait()
        await runner.cleanup()  # what SIGTERM triggers in run_app
        resp = await request
        assert resp.status == 200
        assert [r["type"] for r in without_notice((await resp.json())["replies"])] == ["text", "question"]
    check = Database(f"sqlite:///{db_path}")
    try:
        count = await check.read(lambda c: c.execute(text("SELECT count(*) FROM survey_response")).scalar())
    finally:
        await check.close()
    assert count == 1


def test_serve_logs_json_lines_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "GUIDEBOT_DATA_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                    assert json.loads(resp.read())["status"] == "ok"
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        body = json.dumps({"user_id": "log-check", "text": "my number is 07700 900123"}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/chat", data=body, method="POST")
        urllib.request.urlopen(req, timeout=5).read()
        stream = server.stderr
        assert stream is not None
        lines: list[str] = []  # the server's log, read as it is written
        reader = threading.Thread(target=lambda: lines.extend(stream), daemon=True)
        reader.start()
        server.send_signal(signal.SIGHUP)  # content reload, on the server's own event loop
        # SIGTERM only once the reload has logged: one still running at SIGTERM would not.
        deadline = time.monotonic() + 30
        while not any("content.reloaded" in line for line in list(lines)) and time.monotonic() < deadline:
            time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        reader.join(timeout=30)
        stderr = "".join(lines)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 0
    events = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    names = [e["event"] for e in events]
    assert "secret_key.generated" in names and "database.ready" in names and "server.stopped" in names
    starting = next(e for e in events if e["event"] == "server.starting")
    assert starting["loop"] == "uvloop"  # the server's loop where uvloop is installed (all but Windows)
    assert "content.reloaded" in names
    turn = next(e for e in events if e["event"] == "turn")
    assert turn["redacted"] == ["phone number"] and turn["channel"] == "web"
    assert "07700" not in stderr and "log-check" not in stderr  # no raw text or user ids in logs


def test_serving_freezes_what_start_up_loaded_and_collects_young_objects_less_often() -> None:
    from bot.cli import YOUNG_GENERATION, settle_memory

    before = gc.get_threshold()
    try:
        settle_memory()
        assert gc.get_freeze_count() > 10_000  # the modules and libraries loaded by now
        assert gc.get_threshold() == (YOUNG_GENERATION, *before[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
