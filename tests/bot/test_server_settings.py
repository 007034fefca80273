"""Health when the database is down, the web chat's exposure rules, and bad settings."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.settings import SettingsError, load_settings, secret_key
from tests.helpers import SECRET


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_health_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    url = f"postgresql://nobody@127.0.0.1:{closed_port()}/none"
    settings = load_settings(data_dir=tmp_path, secret_key=SECRET, database_url=url)
    app = build_app(settings)
    app.on_startup.clear()  # the migration would fail first; health itself is what is under test
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/healthz")
        assert resp.status == 503
        assert (await resp.json())["database"] == "unreachable"


async def test_web_chat_is_off_on_a_public_address_without_a_token(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, secret_key=SECRET, host="0.0.0.0")
    async with TestClient(TestServer(build_app(settings))) as client:
        assert (await client.get("/")).status == 404
        resp = await client.post("/api/chat", json={"user_id": "a", "text": "help"})
        assert resp.status == 404


async def test_web_chat_with_a_token_needs_it_on_every_request(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, secret_key=SECRET, host="0.0.0.0", web_token="s3cret-token")
    async with TestClient(TestServer(build_app(settings))) as client:
        missing = await client.post("/api/chat", json={"user_id": "a", "text": "help"})
        wrong = await client.post(
            "/api/chat", json={"user_id": "a", "text": "help"}, headers={"Authorization": "Bearer nope-nope"}
        )
        right = await client.post(
            "/api/chat",
            json={"user_id": "a", "text": "help"},
            headers={"Authorization": "Bearer s3cret-token"},
        )
        assert (missing.status, wrong.status, right.status) == (401, 401, 200)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"GUIDEBOT_MANAGERS": "U0123"}, "GUIDEBOT_MANAGERS"),
        ({"GUIDEBOT_SECRET_KEY": "short"}, "GUIDEBOT_SECRET_KEY"),
        ({"GUIDEBOT_LOG_FORMAT": "xml"}, "GUIDEBOT_LOG_FORMAT"),
        ({"MicrosoftAppType": "Personal"}, "MicrosoftAppType"),
    ],
)
def test_bad_settings_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert message in str(caught.value)
    assert "short" not in str(caught.value)  # a secret's value is never echoed


def test_roles_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUIDEBOT_MANAGERS", "slack:U0123, web:alice")
    monkeypatch.setenv("GUIDEBOT_DIGITAL_LEADS", "teams:6f1c1e5a-0000-4000-8000-000000000001")
    settings = load_settings()
    assert settings.manager_ids == {"slack:U0123", "web:alice"}
    assert settings.digital_lead_ids == {"teams:6f1c1e5a-0000-4000-8000-000000000001"}


def test_a_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    key, generated = secret_key(settings)
    again, generated_again = secret_key(settings)
    assert generated and not generated_again and key == again and len(key) >= 32
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_defaults_to_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "d")
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'd' / 'guidebot.db'}"


SLACK_ON = {"SLACK_BOT_TOKEN": "xoxb-fictional", "SLACK_SIGNING_SECRET": "fictional-signing-secret"}
TEAMS_ON = {"MICROSOFT_APP_ID": "00000000-0000-0000-0000-000000000001", "MICROSOFT_APP_PASSWORD": "fictional"}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"GUIDEBOT_TEAMS_DEV_MODE": "true"}, None),  # dev mode runs on this machine alone
        (SLACK_ON, "GUIDEBOT_PUBLIC_URL is not set, so Slack will get links to http://127.0.0.1:3978"),
        (TEAMS_ON, "GUIDEBOT_PUBLIC_URL is not set, so Teams will get links"),
        ({**SLACK_ON, **TEAMS_ON}, "so Slack and Teams will get links"),
        (
            {**TEAMS_ON, "GUIDEBOT_PUBLIC_URL": "http://bot.example.org"},
            "GUIDEBOT_PUBLIC_URL is http://bot.example.org, not an https:// address: Teams will not show charts",
        ),
        ({**SLACK_ON, **TEAMS_ON, "GUIDEBOT_PUBLIC_URL": "https://bot.example.org"}, None),
    ],
)
def test_serve_warns_on_the_console_when_slack_or_teams_has_no_https_public_url(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    expected: str | None,
) -> None:
    from aiohttp import web

    from bot import cli

    for name in ("GUIDEBOT_PUBLIC_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "MICROSOFT_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    # The privacy notice's own warning is tested in tests/governance/test_privacy_notice.py.
    privacy = {"GUIDEBOT_PRIVACY_URL": "https://www.council.example/privacy"}
    for name, value in {
        "GUIDEBOT_DATA_DIR": str(tmp_path),
        "GUIDEBOT_SECRET_KEY": SECRET,
        **privacy,
        **env,
    }.items():
        monkeypatch.setenv(name, value)
    started: list[object] = []
    monkeypatch.setattr(web, "run_app", lambda app, **kwargs: started.append(app))
    monkeypatch.setattr(cli, "settle_memory", lambda: None)
    monkeypatch.setattr(cli, "configure_logging", lambda *args, **kwargs: None)
    monkeypatch.setattr(cli, "event_loop", lambda: object())
    assert cli.main(["serve"]) == 0 and started
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("Warning: ")]
    if expected is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and expected in warnings[0], err
        assert "https://" in warnings[0]
