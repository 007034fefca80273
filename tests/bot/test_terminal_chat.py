"""``guidebot chat`` shows the conversation alone: the log goes to a file in the data folder (named at
the start), and every library's log lines, bm25s's included, follow GUIDEBOT_LOG_LEVEL."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import structlog

from bot.logs import configure_logging

REPO = Path(__file__).resolve().parents[2]
TYPED = "help\nwhere do I start with procurement?\nquit\n"


def chat(tmp_path: Path, level: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    env = {
        **os.environ,
        "GUIDEBOT_DATA_DIR": str(tmp_path / "data"),
        "GUIDEBOT_LOG_LEVEL": level,
        "PYTHONPATH": str(REPO),
    }
    env.pop("GUIDEBOT_LOG_FORMAT", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "tester"],
        input=TYPED, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    return done, tmp_path / "data" / "chat.log"


def test_the_terminal_shows_the_conversation_and_says_where_the_log_is(tmp_path: Path) -> None:
    done, log_file = chat(tmp_path, "INFO")
    assert done.returncode == 0, done.stderr
    assert (
        f"The log is written to {log_file.relative_to(tmp_path)}" in done.stdout
        or str(log_file) in done.stdout
    )
    assert "I help your service" in done.stdout and "From the guidance" in done.stdout
    for log_mark in ("[info", "[warning", "secret_key", '"event"', "DEBUG", "bm25s", "turn "):
        assert log_mark not in done.stdout and log_mark not in done.stderr, log_mark
    events = [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]
    assert [e["event"] for e in events].count("turn") == 2
    assert "DEBUG bm25s" not in log_file.read_text()  # bm25s sets its logger to DEBUG when imported


def test_at_debug_a_library_s_debug_lines_reach_the_log(tmp_path: Path) -> None:
    done, log_file = chat(tmp_path, "DEBUG")
    assert done.returncode == 0, done.stderr
    assert "DEBUG bm25s" in log_file.read_text() and "bm25s" not in done.stdout


def test_a_library_that_lowers_its_own_level_still_follows_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    level = root.level
    path = tmp_path / "bot.log"
    try:
        configure_logging("WARNING", "json", path=path)
        library = logging.getLogger("some.library")
        library.setLevel(logging.DEBUG)  # what bm25s does at import
        library.debug("chatty")
        library.info("also chatty")
        library.warning("worth knowing")
    finally:
        structlog.reset_defaults()
        root.setLevel(level)
    written = path.read_text()
    assert "worth knowing" in written and "chatty" not in written
