"""Server processes for the restart and several-process tests: ``guidebot serve`` as a subprocess,
with Slack pointed at a fake on this machine, and Slack's side of talking to it over real HTTP."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from tests.channels.slack.payloads import direct_message, event_body, signed
from tests.channels.slack.slack_bot import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack_api import FakeSlack
from tests.helpers import SECRET

ROOT = Path(__file__).resolve().parents[2]
_EVENTS = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """One ``guidebot serve`` process; ``start`` waits for its first healthy ``/healthz``."""

    def __init__(
        self, data_dir: Path, fake: FakeSlack, database_url: str, *, port: int | None = None, **settings: str
    ) -> None:
        self.port = port or free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "GUIDEBOT_DATA_DIR": str(data_dir),
            "GUIDEBOT_SECRET_KEY": SECRET,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "GUIDEBOT_SLACK_API_URL": fake.api_url,
            "GUIDEBOT_LOG_FORMAT": "json",
            "GUIDEBOT_LOG_LEVEL": "WARNING",
            **settings,
        }
        self.process: asyncio.subprocess.Process | None = None
        self.url = f"http://127.0.0.1:{self.port}"
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log = data_dir / f"server-{self.port}.log"

    async def start(self, within: float = 30.0) -> ServerProcess:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--port", str(self.port), cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=self.log.open("ab"),
        )  # fmt: skip
        deadline = asyncio.get_running_loop().time() + within
        async with ClientSession() as session:
            while True:
                try:
                    async with session.get(f"{self.url}/healthz") as resp:
                        if resp.status == 200:
                            return self
                except OSError:
                    pass
                if self.process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                    raise AssertionError(f"the server did not start (exit {self.process.returncode})")
                await asyncio.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no draining, whatever was in flight is cut."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def dm(self, user: str, text: str) -> int:
        """A signed direct message from ``user``, as Slack sends it."""
        body = event_body(direct_message(user, text), f"EvRT{next(_EVENTS):08d}")
        async with (
            ClientSession() as session,
            session.post(
                f"{self.url}/slack/events", data=body, headers=signed(SIGNING_SECRET, body, form=False)
            ) as resp,
        ):
            await resp.read()
            return resp.status

    async def health(self) -> dict[str, Any]:
        async with ClientSession() as session, session.get(f"{self.url}/healthz") as resp:
            return await resp.json()

    async def outbox_empty(self, within: float = 30.0) -> dict[str, Any]:
        """Wait until the outbox has nothing pending (every message sent or given up); its last health."""
        deadline = asyncio.get_running_loop().time() + within
        while (health := await self.health())["outbox"]["pending"]:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"the outbox still holds messages: {health['outbox']}")
            await asyncio.sleep(0.1)
        return health
