"""Secrets never show: not in the settings' repr, a settings error, or any log line of the server or CLI.

Each secret is set to a distinctive value; the server is started as ``guidebot serve`` with debug logs
and talked to, CLI commands are run, and everything they wrote is searched for those values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession
from sqlalchemy.engine import make_url

from bot.settings import SettingsError, load_settings
from tests.channels.slack.payloads import direct_message, event_body, signed
from tests.fakes.slack_api import FakeSlack
from tests.runtime.servers import ROOT, ServerProcess

DB_PASSWORD = "Pw-db-4e1b9c7d"
SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-distinct-bot-7f3a91c2",
    "SLACK_SIGNING_SECRET": "distinct-signing-5c2e88aa",
    "SLACK_APP_TOKEN": "xapp-distinct-app-93d0b6e1",
    "MicrosoftAppPassword": "distinct-teams-pw-61f0e2",
    "GUIDEBOT_SECRET_KEY": "distinct-key-0d8f4a2b6c1e",
    "GUIDEBOT_WEB_TOKEN": "distinct-web-2a7c5e9f",
}
APP_ID = "00000000-0000-4000-8000-00000000a11d"


def _leaks(text: str) -> list[str]:
    """The secrets (by setting name) whose value appears in ``text``."""
    found = [name for name, value in SECRETS.items() if value in text]
    return found + (["DATABASE_URL password"] if DB_PASSWORD in text else [])


def _set_all(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"postgresql://guide:{DB_PASSWORD}@db.example.org:5432/guidebot")


def test_no_secret_in_the_settings_repr_or_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    _set_all(monkeypatch)
    settings = load_settings(microsoft_app_id=APP_ID)
    assert settings.slack_enabled and settings.web_auth_mode == "kiosk"
    shown = "\n".join(
        [
            repr(settings),
            str(settings),
            settings.model_dump_json(),
            str(settings.model_dump()),
            repr(vars(settings)),
        ]
    )
    assert _leaks(shown) == []
    assert "**********" in repr(settings)
    # The code that hands them on still gets the real values.
    assert settings.resolved_database_url.endswith(f"guide:{DB_PASSWORD}@db.example.org:5432/guidebot")
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == SECRETS["SLACK_BOT_TOKEN"]


@pytest.mark.parametrize(
    ("name", "bad", "said"),
    [
        ("GUIDEBOT_SECRET_KEY", "distinct-sk", "GUIDEBOT_SECRET_KEY: should be at least 16 characters long"),
        ("GUIDEBOT_WEB_TOKEN", "dst-wt", "GUIDEBOT_WEB_TOKEN: should be at least 8 characters long"),
        ("DATABASE_URL", f"mysql://guide:{DB_PASSWORD}@h/db", "DATABASE_URL: Value error, 'mysql' databases"),
        ("DATABASE_URL", f"guide:{DB_PASSWORD} not a url", "DATABASE_URL: Value error, should look like"),
    ],
)
def test_a_bad_secret_is_named_but_its_value_never_echoed(
    monkeypatch: pytest.MonkeyPatch, name: str, bad: str, said: str
) -> None:
    monkeypatch.setenv(name, bad)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert said in str(caught.value)
    assert bad not in str(caught.value) and DB_PASSWORD not in str(caught.value)


def test_another_bad_setting_shows_its_own_value_and_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    _set_all(monkeypatch)
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "PORT:" in str(caught.value) and "(got 'eighty')" in str(caught.value)
    assert _leaks(str(caught.value)) == []


def _with_password(url: str) -> str:
    """The test database's URL with a password in it (the local server trusts its users and ignores it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    return parsed.set(password=DB_PASSWORD).render_as_string(hide_password=False)


async def test_the_server_logs_no_secret(tmp_path: Path, database_url: str) -> None:
    fake = await FakeSlack(token=SECRETS["SLACK_BOT_TOKEN"]).start()
    server = ServerProcess(
        tmp_path / "data",
        fake,
        _with_password(database_url),
        **(SECRETS | {"SLACK_APP_TOKEN": ""}),  # HTTP mode here; Socket Mode's token is in the CLI test
        MicrosoftAppId=APP_ID,
        GUIDEBOT_LOG_LEVEL="DEBUG",
    )
    try:
        await server.start()
        body = event_body(direct_message("U0SECRET1", "hello"), "EvSECRETS0001")
        headers = signed(SECRETS["SLACK_SIGNING_SECRET"], body, form=False)
        async with ClientSession() as session:
            async with session.post(f"{server.url}/slack/events", data=body, headers=headers) as resp:
                assert resp.status == 200
            forged = signed("not-the-secret", body, form=False)
            async with session.post(f"{server.url}/slack/events", data=body, headers=forged) as resp:
                assert resp.status == 401
            kiosk = {"Authorization": f"Bearer {SECRETS['GUIDEBOT_WEB_TOKEN']}"}
            async with session.post(f"{server.url}/api/chat", json={"text": "hi"}, headers=kiosk) as resp:
                await resp.read()
        # The bot answered through Slack's API with the bot token: the secrets were used.
        await fake.wait_for(lambda: fake.to("chat.postMessage"), within=20)
    finally:
        await server.stop()
        await fake.close()
    log = server.log.read_text(encoding="utf-8")
    assert '"level": "debug"' in log or '"level":"debug"' in log or "DEBUG" in log  # debug lines were written
    assert _leaks(log) == []


def test_cli_commands_log_no_secret(tmp_path: Path) -> None:
    env = {
        **os.environ,
        **SECRETS,
        "PYTHONPATH": str(ROOT),
        "GUIDEBOT_DATA_DIR": str(tmp_path / "data"),
        "MicrosoftAppId": APP_ID,
        "GUIDEBOT_LOG_LEVEL": "DEBUG",
    }
    commands = [
        ["db", "upgrade"],
        ["content", "check"],
        ["slack-manifest", "--url", "https://bot.example.org", "--socket-mode"],
        ["teams-package", "--app-id", APP_ID, "--out", str(tmp_path / "app.zip")],
    ]
    for args in commands:
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (args, done.stderr[-2000:])
        assert _leaks(done.stdout + done.stderr) == [], args
    # A database that cannot be reached: the error says so without the URL's password.
    env["DATABASE_URL"] = f"postgresql://guide:{DB_PASSWORD}@127.0.0.1:9/guidebot"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert _leaks(done.stdout + done.stderr) == []


async def test_a_socket_mode_server_logs_no_secret(tmp_path: Path) -> None:
    fake = await FakeSlack(token=SECRETS["SLACK_BOT_TOKEN"]).start()
    server = ServerProcess(
        tmp_path / "data",
        fake,
        f"sqlite:///{tmp_path / 'socket.db'}",
        **SECRETS,  # with SLACK_APP_TOKEN: the server connects out to the fake's WebSocket
        GUIDEBOT_LOG_LEVEL="DEBUG",
    )
    try:
        await server.start()
        await fake.wait_for(lambda: fake.to("apps.connections.open"), within=20)
        event = json.loads(event_body(direct_message("U0SECRET2", "hello"), "EvSECRETS0002"))
        await fake.socket_send("events_api", event, within=20)
        await fake.wait_for(lambda: fake.to("chat.postMessage"), within=20)
    finally:
        await server.stop()
        await fake.close()
    log = server.log.read_text(encoding="utf-8")
    assert "DEBUG" in log
    assert _leaks(log) == []
