"""What Slack sends to the bot: events, button clicks and slash commands, signed as Slack signs them.

``press`` reads the buttons, menus and checkboxes out of a message the bot posted (as recorded by
the fake Web API), as a real Slack client would, to build the click.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

from tests.fakes.slack_api import BOT_USER, TEAM, Call


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v0=`` + hex HMAC-SHA256 of ``v0:<timestamp>:<body>``, as Slack signs its requests."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed(secret: str, body: bytes, *, form: bool, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with ``body``, signed now (or at ``timestamp``)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/x-www-form-urlencoded" if form else "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(secret, stamp, body),
    }


def event_body(event: dict[str, Any], event_id: str) -> bytes:
    """An Events API callback wrapping ``event``."""
    callback = {
        "token": "unused",
        "team_id": TEAM,
        "api_app_id": "AFAKE0001",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        "event": event,
    }
    return json.dumps(callback).encode()


def direct_message(
    user: str, text: str, *, channel: str | None = None, ts: str = "1700000000.000001"
) -> dict:
    """A ``message.im`` event: a person's direct message to the bot."""
    channel = channel or "D" + user.lstrip("U")
    return {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text, "ts": ts}


def command_body(user: str, channel: str, text: str, *, response_url: str, trigger_id: str) -> bytes:
    """A ``/guide`` slash command as Slack posts it."""
    fields = {
        "token": "unused",
        "team_id": TEAM,
        "team_domain": "fictional-council",
        "channel_id": channel,
        "channel_name": "practice-leads",
        "user_id": user,
        "user_name": "test.user",
        "command": "/guide",
        "text": text,
        "api_app_id": "AFAKE0001",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields).encode()


def actions_body(payload: dict[str, Any]) -> bytes:
    """An interactivity payload as Slack posts it: form-encoded ``payload=<json>``."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def press(
    message: Call, *labels: str, user: str, action_ts: str | None = None, channel: str | None = None
) -> dict[str, Any]:
    """The ``block_actions`` payload of clicking the button called ``labels[0]`` in a recorded message,
    choosing it in the message's menu, or (several labels, or a Submit) ticking those boxes then Submit."""
    blocks = message.blocks
    elements = [
        (b.get("block_id", ""), e) for b in blocks if b.get("type") == "actions" for e in b["elements"]
    ]
    state: dict[str, dict[str, Any]] = {}
    action: dict[str, Any] | None = None
    for block_id, element in elements:
        kind = element["type"]
        if kind == "button" and element["text"]["text"] == labels[0] and len(labels) == 1:
            action = {"type": "button", "action_id": element["action_id"], "value": element["value"]}
        elif kind == "static_select":
            option = next((o for o in element["options"] if o["text"]["text"] == labels[0]), None)
            if option is not None:
                action = {
                    "type": "static_select",
                    "action_id": element["action_id"],
                    "selected_option": option,
                }
        elif kind == "checkboxes":
            ticked = [o for o in element["options"] if o["text"]["text"] in labels]
            state.setdefault(block_id, {})[element["action_id"]] = {
                "type": "checkboxes",
                "selected_options": ticked,
            }
    if action is None and state:
        submit = next(e for _, e in elements if e["type"] == "button" and e["action_id"] == "submit")
        action = {"type": "button", "action_id": "submit", "value": submit["value"]}
    if action is None:
        raise AssertionError(f"nothing called {labels} in the message: {json.dumps(blocks)[:500]}")
    block_id = next(b for b, e in elements if e["action_id"] == action["action_id"])
    action |= {"block_id": block_id, "action_ts": action_ts or f"{time.time():.6f}"}
    channel = channel or message.channel
    thread = {"thread_ts": message.body["thread_ts"]} if message.body.get("thread_ts") else {}
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "fictional-council"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "AFAKE0001",
        "token": "unused",
        "trigger_id": f"trigger-{action['action_ts']}",
        "container": {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": channel,
            "is_ephemeral": False,
        }
        | thread,
        "channel": {"id": channel},
        "message": {"ts": message.ts, "blocks": blocks} | thread,
        "state": {"values": state},
        "actions": [action],
    }
