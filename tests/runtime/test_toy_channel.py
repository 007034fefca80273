"""The channel contract is real: a fourth channel, written here in a few dozen lines, takes a whole
survey through the core runtime, with its replies delivered by the outbox and answered questions
updated in place."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, build_app
from bot.inbound import Inbound
from bot.runtime.adapter import Arrival, Limit
from bot.settings import load_settings
from dialogs import values
from dialogs.replies import Answered, Question, Reply
from tests.helpers import PAIN_POINTS_TYPED, SECRET, responses, stored_answers


class Pager:
    """A toy channel: people POST ``{"from", "text"}`` or ``{"from", "press": value}``; the bot's
    messages land in ``sent`` (by conversation) and can be replaced in place."""

    name = "pager"

    def __init__(self) -> None:
        self.sent: dict[str, list[Reply]] = {}
        self._ids = itertools.count(1)

    def arrival(self, body: dict[str, Any]) -> Arrival:
        who = str(body["from"])
        value = values.decode(body["press"]) if "press" in body else None
        inbound = Inbound(self.name, who, who, str(body["id"]), text=body.get("text"), value=value)
        return Arrival(inbound, {"to": who})

    def conversation(self, address: Mapping[str, Any]) -> str:
        return str(address["to"])

    def messages(self, address: Mapping[str, Any], replies: list[Reply]) -> list[list[Reply]]:
        return [[reply] for reply in replies]

    def limits(self, op: str, address: Mapping[str, Any]) -> tuple[Limit, ...]:
        return (Limit(f"pager:{address['to']}", 10, 1.0),)

    async def send(self, address: Mapping[str, Any], replies: list[Reply]) -> str | None:
        box = self.sent.setdefault(str(address["to"]), [])
        box.extend(replies)
        return str(len(box) - 1)

    async def edit(self, address: Mapping[str, Any], message_id: str, replies: list[Reply]) -> None:
        self.sent[str(address["to"])][int(message_id)] = replies[0]

    def standing_address(self, address: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return dict(address)


async def test_a_fourth_channel_takes_a_whole_survey_through_the_core(tmp_path: Path) -> None:
    app = build_app(load_settings(data_dir=tmp_path / "data", secret_key=SECRET))
    pager = Pager()
    app[SERVICES].runtime.register(pager)

    async def incoming(request: web.Request) -> web.Response:
        app[SERVICES].runtime.receive(pager, pager.arrival(await request.json()))
        return web.Response(status=202)

    app.router.add_post("/pager", incoming)
    ids = itertools.count(1)
    async with TestClient(TestServer(app)) as client:

        async def say(text: str) -> None:
            resp = await client.post("/pager", json={"from": "p-7", "id": next(ids), "text": text})
            assert resp.status == 202
            await app[SERVICES].tasks.drain()

        await say("start pain-points")
        for _ in range(3 * len(PAIN_POINTS_TYPED)):  # bounded: a stuck survey fails below
            still_open = [r for r in pager.sent["p-7"] if isinstance(r, Question)]
            if not still_open:
                break
            await say(PAIN_POINTS_TYPED[still_open[-1].question_id])
        answers = await stored_answers(app[SERVICES].db)
        [response] = await responses(app[SERVICES].db)
    assert response["status"] == "completed" and set(answers) == set(PAIN_POINTS_TYPED)
    # Every question was asked once, and each was replaced in place by its answer once answered.
    shown = pager.sent["p-7"]
    assert not any(isinstance(r, Question) for r in shown)
    assert {r.question_id for r in shown if isinstance(r, Answered)} == set(PAIN_POINTS_TYPED)
