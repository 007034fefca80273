"""``guidebot slack-manifest``: the Slack app manifest (YAML) a council admin pastes to create the app.

It lists exactly what the bot uses: the scopes, the events (App Home opened, direct messages,
mentions), the ``/guide`` command and the interactivity URL, all at ``<url>/slack/events``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import yaml

from bot.settings import Settings

EVENTS_PATH = "/slack/events"
BOT_SCOPES = [
    "app_mentions:read",  # mentions in channels
    "chat:write",  # replies, question messages and their updates
    "commands",  # /guide
    "files:write",  # digest charts
    "im:history",  # direct messages to the bot
    "im:read",
    "im:write",  # opening a direct message when someone presses Start, and for campaign invitations
    "channels:read",  # a campaign's audience: the members of a public channel
    "groups:read",  # ... or of a private channel
    "usergroups:read",  # ... or of a user group
    "users:read",  # leaving bots and deactivated accounts out of a campaign's audience
]
BOT_EVENTS = ["app_home_opened", "app_mention", "message.im"]
USAGE_HINT = "help | survey [name] | ask <question> | digest | plan | invite <survey> | campaign <survey>"


def slack_manifest(url: str | None, *, name: str = "Guidebot", socket_mode: bool = False) -> dict[str, Any]:
    """The manifest as a dict; ``url`` is the bot's public HTTPS address (unused in Socket Mode)."""
    endpoint = None if socket_mode or url is None else url.rstrip("/") + EVENTS_PATH
    command: dict[str, Any] = {
        "command": "/guide",
        "description": "Surveys and guidance for your case management system",
        "usage_hint": USAGE_HINT,
        "should_escape": False,
    }
    events: dict[str, Any] = {"bot_events": BOT_EVENTS}
    interactivity: dict[str, Any] = {"is_enabled": True}
    if endpoint:
        command["url"] = endpoint
        events = {"request_url": endpoint, **events}
        interactivity["request_url"] = endpoint
    return {
        "display_information": {
            "name": name,
            "description": "Short surveys and the DfE case management guidance, in Slack.",
            "background_color": "#1d70b8",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def add_manifest_command(commands: Any) -> None:
    """Add ``slack-manifest`` to the CLI's subcommands."""
    command = commands.add_parser(
        "slack-manifest", help="print the Slack app manifest (YAML) to create the app"
    )
    command.add_argument("--url", help="the bot's public HTTPS address, e.g. https://bot.example.org")
    command.add_argument("--name", default="Guidebot", help="the app's name in Slack (default Guidebot)")
    command.add_argument(
        "--socket-mode", action="store_true", help="for Socket Mode (SLACK_APP_TOKEN): no public URL needed"
    )
    command.set_defaults(run=print_manifest)


def print_manifest(settings: Settings, args: argparse.Namespace) -> int:
    """Print the manifest, or say what is missing (exit status 2)."""
    if not args.socket_mode and not (args.url or "").startswith("https://"):
        print("Give the bot's public HTTPS address: --url https://bot.example.org", file=sys.stderr)
        print("(or --socket-mode when the bot connects out with SLACK_APP_TOKEN)", file=sys.stderr)
        return 2
    manifest = slack_manifest(args.url, name=args.name, socket_mode=args.socket_mode)
    sys.stdout.write(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True))
    return 0
