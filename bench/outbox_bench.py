"""The outbox at campaign scale: one message each to many people, against fakes that enforce the
platforms' documented rate limits with 429s, optionally with SIGKILLs and restarts on the way.

Slack: ``conversations.open`` then ``chat.postMessage`` for each person (Tier 3, 50 a minute, for the
opens; about one post a second per conversation and a workspace-wide limit for the posts). Teams:
create the personal conversation, then send (about 50 requests a second per tenant). Real limits
make 15,000 Slack invitations take five hours, so limits are sped up by ``--scale`` in both the
fake and the server (``GUIDEBOT_PACING_SCALE``); the figure that matters is the time against the
least time the (scaled) limits allow.

    python bench/outbox_bench.py [--platform slack|teams|both] [--people 15000] [--kills 2]
        [--slack-scale 60] [--teams-scale 10] [--postgres URL]

The messages are written straight into the outbox before the server starts, as a server that
stopped with them pending would leave them; its sweep takes them up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.servers import ROOT, free_port
from bot.channels.slack.channel import POSTS_PER_WORKSPACE, TIER_3
from bot.channels.teams.handler import PER_TENANT
from bot.runtime import reply_codec
from bot.sealing import Keys
from bot.turn import utcnow
from dialogs.replies import Text
from storage import outbox
from storage.db import Database
from storage.migrate import upgrade
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import FakeSlack

SECRET = "outbox-bench-secret-key-0001"
INVITATION = [Text("*Your case management system*: a three-minute survey, open until Friday 19 December.")]


def least_time(platform: str, people: int, scale: float) -> float:
    """The shortest time the documented limits allow for ``people`` messages (seconds, scaled)."""
    if platform == "slack":
        opens = (people - TIER_3[0]) * TIER_3[1] / TIER_3[0]
        posts = (people - POSTS_PER_WORKSPACE[0]) * POSTS_PER_WORKSPACE[1] / POSTS_PER_WORKSPACE[0]
        return max(opens, posts, 0.0) / scale
    count, seconds = PER_TENANT
    return max(2 * people - count, 0) * seconds / count / scale


async def fill(url: str, platform: str, people: int, target: str) -> None:
    """``people`` pending messages, one to each person, as a stopped server would leave them."""
    keys = Keys(SECRET.encode())
    db = Database(url)
    await upgrade(db)
    payload = reply_codec.dumps(list(INVITATION))
    for start in range(0, people, 1000):
        rows = []
        for i in range(start, min(people, start + 1000)):
            if platform == "slack":
                address: dict[str, Any] = {"user": f"UBENCH{i:06d}", "open": True}
            else:
                address = {
                    "service_url": target,
                    "member": f"29:bench-{i:06d}",
                    "tenant": "t-bench",
                    "bot": "28:b",
                }
            conversation = address.get("user") or address["member"]
            rows.append(
                outbox.NewMessage(
                    platform,
                    keys.lane(platform, conversation),
                    "post",
                    "invitation",
                    keys.seal(address),
                    payload,
                )
            )
        await db.write(partial(outbox.add_messages, messages=rows, now=utcnow()))
    await db.close()


class Server:
    """``guidebot serve`` as a subprocess, started again on the same port after a SIGKILL."""

    def __init__(self, url: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "GUIDEBOT_SECRET_KEY": SECRET,
            **env,
        }
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None
        self.started = 0

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--port", str(self.port), cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=self.log.open("ab"),
        )  # fmt: skip
        profile = os.environ.get("BENCH_PROFILE")  # py-spy's folded stacks, a file per server started
        if profile:
            self.started += 1
            out = f"{profile}.{self.started}" if self.started > 1 else profile
            spy = ["py-spy", "record", "-r", "250", "-f", "raw", "-o", out, "-p", str(self.proc.pid)]
            await asyncio.create_subprocess_exec(
                *spy, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
            )

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await self.proc.wait()


async def run(
    platform: str, people: int, scale: float, kills: int, postgres: str | None, work: Path
) -> dict[str, Any]:
    if platform == "slack":
        fake: Any = await FakeSlack().start()
        fake.enforce("conversations.open", TIER_3[0], TIER_3[1] / scale)
        fake.enforce("chat.postMessage", POSTS_PER_WORKSPACE[0], POSTS_PER_WORKSPACE[1] / scale)
        fake.enforce("chat.postMessage", 4, 4.0 / scale, per_channel=True)
        env = {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench-signing",
            "GUIDEBOT_SLACK_API_URL": fake.api_url,
        }
        target = fake.api_url
    else:
        fake = FakeBotConnector()
        target = await fake.start()
        fake.enforce(
            tenant=(PER_TENANT[0], PER_TENANT[1] / scale), conversation=[(7, 1.0 / scale), (60, 30.0 / scale)]
        )
        env = {"GUIDEBOT_TEAMS_DEV_MODE": "1"}
    env |= {"GUIDEBOT_PACING_SCALE": str(scale), "GUIDEBOT_DATA_DIR": str(work / platform), "GUIDEBOT_LOG_LEVEL": "WARNING",
            "GUIDEBOT_LOG_FORMAT": "json"}  # fmt: skip
    url = postgres or f"sqlite:///{work / platform / 'bench.db'}"
    if postgres:
        from tests.conftest import reset_postgres

        await reset_postgres(postgres)
    await fill(url, platform, people, target)

    def delivered() -> Counter[str]:
        if platform == "slack":
            return Counter(str(c.channel) for c in fake.to("chat.postMessage"))
        return Counter(str(c.conversation_id) for c in fake.posts())

    server = Server(url, env, work / f"{platform}.log")
    await server.start()
    started = time.monotonic()
    marks = [people * (k + 1) // (kills + 1) for k in range(kills)]
    while len(delivered()) < people:
        if marks and sum(delivered().values()) >= marks[0]:
            marks.pop(0)
            await server.kill()
            await server.start()  # the same port: it takes over its predecessor's claims at once
        await asyncio.sleep(0.2)
        if time.monotonic() - started > 10 * least_time(platform, people, scale) + 120:
            break
    await asyncio.sleep(3)  # anything sent twice late still shows
    # From the first request the platform saw to the last message it accepted: the sending itself.
    accepted = fake.to("chat.postMessage") if platform == "slack" else fake.posts()
    first = min(c.at for c in fake.calls if getattr(c, "method", "") != "auth.test")
    elapsed = max(c.at for c in accepted) - first if accepted else time.monotonic() - started
    counts = delivered()
    await server.stop()
    refused = sum(1 for c in fake.calls if getattr(c, "status", 200) == 429)
    await fake.close()
    ceiling = least_time(platform, people, scale)
    return {
        "platform": platform, "people": people, "scale": scale, "kills": kills, "seconds": round(elapsed, 1),
        "least_seconds": round(ceiling, 1), "of_ceiling": round(ceiling / elapsed, 3) if elapsed else None,
        "delivered": len(counts), "lost": people - len(counts), "duplicated": sum(n - 1 for n in counts.values()),
        "refused_429": refused,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--platform", choices=("slack", "teams", "both"), default="both")
    parser.add_argument("--people", type=int, default=15_000)
    parser.add_argument("--kills", type=int, default=0)
    parser.add_argument("--slack-scale", type=float, default=60.0)
    parser.add_argument("--teams-scale", type=float, default=10.0)
    parser.add_argument("--postgres", default=None, help="run on this PostgreSQL database (emptied first)")
    args = parser.parse_args()
    platforms = ("slack", "teams") if args.platform == "both" else (args.platform,)
    with tempfile.TemporaryDirectory() as tmp:
        for platform in platforms:
            scale = args.slack_scale if platform == "slack" else args.teams_scale
            (Path(tmp) / platform).mkdir()
            result = asyncio.run(run(platform, args.people, scale, args.kills, args.postgres, Path(tmp)))
            print(" ".join(f"{k}={v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
