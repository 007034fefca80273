"""A command line run against a database it cannot reach says so in one line, with no password and no
traceback, and exits 2."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.cli import main
from tests.helpers import SECRET

PASSWORD = "hunter2-not-a-real-password"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", [["audit"], ["retention", "--dry-run"], ["db", "upgrade"]])
def test_an_unreachable_database_is_one_clear_line(
    command: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GUIDEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GUIDEBOT_SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://guide:{PASSWORD}@127.0.0.1:{closed_port()}/guide")
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith("The database could not be reached (postgresql://guide:***@127.0.0.1:")
    assert "Connect call failed" in err and "Traceback" not in err and PASSWORD not in err


def test_a_bug_that_is_not_the_database_still_shows_its_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(*args: object) -> int:
        raise ValueError("a bug")

    monkeypatch.setattr("bot.rights_cli._audit", broken)
    monkeypatch.setenv("GUIDEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GUIDEBOT_SECRET_KEY", SECRET)
    with pytest.raises(ValueError, match="a bug"):
        main(["audit"])
