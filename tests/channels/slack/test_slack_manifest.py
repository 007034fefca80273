"""``guidebot slack-manifest`` prints an app manifest with everything the bot needs, in one step."""

from __future__ import annotations

import pytest
import yaml

from bot.cli import _parser
from bot.settings import Settings


def run(settings: Settings, *argv: str) -> int:
    """The CLI's own parser and command, without main() (which would configure logging for the run)."""
    args = _parser().parse_args(["slack-manifest", *argv])
    return args.run(settings, args)


def test_the_manifest_points_events_commands_and_clicks_at_one_url(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(settings, "--url", "https://bot.example.org/") == 0
    manifest = yaml.safe_load(capsys.readouterr().out)
    endpoint = "https://bot.example.org/slack/events"
    events = manifest["settings"]["event_subscriptions"]
    assert events["request_url"] == endpoint
    assert set(events["bot_events"]) == {"app_home_opened", "app_mention", "message.im"}
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": endpoint}
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/guide" and command["url"] == endpoint
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "im:history", "im:write", "app_mentions:read"} <= scopes
    assert manifest["settings"]["socket_mode_enabled"] is False


def test_socket_mode_needs_no_public_url(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(settings, "--socket-mode", "--name", "Fictional Council Guide") == 0
    manifest = yaml.safe_load(capsys.readouterr().out)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert manifest["display_information"]["name"] == "Fictional Council Guide"


@pytest.mark.parametrize("argv", [[], ["--url", "http://bot.example.org"]])
def test_a_missing_or_insecure_url_is_refused(
    argv: list[str], settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(settings, *argv) == 2
    assert "--url https://" in capsys.readouterr().err
