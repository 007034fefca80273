"""A real campaign launch through the server: the manager's command, the confirmation, Start, and the
invitations to everyone, against fakes that enforce the platforms' documented limits with 429s;
optionally with SIGKILLs and restarts while the invitations go out.

Slack: ``/guide campaign ...`` in a channel of N people (the roster read over cursor pages), Start
pressed on the private confirmation, then ``conversations.open`` and ``chat.postMessage`` for each
person. Teams: ``campaign ...`` mentioned in a team's channel (the team's members read over paged
calls), Start pressed on the card, then a personal chat created and the invitation sent to each.
Limits are sped up by ``--slack-scale`` / ``--teams-scale`` in both the fake and the server
(``GUIDEBOT_PACING_SCALE``); what matters is the sending time against the least the (scaled)
limits allow, and that nobody is missed or (beyond one per kill) asked twice.

    python bench/campaign_bench.py [--platform slack|teams|both] [--people 15000] [--kills 2]
        [--slack-scale 60] [--teams-scale 10] [--postgres URL] [--in-flight 1]

``--in-flight`` is ``GUIDEBOT_CAMPAIGN_IN_FLIGHT``: campaign messages a process sends at once. 1
means a kill repeats at most one invitation; one at a time reaches 90% of the ceiling on Slack at
``--slack-scale 60`` and on Teams at ``--teams-scale 2`` (results: bench/RESULTS-campaigns.md).
``BENCH_PROFILE=file`` records the server with py-spy (a file per start).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.outbox_bench import Server, least_time
from bot.channels.slack.channel import POSTS_PER_WORKSPACE, TIER_3
from bot.channels.teams.handler import PER_TENANT
from tests.channels.slack.payloads import actions_body, command_body, press, signed
from tests.channels.teams.activities import TEAM_CHANNEL, Person, in_channel
from tests.channels.teams.activities import press as press_card
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import FakeSlack

SECRET = "campaign-bench-secret-key-01"
SIGNING = "campaign-bench-signing-secret"
CHANNEL = "CBENCH0001"
MANAGER = "UBENCHBOSS"
BOSS = Person("Bench Manager", aad="0b0b0b0b-1111-4222-8333-444455556666")
COMMAND = "campaign pain-points closes 19 December no reminders"
INVITED = "Not this time"


async def wait_for(check: Any, within: float, what: str) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


async def healthy(port: int, within: float = 60) -> None:
    async with aiohttp.ClientSession() as session:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


class SlackRun:
    """Slack's side: the fake, and the manager's requests to the server."""

    def __init__(self, people: int, scale: float) -> None:
        self.people, self.scale = people, scale
        self.fake = FakeSlack()

    async def start(self) -> dict[str, str]:
        await self.fake.start()
        self.fake.enforce("conversations.open", TIER_3[0], TIER_3[1] / self.scale)
        self.fake.enforce("chat.postMessage", POSTS_PER_WORKSPACE[0], POSTS_PER_WORKSPACE[1] / self.scale)
        self.fake.enforce("chat.postMessage", 4, 4.0 / self.scale, per_channel=True)
        self.fake.add_people(CHANNEL, self.people, prefix="UBENCH")
        return {"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SIGNING,
                "GUIDEBOT_SLACK_API_URL": self.fake.api_url, "GUIDEBOT_MANAGERS": f"slack:{MANAGER}"}  # fmt: skip

    async def launch(self, session: aiohttp.ClientSession, base: str) -> None:
        body = command_body(
            MANAGER, CHANNEL, COMMAND, response_url=self.fake.response_url("bench"), trigger_id="t1"
        )
        async with session.post(
            f"{base}/slack/events", data=body, headers=signed(SIGNING, body, form=True)
        ) as resp:
            assert resp.status == 200, resp.status
        confirmation = await wait_for(
            lambda: next((c for c in self.fake.to("response_url") if "Start?" in c.all_text), None),
            900,
            "the confirmation",
        )
        clicked = actions_body(press(confirmation, "Start", user=MANAGER, channel=CHANNEL))
        async with session.post(
            f"{base}/slack/events", data=clicked, headers=signed(SIGNING, clicked, form=True)
        ) as resp:
            assert resp.status == 200, resp.status

    def delivered(self) -> Counter[str]:
        return Counter(str(c.channel) for c in self.fake.to("chat.postMessage") if INVITED in c.all_text)

    def sending(self) -> tuple[float, float] | None:
        opens = self.fake.to("conversations.open") + [
            c for c in self.fake.calls if c.method == "conversations.open"
        ]
        posts = [c for c in self.fake.to("chat.postMessage") if INVITED in c.all_text]
        return (min(c.at for c in opens), max(c.at for c in posts)) if opens and posts else None


class TeamsRun:
    """Teams' side: the fake Bot Connector with the team's roster, and the manager's activities."""

    def __init__(self, people: int, scale: float) -> None:
        self.people, self.scale = people, scale
        self.fake = FakeBotConnector()
        self._delivered: Counter[str] = Counter()
        self.fake.listeners.append(self._count)

    async def start(self) -> dict[str, str]:
        url = await self.fake.start()
        self.fake.enforce(
            tenant=(PER_TENANT[0], PER_TENANT[1] / self.scale),
            conversation=[(7, 1.0 / self.scale), (60, 30.0 / self.scale)],
        )
        self.fake.page_size = 500
        self.fake.rosters[TEAM_CHANNEL] = [
            {"id": f"29:bench-{i:06d}", "aadObjectId": f"00000000-0000-4000-8000-{i:012d}"}
            for i in range(self.people)
        ]
        self.url = url
        return {"GUIDEBOT_TEAMS_DEV_MODE": "1", "GUIDEBOT_MANAGERS": f"teams:{BOSS.aad}"}

    async def launch(self, session: aiohttp.ClientSession, base: str) -> None:
        async with session.post(f"{base}/api/messages", json=in_channel(BOSS, self.url, COMMAND)) as resp:
            assert resp.status in (200, 201), resp.status
        card = await wait_for(
            lambda: next((c for c in self.fake.posts() if c.card and "Start?" in json.dumps(c.card)), None), 900,
            "the confirmation",
        )  # fmt: skip
        value = press_card(card.card, "Start")
        activity = in_channel(BOSS, self.url, value=value, replyToId=card.new_id)
        async with session.post(f"{base}/api/messages", json=activity) as resp:
            assert resp.status in (200, 201), resp.status

    def _count(self, call: Any) -> None:
        if call.method == "POST" and str(call.conversation_id).startswith("a:personal-"):
            self._delivered[str(call.conversation_id)] += 1

    def delivered(self) -> Counter[str]:
        # Counted as the fake records them: scanning its 45,000 calls every 0.2 s held up its event loop.
        return self._delivered

    def sending(self) -> tuple[float, float] | None:
        created = [c for c in self.fake.calls if c.method == "POST" and c.conversation_id is None]
        posts = [c for c in self.fake.posts() if str(c.conversation_id).startswith("a:personal-")]
        return (min(c.at for c in created), max(c.at for c in posts)) if created and posts else None


async def run(
    platform: str,
    people: int,
    scale: float,
    kills: int,
    postgres: str | None,
    work: Path,
    *,
    in_flight: int = 1,
) -> dict[str, Any]:
    """One launch; returns the figures to report."""
    side: SlackRun | TeamsRun = SlackRun(people, scale) if platform == "slack" else TeamsRun(people, scale)
    env = await side.start()
    (work / platform).mkdir(exist_ok=True)
    env |= {"GUIDEBOT_PACING_SCALE": str(scale), "GUIDEBOT_DATA_DIR": str(work / platform), "GUIDEBOT_LOG_LEVEL": "WARNING",
            "GUIDEBOT_LOG_FORMAT": "json", "GUIDEBOT_SECRET_KEY": SECRET,
            "GUIDEBOT_CAMPAIGN_IN_FLIGHT": str(in_flight)}  # fmt: skip
    url = postgres or f"sqlite:///{work / platform / 'bench.db'}"
    if postgres:
        from tests.conftest import reset_postgres

        await reset_postgres(postgres)
    server = Server(url, env, work / f"{platform}.log")
    server.env["GUIDEBOT_SECRET_KEY"] = SECRET
    await server.start()
    await healthy(server.port)
    ceiling = least_time(platform, people, scale)
    async with aiohttp.ClientSession() as session:
        began = time.monotonic()
        await side.launch(session, f"http://127.0.0.1:{server.port}")
    marks = [people * (k + 1) // (kills + 1) for k in range(kills)]
    killed = 0
    while len(side.delivered()) < people:
        if marks and sum(side.delivered().values()) >= marks[0]:
            marks.pop(0)
            await server.kill()
            killed += 1
            await server.start()  # the same port: it takes over its predecessor's claims at once
            await healthy(server.port)
        await asyncio.sleep(0.2)
        if time.monotonic() - began > 10 * ceiling + 300:
            break
    await asyncio.sleep(3)  # anything sent twice late still shows
    counts = side.delivered()
    span = side.sending()
    elapsed = span[1] - span[0] if span else time.monotonic() - began
    await server.stop()
    refused = sum(1 for c in side.fake.calls if getattr(c, "status", 200) == 429)
    await side.fake.close()
    return {
        "platform": platform, "people": people, "scale": scale, "in_flight": in_flight, "kills": killed, "seconds": round(elapsed, 1),
        "least_seconds": round(ceiling, 1), "of_ceiling": round(ceiling / elapsed, 3) if elapsed else None,
        "invited": len(counts), "lost": people - len(counts), "duplicated": sum(n - 1 for n in counts.values()),
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
    parser.add_argument(
        "--in-flight",
        type=int,
        default=1,
        help="GUIDEBOT_CAMPAIGN_IN_FLIGHT: campaign sends at once per process",
    )
    args = parser.parse_args()
    if args.people < 1 or args.kills < 0 or args.in_flight < 1:
        parser.error("--people and --in-flight must be at least 1, --kills at least 0")
    platforms = ("slack", "teams") if args.platform == "both" else (args.platform,)
    with tempfile.TemporaryDirectory() as tmp:
        for platform in platforms:
            scale = args.slack_scale if platform == "slack" else args.teams_scale
            result = asyncio.run(
                run(
                    platform,
                    args.people,
                    scale,
                    args.kills,
                    args.postgres,
                    Path(tmp),
                    in_flight=args.in_flight,
                )
            )
            print(" ".join(f"{k}={v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
