"""The privacy notice in ``guidebot chat``: shown before the first answer, once, and again at ``privacy``.

Runs the real command in a subprocess, on SQLite and on PostgreSQL where TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEADING = "How your answers are used"


def chat(tmp_path: Path, database_url: str, typed: str, **settings: str) -> str:
    env = {
        **os.environ,
        "GUIDEBOT_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
        "PYTHONPATH": str(REPO),
        **settings,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "tester"],
        input=typed, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_terminal_shows_the_notice_once_then_at_privacy(tmp_path: Path, database_url: str) -> None:
    out = chat(
        tmp_path,
        database_url,
        "start pain-points\nsocial worker\nprivacy\nquit\n",
        GUIDEBOT_ORG_NAME="Casterbridge Council",
        GUIDEBOT_PRIVACY_URL="https://www.casterbridge.example/privacy",
    )
    assert out.count(HEADING) == 2, out
    first = out.index(HEADING)
    assert "Casterbridge Council runs this bot" in out[first:]
    assert "Casterbridge Council privacy notice: https://www.casterbridge.example/privacy" in out
    # The first message still started the survey, and the answer after it was taken.
    assert out.index("[Question 1 of", first) < out.index("[Question 2 of", first)
    after_privacy = out.rindex(HEADING)
    assert "[Question 2 of" in out[after_privacy:]  # asked again after the notice
    # A second session is the same person: no notice unasked.
    again = chat(tmp_path, database_url, "help\nquit\n")
    assert HEADING not in again and "You're taking" in again
