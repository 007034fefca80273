"""``guidebot teams-package``: the zip a council uploads to Teams (manifest.json and two icons).

The zip is byte-for-byte the same for the same options, so it can be checked into a council's
own configuration and compared.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import uuid
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from bot.channels.teams.icons import colour_icon, outline_icon

MANIFEST_VERSION = "1.17"
PLACEHOLDER_URL = "https://example.org/guidebot"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
PERSONAL_COMMANDS = [
    ("help", "What I can do"),
    ("surveys", "Surveys you can take"),
    ("start pain-points", "Take the survey about your case management system"),
    ("resume", "Carry on with a paused survey"),
    ("privacy", "How your answers are used, and who sees them"),
    ("guide me", "Walk through the guidance's first steps (digital leads and managers)"),
    ("digest", "What staff said, with charts (managers and digital leads)"),
    ("plan", "A draft improvement plan from the answers (managers and digital leads)"),
]
TEAM_COMMANDS = [
    ("help", "What I can do"),
    ("invite pain-points", "Invite the channel to a survey (managers and digital leads)"),
    ("digest", "What staff said, with charts (managers and digital leads)"),
    ("plan", "A draft improvement plan from the answers (managers and digital leads)"),
]


def manifest(
    *, app_id: str, name: str, developer: str, website: str, privacy: str, terms: str, app_version: str
) -> dict[str, Any]:
    """The Teams app manifest for the bot, in personal chats, teams and group chats."""
    return {
        "$schema": f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json",
        "manifestVersion": MANIFEST_VERSION,
        "version": app_version,
        "id": app_id,
        "developer": {
            "name": developer,
            "websiteUrl": website,
            "privacyUrl": privacy,
            "termsOfUseUrl": terms,
        },
        "name": {"short": name[:30], "full": f"{name}: case management system guidance"[:100]},
        "description": {
            "short": "Short staff surveys and help with the DfE case management guidance."[:80],
            "full": (
                "Guidebot helps children's social care services improve their case management system, "
                "following the Department for Education's guidance. Practitioners answer short, "
                "anonymous surveys in a private chat; digital leads ask about the guidance; managers "
                "invite their teams to take part, get digests of what staff said and draft an "
                "improvement plan from it."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#1D70B8",
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": _commands(PERSONAL_COMMANDS)},
                    {"scopes": ["team", "groupChat"], "commands": _commands(TEAM_COMMANDS)},
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def build_package(**options: str) -> bytes:
    """The zip's bytes: manifest.json, color.png (192x192) and outline.png (32x32)."""
    files = {
        "manifest.json": (json.dumps(manifest(**options), indent=2) + "\n").encode(),
        "color.png": colour_icon(192),
        "outline.png": outline_icon(32),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def add_package_command(commands: Any) -> None:
    """Add ``teams-package`` to the CLI's subcommands."""
    command = commands.add_parser("teams-package", help="write the Teams app package (manifest and icons)")
    command.add_argument("--app-id", required=True, help="the bot's Microsoft app id (a GUID)")
    command.add_argument("--out", type=Path, default=Path("guidebot-teams.zip"), help="zip to write")
    command.add_argument("--name", default="Guidebot", help="the app's name in Teams")
    command.add_argument("--developer", default="Your council", help="who publishes the app")
    command.add_argument("--website-url", default=PLACEHOLDER_URL)
    command.add_argument("--privacy-url", default=PLACEHOLDER_URL)
    command.add_argument("--terms-url", default=PLACEHOLDER_URL)
    command.set_defaults(run=run)


def run(settings: object, args: argparse.Namespace) -> int:
    """Write the package; 2 with a message when an option is unusable."""
    try:
        app_id = str(uuid.UUID(args.app_id))
    except ValueError:
        print(f"--app-id must be the bot's Microsoft app id, a GUID (got {args.app_id!r}).", file=sys.stderr)
        return 2
    urls = {"website": args.website_url, "privacy": args.privacy_url, "terms": args.terms_url}
    for option, url in urls.items():
        if not url.startswith("https://"):
            print(f"--{option}-url must be an https:// address.", file=sys.stderr)
            return 2
    data = build_package(
        app_id=app_id, name=args.name, developer=args.developer, app_version=_app_version(), **urls
    )
    args.out.write_bytes(data)
    print(
        f"Wrote {args.out} ({len(data)} bytes). Upload it in Teams: Apps > Manage your apps > Upload an app."
    )
    if PLACEHOLDER_URL in urls.values():
        print("Set --website-url, --privacy-url and --terms-url to your council's pages before publishing.")
    return 0


def _commands(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"title": title, "description": description} for title, description in pairs]


def _app_version() -> str:
    try:
        found = version("guidebot")
    except PackageNotFoundError:
        return "1.0.0"
    parts = [*found.split("+")[0].split("."), "0", "0"][:3]
    return ".".join(p if p.isdigit() else "0" for p in parts)
